import { createHash, randomUUID } from 'node:crypto';
import { DomainError, type EventStore } from '@tollgate/event-store';
import { paymentError } from '../errors';
import { handleCommand, loadState } from '../store/command-handler';
import {
  catalogDecider,
  CREDIT_PACKAGE_CATALOG_STREAM,
  listPackages,
  parseCatalogEvent,
  type CatalogCommand,
  type CatalogEvent,
  type CatalogState,
} from '../packages/catalog';
import {
  packagePrice,
  packageTotalNanocredits,
  SEEDED_CREDIT_PACKAGES,
  type CreditPackage,
  type CreditPackageInput,
} from '../packages/credit-package';
import {
  billingProfileDecider,
  billingProfileStream,
  parseBillingProfileEvent,
  type BillingProfile,
  type BillingProfileCommand,
  type BillingProfileEvent,
  type BillingProfileInput,
  type BillingProfileState,
} from '../billing-profiles/billing-profile';
import { computeTaxSnapshot, type TaxSnapshot } from '../tax/tax-snapshot';
import type { TaxSettings } from '../tax/tax-settings';
import { describeRefundPolicy, type RefundPolicy } from '../orders/refund-policy';
import type { PaymentCommand } from '../orders/commands';
import { paymentDecider, type OrderState } from '../orders/decider';
import { parsePaymentEvent, paymentStream, type PaymentEvent } from '../orders/events';
import { orderViewFromEvents, type OrderView } from '../orders/order-view';
import { ProviderError, type CheckoutProvider } from '../providers/checkout-provider';
import type { CreditLedger } from '../ledger/credit-ledger';
import { MAX_STREAM_EVENTS } from '../store/command-handler';
import { purchaseForConfirmedOrder } from '../reactor/crediting';

export interface PaymentsServiceOptions {
  store: EventStore;
  ledger: CreditLedger;
  taxSettings: TaxSettings;
  refundPolicy: RefundPolicy;
  /** The provider new checkout orders use (null: only manual packages can be ordered). */
  checkoutProvider: CheckoutProvider | null;
  /** Providers that may still hold older orders (for refunds). */
  providers: readonly CheckoutProvider[];
  /** For the success/cancel URLs of hosted checkout pages. */
  publicBaseUrl: string;
  /** Which ledger account a workspace's credits go to. */
  accountIdForWorkspace: (workspaceId: string) => Promise<string>;
  now?: () => Date;
}

export interface Quote {
  package: CreditPackage;
  creditsNanocredits: string;
  billingProfile: BillingProfile;
  billingProfileRevision: number;
  tax: TaxSnapshot;
  refundPolicy: RefundPolicy;
  refundPolicyText: string;
}

/** Where the customer lands after a hosted checkout: the portal's workspace page. */
export function checkoutReturnUrl(
  publicBaseUrl: string,
  workspaceId: string,
  orderId: string,
  outcome: 'success' | 'cancelled',
): string {
  const base = publicBaseUrl.replace(/\/+$/, '');
  return `${base}/w/${encodeURIComponent(workspaceId)}/billing?checkout=${outcome}&order=${encodeURIComponent(orderId)}`;
}

