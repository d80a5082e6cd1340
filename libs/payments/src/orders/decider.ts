import { DomainError, type Decider } from '@tollgate/event-store';
import { paymentError } from '../errors';
import { commandFingerprint } from '../fingerprint';
import type { PaymentCommand } from './commands';
import type { PaymentEvent, ProviderName } from './events';
import { refundAmountMinor, type RefundPolicy } from './refund-policy';

export type OrderStatus =
  'created' | 'checkout_open' | 'confirmed' | 'failed' | 'expired' | 'cancelled' | 'rejected' | 'refunded';

export interface RefundRecord {
  refundId: string;
  reason: string;
  amountMinor: bigint;
  creditsNanocredits: bigint;
  status: 'requested' | 'completed' | 'failed';
  providerRefundId?: string;
}

export interface OrderSnapshot {
  orderId: string;
  workspaceId: string;
  accountId: string;
  provider: ProviderName;
  manual: boolean;
  status: OrderStatus;
  grossMinor: bigint;
  currency: string;
  creditsNanocredits: bigint;
  refundPolicy: RefundPolicy;
  /** The frozen order facts PaymentConfirmed repeats for downstream reactors. */
  frozen: Extract<PaymentEvent, { type: 'PaymentConfirmed' }>['data']['order'];
  sessionId?: string;
  providerPaymentId?: string;
  confirmedAt?: Date;
  flaggedForReview: boolean;
  refunds: ReadonlyMap<string, RefundRecord>;
  /** idempotency key → fingerprint (bounded). */
  keys: ReadonlyMap<string, string>;
}

export type OrderState = { status: 'none' } | OrderSnapshot;

/** Keys an order remembers; an order sees few commands, so this bound is generous. */
export const MAX_REMEMBERED_KEYS = 1_000;
const DAY_MS = 86_400_000;

function exists(state: OrderState): state is OrderSnapshot {
  return state.status !== 'none';
}

function isOpen(s: OrderSnapshot): boolean {
  return s.status === 'created' || s.status === 'checkout_open';
}

function keyed(command: PaymentCommand, fingerprint: string) {
  return { orderId: command.orderId, idempotencyKey: command.idempotencyKey, fingerprint };
}

/** Refunds requested or completed (failed ones released their amounts). */
export function refundTotals(s: OrderSnapshot): { amountMinor: bigint; creditsNanocredits: bigint } {
  let amountMinor = 0n;
  let creditsNanocredits = 0n;
  for (const r of s.refunds.values()) {
    if (r.status === 'failed') continue;
    amountMinor += r.amountMinor;
    creditsNanocredits += r.creditsNanocredits;
  }
  return { amountMinor, creditsNanocredits };
}

/**
 * What makes two commands with one idempotency key "the same": a retried order creation recomputes its
 * tax snapshot (new timestamp), a retried refund reads a fresh unconsumed balance; neither is new intent.
 */
function significant(command: PaymentCommand): object {
  switch (command.type) {
    case 'CreateOrder':
      return {
        type: command.type,
        orderId: command.orderId,
        workspaceId: command.workspaceId,
        accountId: command.accountId,
        packageId: command.package.packageId,
        provider: command.provider,
      };
    case 'RequestRefund': {
      const { unconsumedNanocredits: _ignored, ...rest } = command;
      return rest;
    }
    default:
      return command;
  }
}