/** Derives the order id from the client's Idempotency-Key, so a retried POST finds the same order. */
export function orderIdForKey(workspaceId: string, idempotencyKey: string): string {
  const h = createHash('sha256').update(`order\u0000${workspaceId}\u0000${idempotencyKey}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Settlement use cases, framework-free: the Nest controllers and the CLI call these. Every write goes
 * through a decider; every provider call carries an idempotency key derived from our own ids.
 */
export class PaymentsService {
  private readonly now: () => Date;
  private readonly providers: Map<string, CheckoutProvider>;

  constructor(private readonly options: PaymentsServiceOptions) {
    this.now = options.now ?? (() => new Date());
    this.providers = new Map(options.providers.map((p) => [p.name, p]));
    if (options.checkoutProvider) this.providers.set(options.checkoutProvider.name, options.checkoutProvider);
  }

  // ── packages ─────────────────────────────────────────────────────────────

  private async catalog(): Promise<CatalogState> {
    const { state } = await loadState(
      this.options.store,
      CREDIT_PACKAGE_CATALOG_STREAM,
      catalogDecider,
      parseCatalogEvent,
    );
    return state;
  }

  async listPackages(options: { activeOnly: boolean }): Promise<CreditPackage[]> {
    return listPackages(await this.catalog(), options);
  }

  async savePackage(input: CreditPackageInput, actor: string): Promise<CreditPackage | DomainError> {
    const result = await handleCommand<CatalogCommand, CatalogEvent, CatalogState>({
      store: this.options.store,
      streamId: CREDIT_PACKAGE_CATALOG_STREAM,
      decider: catalogDecider,
      parse: parseCatalogEvent,
      command: { type: 'SaveCreditPackage', package: input, actor, now: this.now() },
      metadata: { actor },
    });
    if (result instanceof DomainError) return result;
    const id = (input as { packageId?: string }).packageId ?? '';
    return result.state.packages.get(id) ?? paymentError('PACKAGE_NOT_FOUND', `package ${id} not found`);
  }

  /** Adds the four demo tiers when the catalogue is empty; a no-op otherwise. */
  async seedPackages(actor: string): Promise<number> {
    if ((await this.catalog()).packages.size > 0) return 0;
    let saved = 0;
    for (const p of SEEDED_CREDIT_PACKAGES) {
      const r = await this.savePackage(p, actor);
      if (r instanceof DomainError) throw r;
      saved++;
    }
    return saved;
  }

  // ── billing profiles ─────────────────────────────────────────────────────

  async getBillingProfile(
    workspaceId: string,
  ): Promise<{ profile: BillingProfile; revision: number } | null> {
    const { state } = await loadState(
      this.options.store,
      billingProfileStream(workspaceId),
      billingProfileDecider,
      parseBillingProfileEvent,
    );
    return state.profile ? { profile: state.profile, revision: state.revision } : null;
  }

  async saveBillingProfile(
    workspaceId: string,
    input: BillingProfileInput,
    actor: string,
  ): Promise<{ profile: BillingProfile; revision: number } | DomainError> {
    const result = await handleCommand<BillingProfileCommand, BillingProfileEvent, BillingProfileState>({
      store: this.options.store,
      streamId: billingProfileStream(workspaceId),
      decider: billingProfileDecider,
      parse: parseBillingProfileEvent,
      command: { type: 'SaveBillingProfile', workspaceId, profile: input, actor, now: this.now() },
      metadata: { actor },
    });
    if (result instanceof DomainError) return result;
    return { profile: result.state.profile as BillingProfile, revision: result.state.revision };
  }

  // ── quotes and orders ────────────────────────────────────────────────────

  async quote(workspaceId: string, packageId: string): Promise<Quote | DomainError> {
    const pkg = (await this.catalog()).packages.get(packageId);
    if (!pkg) return paymentError('PACKAGE_NOT_FOUND', `package ${packageId} not found`);
    if (!pkg.active) return paymentError('PACKAGE_INACTIVE', `package ${packageId} is not on sale`);
    const billing = await this.getBillingProfile(workspaceId);
    if (!billing)
      return paymentError('BILLING_PROFILE_REQUIRED', 'a billing profile is needed before buying credits');
    const tax = computeTaxSnapshot({
      price: packagePrice(pkg),
      taxMode: pkg.taxMode,
      profile: billing.profile,
      settings: this.options.taxSettings,
      at: this.now(),
    });
    if (tax instanceof DomainError) return tax;
    return {
      package: pkg,
      creditsNanocredits: packageTotalNanocredits(pkg).toString(),
      billingProfile: billing.profile,
      billingProfileRevision: billing.revision,
      tax,
      refundPolicy: this.options.refundPolicy,
      refundPolicyText: describeRefundPolicy(this.options.refundPolicy),
    };
  }

  private run(orderId: string, command: PaymentCommand, actor: string) {
    return handleCommand<PaymentCommand, PaymentEvent, OrderState>({
      store: this.options.store,
      streamId: paymentStream(orderId),
      decider: paymentDecider,
      parse: parsePaymentEvent,
      command,
      metadata: { idempotencyKey: command.idempotencyKey, actor },
    });
  }

  async createOrder(input: {
    workspaceId: string;
    packageId: string;
    idempotencyKey: string;
    actor: string;
  }): Promise<OrderView | DomainError> {
    const quote = await this.quote(input.workspaceId, input.packageId);
    if (quote instanceof DomainError) return quote;
    const manual = quote.package.settlement === 'manual';
    const provider = manual ? 'manual' : this.options.checkoutProvider?.name;
    if (!provider) return paymentError('PROVIDER_UNAVAILABLE', 'no checkout provider is configured');
    const orderId = orderIdForKey(input.workspaceId, input.idempotencyKey);
    const result = await this.run(
      orderId,
      {
        type: 'CreateOrder',
        orderId,
        idempotencyKey: input.idempotencyKey,
        now: this.now(),
        workspaceId: input.workspaceId,
        accountId: await this.options.accountIdForWorkspace(input.workspaceId),
        package: quote.package,
        provider,
        billingProfile: quote.billingProfile,
        billingProfileRevision: quote.billingProfileRevision,
        tax: quote.tax,
        refundPolicy: quote.refundPolicy,
        actor: input.actor,
      },
      input.actor,
    );
    if (result instanceof DomainError) return result;
    return (await this.getOrder(orderId)) as OrderView;
  }

  async getOrder(orderId: string): Promise<OrderView | null> {
    const recorded = await this.options.store.readStream(paymentStream(orderId), {
      maxCount: MAX_STREAM_EVENTS,
    });
    const events = recorded.flatMap((r) => {
      const event = parsePaymentEvent(r.type, r.data);
      return event ? [{ event, recordedAt: r.recordedAt }] : [];
    });
    return orderViewFromEvents(events);
  }

  /** The order, only if it belongs to the workspace (others' ids look like unknown ids). */
  async getWorkspaceOrder(workspaceId: string, orderId: string): Promise<OrderView | null> {
    const view = await this.getOrder(orderId);
    return view && view.workspaceId === workspaceId ? view : null;
  }

  async openCheckout(
    workspaceId: string,
    orderId: string,
  ): Promise<{ sessionId: string; url: string } | DomainError> {
    const order = await this.getWorkspaceOrder(workspaceId, orderId);
    if (!order) return paymentError('ORDER_NOT_FOUND', `order ${orderId} not found`);
    if (order.provider === 'manual') return paymentError('ORDER_IS_MANUAL', 'manual orders have no checkout');
    if (order.checkout && order.status === 'checkout_open') return order.checkout;
    if (order.status !== 'created') return paymentError('ORDER_NOT_OPEN', `order is ${order.status}`);
    const provider = this.providers.get(order.provider);
    if (!provider) return paymentError('PROVIDER_UNAVAILABLE', `${order.provider} is not enabled`);
    const base = this.options.publicBaseUrl.replace(/\/+$/, '');
    let session: { sessionId: string; url: string };
    try {
      session = await provider.createSession({
        orderId,
        workspaceId,
        amountMinor: BigInt(order.quote.tax.grossMinor),
        currency: order.quote.tax.currency,
        productName: `${order.package.name} credits`,
        customerEmail: order.billingProfile.invoiceEmail,
        successUrl: checkoutReturnUrl(base, workspaceId, orderId, 'success'),
        cancelUrl: checkoutReturnUrl(base, workspaceId, orderId, 'cancelled'),
      });
    } catch (err) {
      if (err instanceof ProviderError) return paymentError('PROVIDER_ERROR', err.message);
      throw err;
    }
    const result = await this.run(
      orderId,
      {
        type: 'OpenCheckoutSession',
        orderId,
        idempotencyKey: `checkout-${session.sessionId}`,
        now: this.now(),
        provider: provider.name,
        sessionId: session.sessionId,
        url: session.url,
      },
      `workspace:${workspaceId}`,
    );
    if (result instanceof DomainError) return result;
    return session;
  }

  async cancelOrder(workspaceId: string, orderId: string, actor: string): Promise<OrderView | DomainError> {
    const order = await this.getWorkspaceOrder(workspaceId, orderId);
    if (!order) return paymentError('ORDER_NOT_FOUND', `order ${orderId} not found`);
    const result = await this.run(
      orderId,
      {
        type: 'CancelOrder',
        orderId,
        idempotencyKey: `cancel-${orderId}`,
        now: this.now(),
        reason: 'cancelled by customer',
        actor,
      },
      actor,
    );
    if (result instanceof DomainError) return result;
    return (await this.getOrder(orderId)) as OrderView;
  }

  // ── admin ────────────────────────────────────────────────────────────────

  async approveManualOrder(input: {
    orderId: string;
    paymentReference: string;
    actor: string;
  }): Promise<OrderView | DomainError> {
    const result = await this.run(
      input.orderId,
      {
        type: 'ApproveManualPayment',
        orderId: input.orderId,
        idempotencyKey: `approve-${input.orderId}`,
        now: this.now(),
        paymentReference: input.paymentReference,
        actor: input.actor,
      },
      input.actor,
    );
    if (result instanceof DomainError) return result;
    return (await this.getOrder(input.orderId)) as OrderView;
  }

  async rejectManualOrder(input: {
    orderId: string;
    reason: string;
    actor: string;
  }): Promise<OrderView | DomainError> {
    const result = await this.run(
      input.orderId,
      {
        type: 'RejectManualPayment',
        orderId: input.orderId,
        idempotencyKey: `reject-${input.orderId}`,
        now: this.now(),
        reason: input.reason,
        actor: input.actor,
      },
      input.actor,
    );
    if (result instanceof DomainError) return result;
    return (await this.getOrder(input.orderId)) as OrderView;
  }

  /** Credits a confirmed order again (idempotent on the order id), e.g. after its account was opened. */
  async retryCrediting(orderId: string): Promise<'credited' | 'already_credited' | DomainError> {
    const recorded = await this.options.store.readStream(paymentStream(orderId), {
      maxCount: MAX_STREAM_EVENTS,
    });
    for (const r of recorded) {
      const e = parsePaymentEvent(r.type, r.data);
      if (e?.type === 'PaymentConfirmed')
        return this.options.ledger.purchase(purchaseForConfirmedOrder(e.data));
    }
    return paymentError('ORDER_NOT_CONFIRMED', `order ${orderId} is not confirmed`);
  }

  /**
   * Refund: decide against the policy (window, refundable, unconsumed) → debit the credits in the
   * ledger (which refuses consumed credits) → refund at the provider with the refund id as idempotency
   * key → record it. A provider failure leaves the refund `requested`; repeating the call with the
   * same refund id resumes it without debiting or paying twice.
   */
  async refundOrder(input: {
    orderId: string;
    refundId?: string;
    creditsNanocredits?: bigint;
    reason: string;
    actor: string;
  }): Promise<OrderView | DomainError> {
    const order = await this.getOrder(input.orderId);
    if (!order) return paymentError('ORDER_NOT_FOUND', `order ${input.orderId} not found`);
    const refundId = input.refundId ?? randomUUID();
    const now = this.now();
    const unconsumed = await this.options.ledger.unconsumedNanocredits(order.accountId, order.orderId);
    const requested = await this.run(
      order.orderId,
      {
        type: 'RequestRefund',
        orderId: order.orderId,
        idempotencyKey: `refund-request-${refundId}`,
        now,
        refundId,
        creditsNanocredits: input.creditsNanocredits,
        unconsumedNanocredits: unconsumed,
        reason: input.reason,
        actor: input.actor,
      },
      input.actor,
    );
    if (requested instanceof DomainError) return requested;
    const state = requested.state as Exclude<OrderState, { status: 'none' }>;
    const refund = state.refunds.get(refundId);
    if (!refund) return paymentError('REFUND_NOT_FOUND', `refund ${refundId} not found`);
    if (refund.status !== 'requested') return (await this.getOrder(order.orderId)) as OrderView;

    const debit = await this.options.ledger.refund({
      accountId: order.accountId,
      orderId: order.orderId,
      refundId,
      amountNanocredits: refund.creditsNanocredits,
      reason: input.reason,
      actor: input.actor,
      now,
    });
    if (debit instanceof DomainError) {
      await this.run(
        order.orderId,
        {
          type: 'FailRefund',
          orderId: order.orderId,
          idempotencyKey: `refund-fail-${refundId}`,
          now,
          refundId,
          reason: `ledger: ${debit.code}`,
        },
        input.actor,
      );
      return paymentError('REFUND_EXCEEDS_UNCONSUMED', `the ledger refused the debit: ${debit.message}`, {
        ledgerCode: debit.code,
      });
    }

    let providerRefundId: string;
    if (order.provider === 'manual') {
      providerRefundId = `manual-${refundId}`;
    } else {
      const provider = this.providers.get(order.provider);
      if (!provider || !order.payment)
        return paymentError('PROVIDER_UNAVAILABLE', `${order.provider} is not enabled`);
      try {
        ({ providerRefundId } = await provider.refund({
          orderId: order.orderId,
          refundId,
          providerPaymentId: order.payment.providerPaymentId,
          amountMinor: refund.amountMinor,
          currency: order.quote.tax.currency,
          idempotencyKey: `refund-${refundId}`,
        }));
      } catch (err) {
        if (err instanceof ProviderError)
          return paymentError('PROVIDER_ERROR', `${err.message}; retry with refundId ${refundId}`, {
            refundId,
          });
        throw err;
      }
    }
    const completed = await this.run(
      order.orderId,
      {
        type: 'CompleteRefund',
        orderId: order.orderId,
        idempotencyKey: `refund-complete-${refundId}`,
        now: this.now(),
        refundId,
        providerRefundId,
      },
      input.actor,
    );
    if (completed instanceof DomainError) return completed;
    return (await this.getOrder(order.orderId)) as OrderView;
  }
}