export function decidePayment(
  command: PaymentCommand,
  state: OrderState,
): readonly PaymentEvent[] | DomainError {
  const fingerprint = commandFingerprint(significant(command));
  if (exists(state)) {
    const seen = state.keys.get(command.idempotencyKey);
    if (seen !== undefined)
      return seen === fingerprint
        ? []
        : paymentError('IDEMPOTENCY_CONFLICT', 'idempotency key reused with different data', {
            idempotencyKey: command.idempotencyKey,
          });
  }
  const k = keyed(command, fingerprint);
  const at = command.now.toISOString();

  if (command.type === 'CreateOrder') {
    if (exists(state)) return paymentError('ORDER_ALREADY_EXISTS', `order ${command.orderId} already exists`);
    const manual = command.package.settlement === 'manual';
    if (manual !== (command.provider === 'manual'))
      return paymentError('INVALID_COMMAND', 'manual packages are settled manually, others through checkout');
    if (command.tax.currency !== command.package.currency)
      return paymentError('INVALID_COMMAND', 'tax snapshot currency differs from the package currency');
    const credits = BigInt(command.package.creditsNanocredits) + BigInt(command.package.bonusNanocredits);
    return [
      {
        type: 'PaymentOrderCreated',
        data: {
          ...k,
          workspaceId: command.workspaceId,
          accountId: command.accountId,
          package: command.package,
          creditsNanocredits: credits.toString(),
          provider: command.provider,
          billingProfile: command.billingProfile,
          billingProfileRevision: command.billingProfileRevision,
          tax: command.tax,
          refundPolicy: command.refundPolicy,
          actor: command.actor,
          createdAt: at,
        },
      },
    ];
  }
  if (!exists(state)) return paymentError('ORDER_NOT_FOUND', `order ${command.orderId} not found`);
  const s = state;

  switch (command.type) {
    case 'OpenCheckoutSession':
      if (s.manual) return paymentError('ORDER_IS_MANUAL', 'manual orders have no checkout');
      if (!isOpen(s)) return paymentError('ORDER_NOT_OPEN', `order is ${s.status}`, { status: s.status });
      if (s.sessionId === command.sessionId) return [];
      return [
        {
          type: 'CheckoutSessionOpened',
          data: {
            ...k,
            provider: command.provider,
            sessionId: command.sessionId,
            url: command.url,
            openedAt: at,
          },
        },
      ];

    case 'ConfirmPayment': {
      if (s.manual) return paymentError('ORDER_IS_MANUAL', 'manual orders are confirmed by an admin');
      if (s.status === 'confirmed' || s.status === 'refunded') return [];
      const received = {
        receivedAmountMinor: command.amountMinor.toString(),
        receivedCurrency: command.currency.toUpperCase().slice(0, 10),
        expectedAmountMinor: s.grossMinor.toString(),
        expectedCurrency: s.currency,
      };
      const flag = (
        reason: 'AMOUNT_MISMATCH' | 'CURRENCY_MISMATCH' | 'PAYMENT_AFTER_CLOSE' | 'PAYMENT_NOT_PAID',
      ) =>
        [
          {
            type: 'OrderFlaggedForReview' as const,
            data: { ...k, reason, providerEventId: command.providerEventId, ...received, flaggedAt: at },
          },
        ] satisfies PaymentEvent[];
      if (!isOpen(s)) return flag('PAYMENT_AFTER_CLOSE');
      if (!command.paid) return flag('PAYMENT_NOT_PAID');
      if (command.currency.toUpperCase() !== s.currency) return flag('CURRENCY_MISMATCH');
      if (command.amountMinor !== s.grossMinor) return flag('AMOUNT_MISMATCH');
      return [
        {
          type: 'PaymentConfirmed',
          data: {
            ...k,
            workspaceId: s.workspaceId,
            accountId: s.accountId,
            creditsNanocredits: s.creditsNanocredits.toString(),
            provider: command.provider,
            providerEventId: command.providerEventId,
            providerPaymentId: command.providerPaymentId,
            amountMinor: command.amountMinor.toString(),
            currency: s.currency,
            confirmedAt: at,
            order: s.frozen,
          },
        },
      ];
    }

    case 'ExpireCheckout':
      if (!isOpen(s) || s.manual) return [];
      return [
        { type: 'CheckoutExpired', data: { ...k, providerEventId: command.providerEventId, expiredAt: at } },
      ];

    case 'FailPayment':
      if (!isOpen(s) || s.manual) return [];
      return [
        {
          type: 'PaymentFailed',
          data: { ...k, providerEventId: command.providerEventId, reason: command.reason, failedAt: at },
        },
      ];

    case 'CancelOrder':
      if (!isOpen(s)) return paymentError('ORDER_NOT_OPEN', `order is ${s.status}`, { status: s.status });
      return [
        {
          type: 'PaymentOrderCancelled',
          data: { ...k, reason: command.reason, actor: command.actor, cancelledAt: at },
        },
      ];

    case 'ApproveManualPayment':
      if (!s.manual) return paymentError('ORDER_NOT_MANUAL', 'only manual orders are approved by an admin');
      if (s.status !== 'created')
        return paymentError('ORDER_NOT_OPEN', `order is ${s.status}`, { status: s.status });
      return [
        {
          type: 'ManualPaymentApproved',
          data: { ...k, paymentReference: command.paymentReference, actor: command.actor, approvedAt: at },
        },
        {
          type: 'PaymentConfirmed',
          data: {
            ...k,
            workspaceId: s.workspaceId,
            accountId: s.accountId,
            creditsNanocredits: s.creditsNanocredits.toString(),
            provider: 'manual',
            providerEventId: command.idempotencyKey,
            providerPaymentId: command.paymentReference,
            amountMinor: s.grossMinor.toString(),
            currency: s.currency,
            confirmedAt: at,
            order: s.frozen,
          },
        },
      ];

    case 'RejectManualPayment':
      if (!s.manual) return paymentError('ORDER_NOT_MANUAL', 'only manual orders are rejected by an admin');
      if (s.status !== 'created')
        return paymentError('ORDER_NOT_OPEN', `order is ${s.status}`, { status: s.status });
      return [
        {
          type: 'ManualPaymentRejected',
          data: { ...k, reason: command.reason, actor: command.actor, rejectedAt: at },
        },
      ];

    case 'RequestRefund': {
      if (s.status !== 'confirmed')
        return paymentError('ORDER_NOT_CONFIRMED', `order is ${s.status}`, { status: s.status });
      if (s.refunds.has(command.refundId))
        return paymentError('IDEMPOTENCY_CONFLICT', `refund ${command.refundId} already exists`);
      const deadline = (s.confirmedAt as Date).getTime() + s.refundPolicy.windowDays * DAY_MS;
      if (command.now.getTime() > deadline)
        return paymentError(
          'REFUND_WINDOW_CLOSED',
          `the ${s.refundPolicy.windowDays}-day refund window has closed`,
          {
            closedAt: new Date(deadline).toISOString(),
          },
        );
      const totals = refundTotals(s);
      const refundable = s.creditsNanocredits - totals.creditsNanocredits;
      const unconsumed =
        command.unconsumedNanocredits < refundable ? command.unconsumedNanocredits : refundable;
      const credits = command.creditsNanocredits ?? unconsumed;
      if (credits <= 0n)
        return paymentError('REFUND_EXCEEDS_UNCONSUMED', 'no unconsumed purchased credits left to refund', {
          unconsumedNanocredits: command.unconsumedNanocredits.toString(),
        });
      if (credits > refundable)
        return paymentError(
          'REFUND_EXCEEDS_REFUNDABLE',
          'refund exceeds the credits still refundable on this order',
          {
            refundableNanocredits: refundable.toString(),
          },
        );
      if (credits > command.unconsumedNanocredits)
        return paymentError('REFUND_EXCEEDS_UNCONSUMED', 'refund exceeds the unconsumed purchased credits', {
          unconsumedNanocredits: command.unconsumedNanocredits.toString(),
        });
      let amount = refundAmountMinor({
        policy: s.refundPolicy,
        grossMinor: s.grossMinor,
        currency: s.currency,
        orderNanocredits: s.creditsNanocredits,
        refundNanocredits: credits,
      });
      const left = s.grossMinor - totals.amountMinor;
      if (amount > left) amount = left;
      return [
        {
          type: 'RefundRequested',
          data: {
            ...k,
            refundId: command.refundId,
            amountMinor: amount.toString(),
            currency: s.currency,
            creditsNanocredits: credits.toString(),
            reason: command.reason,
            actor: command.actor,
            requestedAt: at,
          },
        },
      ];
    }

    case 'CompleteRefund': {
      const r = s.refunds.get(command.refundId);
      if (!r) return paymentError('REFUND_NOT_FOUND', `refund ${command.refundId} not found`);
      if (r.status !== 'requested') return [];
      return [
        {
          type: 'PaymentRefunded',
          data: {
            ...k,
            refundId: r.refundId,
            providerRefundId: command.providerRefundId,
            amountMinor: r.amountMinor.toString(),
            currency: s.currency,
            creditsNanocredits: r.creditsNanocredits.toString(),
            reason: r.reason,
            refundedAt: at,
          },
        },
      ];
    }

    case 'FailRefund': {
      const r = s.refunds.get(command.refundId);
      if (!r) return paymentError('REFUND_NOT_FOUND', `refund ${command.refundId} not found`);
      if (r.status !== 'requested') return [];
      return [
        { type: 'RefundFailed', data: { ...k, refundId: r.refundId, reason: command.reason, failedAt: at } },
      ];
    }

    case 'ReconcileProviderRefunds': {
      // Refunds made through Tollgate are requested before the provider sees them; anything beyond
      // that was refunded elsewhere (e.g. the Stripe dashboard) and needs a human, not a silent debit.
      const known = refundTotals(s).amountMinor;
      if (command.amountRefundedTotalMinor <= known && command.currency.toUpperCase() === s.currency)
        return [];
      if (s.flaggedForReview && s.keys.has(command.idempotencyKey)) return [];
      return [
        {
          type: 'OrderFlaggedForReview',
          data: {
            ...k,
            reason: 'PROVIDER_REFUND_UNMATCHED',
            providerEventId: command.providerEventId,
            expectedAmountMinor: known.toString(),
            expectedCurrency: s.currency,
            receivedAmountMinor: command.amountRefundedTotalMinor.toString(),
            receivedCurrency: command.currency.toUpperCase().slice(0, 10),
            flaggedAt: at,
          },
        },
      ];
    }

    case 'FlagCreditingRejected':
      if (s.status !== 'confirmed') return [];
      return [
        {
          type: 'OrderFlaggedForReview',
          data: {
            ...k,
            reason: 'CREDITING_REJECTED',
            providerEventId: `ledger:${command.ledgerCode}`.slice(0, 200),
            flaggedAt: at,
          },
        },
      ];

    default: {
      const never: never = command;
      return paymentError('INVALID_COMMAND', `unknown command ${String((never as { type: string }).type)}`);
    }
  }
}

function remember(
  keys: ReadonlyMap<string, string>,
  key: string,
  fingerprint: string,
): ReadonlyMap<string, string> {
  if (keys.get(key) === fingerprint) return keys;
  const next = new Map(keys);
  next.set(key, fingerprint);
  if (next.size > MAX_REMEMBERED_KEYS) next.delete(next.keys().next().value as string);
  return next;
}

export function evolvePayment(state: OrderState, event: PaymentEvent): OrderState {
  if (event.type === 'PaymentOrderCreated') {
    const d = event.data;
    return {
      orderId: d.orderId,
      workspaceId: d.workspaceId,
      accountId: d.accountId,
      provider: d.provider,
      manual: d.provider === 'manual',
      status: 'created',
      grossMinor: BigInt(d.tax.grossMinor),
      currency: d.tax.currency,
      creditsNanocredits: BigInt(d.creditsNanocredits),
      refundPolicy: d.refundPolicy,
      frozen: {
        package: d.package,
        billingProfile: d.billingProfile,
        billingProfileRevision: d.billingProfileRevision,
        tax: d.tax,
      },
      flaggedForReview: false,
      refunds: new Map(),
      keys: new Map([[d.idempotencyKey, d.fingerprint]]),
    };
  }
  if (!exists(state)) return state;
  const s: OrderSnapshot = {
    ...state,
    keys: remember(state.keys, event.data.idempotencyKey, event.data.fingerprint),
  };
  switch (event.type) {
    case 'CheckoutSessionOpened':
      return { ...s, status: 'checkout_open', sessionId: event.data.sessionId };
    case 'PaymentConfirmed':
      return {
        ...s,
        status: 'confirmed',
        providerPaymentId: event.data.providerPaymentId,
        confirmedAt: new Date(event.data.confirmedAt),
      };
    case 'ManualPaymentApproved':
      return s;
    case 'ManualPaymentRejected':
      return { ...s, status: 'rejected' };
    case 'PaymentFailed':
      return { ...s, status: 'failed' };
    case 'CheckoutExpired':
      return { ...s, status: 'expired' };
    case 'PaymentOrderCancelled':
      return { ...s, status: 'cancelled' };
    case 'OrderFlaggedForReview':
      return { ...s, flaggedForReview: true };
    case 'RefundRequested': {
      const refunds = new Map(s.refunds);
      refunds.set(event.data.refundId, {
        refundId: event.data.refundId,
        amountMinor: BigInt(event.data.amountMinor),
        creditsNanocredits: BigInt(event.data.creditsNanocredits),
        reason: event.data.reason,
        status: 'requested',
      });
      return { ...s, refunds };
    }
    case 'PaymentRefunded': {
      const refunds = new Map(s.refunds);
      const r = refunds.get(event.data.refundId);
      if (r)
        refunds.set(r.refundId, { ...r, status: 'completed', providerRefundId: event.data.providerRefundId });
      let completedCredits = 0n;
      for (const x of refunds.values())
        if (x.status === 'completed') completedCredits += x.creditsNanocredits;
      return { ...s, refunds, status: completedCredits >= s.creditsNanocredits ? 'refunded' : s.status };
    }
    case 'RefundFailed': {
      const refunds = new Map(s.refunds);
      const r = refunds.get(event.data.refundId);
      if (r) refunds.set(r.refundId, { ...r, status: 'failed' });
      return { ...s, refunds };
    }
    default: {
      const never: never = event;
      throw new Error(`unknown payment event ${(never as { type: string }).type}`);
    }
  }
}

export const paymentDecider: Decider<PaymentCommand, PaymentEvent, OrderState> = {
  decide: decidePayment,
  evolve: evolvePayment,
  initialState: () => ({ status: 'none' }),
};
