import { isDomainError } from '@tollgate/event-store';
import { SeededRandom } from '@tollgate/money';
import { MAX_COMMAND_AMOUNT_NANOCREDITS } from '../events/command-schema';
import { commandFingerprint, MAX_REMEMBERED_KEYS } from '../idempotency';
import { DeciderSpecification } from '../testing/decider-specification';
import { accountBalanceDelta, addBalanceTotals, availableNanocredits, zeroBalanceTotals } from './balance';
import {
  AccountCommand,
  AdjustCredits,
  ChangeOverdraftLimit,
  ExpireLease,
  GrantCredits,
  OpenAccount,
  PurchaseCredits,
  RefundCredits,
  ReserveLease,
  SettleLease,
} from './commands';
import { accountDecider, AccountState, MAX_OPEN_LEASES, OpenAccountState } from './decider';
import { AccountEvent, parseAccountEvent } from './events';

const spec = DeciderSpecification(accountDecider, { parse: parseAccountEvent });
const C = 1_000_000_000n; // one credit in nanocredits
const T0 = '2026-01-01T00:00:00.000Z';
const ACC = 'acc-1';

const open = (o: Partial<OpenAccount> = {}): OpenAccount => ({
  type: 'OpenAccount',
  accountId: ACC,
  idempotencyKey: 'open-1',
  now: T0,
  workspaceId: 'ws-1',
  creditCurrency: 'EUR',
  overdraftLimitNanocredits: 0n,
  ...o,
});
const purchase = (o: Partial<PurchaseCredits> = {}): PurchaseCredits => ({
  type: 'PurchaseCredits',
  accountId: ACC,
  idempotencyKey: 'pay-1',
  now: T0,
  paymentId: 'pay-1',
  orderId: 'ord-1',
  amountNanocredits: 100n * C,
  paidAmountMinor: 1000n,
  paidCurrency: 'EUR',
  ...o,
});
const grant = (o: Partial<GrantCredits> = {}): GrantCredits => ({
  type: 'GrantCredits',
  accountId: ACC,
  idempotencyKey: 'grant-1',
  now: T0,
  grantId: 'grant-1',
  amountNanocredits: 10n * C,
  kind: 'promotional',
  reason: 'welcome bonus',
  actor: 'admin-1',
  ...o,
});
const refund = (o: Partial<RefundCredits> = {}): RefundCredits => ({
  type: 'RefundCredits',
  accountId: ACC,
  idempotencyKey: 'refund-1',
  now: T0,
  refundId: 'refund-1',
  paymentId: 'pay-1',
  amountNanocredits: 40n * C,
  reason: 'customer request',
  actor: 'admin-1',
  ...o,
});
const adjust = (o: Partial<AdjustCredits> = {}): AdjustCredits => ({
  type: 'AdjustCredits',
  accountId: ACC,
  idempotencyKey: 'adj-1',
  now: T0,
  adjustmentId: 'adj-1',
  amountNanocredits: 5n * C,
  reasonCode: 'GOODWILL',
  actor: 'admin-1',
  ...o,
});
const overdraft = (o: Partial<ChangeOverdraftLimit> = {}): ChangeOverdraftLimit => ({
  type: 'ChangeOverdraftLimit',
  accountId: ACC,
  idempotencyKey: 'od-1',
  now: T0,
  overdraftLimitNanocredits: 20n * C,
  reason: 'trusted customer',
  actor: 'admin-1',
  ...o,
});
const reserve = (o: Partial<ReserveLease> = {}): ReserveLease => ({
  type: 'ReserveLease',
  accountId: ACC,
  idempotencyKey: 'lease-1',
  now: T0,
  leaseId: 'lease-1',
  holder: 'gw-1',
  amountNanocredits: 30n * C,
  ttlMs: 60_000,
  ...o,
});
const settle = (o: Partial<SettleLease> = {}): SettleLease => ({
  type: 'SettleLease',
  accountId: ACC,
  idempotencyKey: 'settle-lease-1',
  now: '2026-01-01T00:00:30.000Z',
  leaseId: 'lease-1',
  holder: 'gw-1',
  spentNanocredits: 12n * C,
  usageCount: 3,
  ...o,
});
const expire = (o: Partial<ExpireLease> = {}): ExpireLease => ({
  type: 'ExpireLease',
  accountId: ACC,
  idempotencyKey: 'expire-lease-1',
  now: '2026-01-01T00:01:00.000Z',
  leaseId: 'lease-1',
  spentNanocredits: 7n * C,
  usageCount: 2,
  ...o,
});

/** The events a sequence of accepted commands produces (for `given`). */
function history(...commands: AccountCommand[]): AccountEvent[] {
  let state: AccountState = accountDecider.initialState();
  const out: AccountEvent[] = [];
  for (const c of commands) {
    const result = accountDecider.decide(c, state);
    if (isDomainError(result))
      throw new Error(`history: ${c.type} rejected: ${result.code} ${result.message}`);
    for (const e of result) {
      state = accountDecider.evolve(state, e);
      out.push(e);
    }
  }
  return out;
}

function fold(events: readonly AccountEvent[]): OpenAccountState {
  let state: AccountState = accountDecider.initialState();
  for (const e of events) state = accountDecider.evolve(state, e);
  if (state.status !== 'open') throw new Error('not open');
  return state;
}

const opened = () => history(open());
const funded = () => history(open(), purchase());

describe('account decider', () => {
  describe('OpenAccount', () => {
    it('given no account, when OpenAccount, then AccountOpened', () => {
      const c = open({ overdraftLimitNanocredits: 5n * C });
      spec
        .given([])
        .when(c)
        .then([
          {
            type: 'AccountOpened',
            data: {
              accountId: ACC,
              workspaceId: 'ws-1',
              creditCurrency: 'EUR',
              overdraftLimitNanocredits: '5000000000',
              openedAt: T0,
              idempotencyKey: 'open-1',
              fingerprint: commandFingerprint(c),
            },
          },
        ]);
    });

    it('given an open account, when OpenAccount with the same key and data (later clock), then nothing', () => {
      spec
        .given(opened())
        .when(open({ now: '2026-02-01T00:00:00.000Z' }))
        .thenNothing();
    });

    it('given an open account, when OpenAccount with the same key but other data, then IDEMPOTENCY_CONFLICT', () => {
      spec
        .given(opened())
        .when(open({ creditCurrency: 'USD' }))
        .thenThrows('IDEMPOTENCY_CONFLICT', { idempotencyKey: 'open-1' });
    });

    it('given an open account, when OpenAccount with another key, then ACCOUNT_ALREADY_OPEN', () => {
      spec
        .given(opened())
        .when(open({ idempotencyKey: 'open-2' }))
        .thenThrows('ACCOUNT_ALREADY_OPEN');
    });

    it('given no account, when OpenAccount with an unknown currency, then INVALID_COMMAND', () => {
      spec
        .given([])
        .when(open({ creditCurrency: 'XYZ' }))
        .thenThrows('INVALID_COMMAND');
    });

    it('given no account, when OpenAccount with a negative overdraft, then INVALID_COMMAND', () => {
      spec
        .given([])
        .when(open({ overdraftLimitNanocredits: -1n }))
        .thenThrows('INVALID_COMMAND');
    });

    it('given no account, when OpenAccount with an invalid clock, then INVALID_COMMAND', () => {
      spec
        .given([])
        .when(open({ now: 'yesterday' }))
        .thenThrows('INVALID_COMMAND');
    });
  });

  describe('any command on an unopened account', () => {
    it.each([
      ['PurchaseCredits', purchase()],
      ['GrantCredits', grant()],
      ['RefundCredits', refund()],
      ['AdjustCredits', adjust()],
      ['ChangeOverdraftLimit', overdraft()],
      ['ReserveLease', reserve()],
      ['SettleLease', settle()],
      ['ExpireLease', expire()],
    ] as Array<[string, AccountCommand]>)('given no account, when %s, then ACCOUNT_NOT_FOUND', (_name, c) => {
      spec.given([]).when(c).thenThrows('ACCOUNT_NOT_FOUND', { accountId: ACC });
    });

    it('given account acc-1, when a command names another account, then INVALID_COMMAND', () => {
      spec
        .given(opened())
        .when(grant({ accountId: 'acc-2' }))
        .thenThrows('INVALID_COMMAND');
    });
  });

  describe('PurchaseCredits', () => {
    it('given an open account, when PurchaseCredits, then CreditsPurchased', () => {
      const c = purchase();
      spec
        .given(opened())
        .when(c)
        .then([
          {
            type: 'CreditsPurchased',
            data: {
              accountId: ACC,
              paymentId: 'pay-1',
              orderId: 'ord-1',
              amountNanocredits: '100000000000',
              paidAmountMinor: '1000',
              paidCurrency: 'EUR',
              purchasedAt: T0,
              idempotencyKey: 'pay-1',
              fingerprint: commandFingerprint(c),
            },
          },
        ]);
    });

    it('given a credited payment, when the same payment arrives again under another key, then nothing', () => {
      spec
        .given(funded())
        .when(purchase({ idempotencyKey: 'webhook-retry-2' }))
        .thenNothing();
    });

    it('given a credited payment, when the same payment id comes with another amount, then PAYMENT_ALREADY_CREDITED', () => {
      spec
        .given(funded())
        .when(purchase({ idempotencyKey: 'other', amountNanocredits: 1n }))
        .thenThrows('PAYMENT_ALREADY_CREDITED', { paymentId: 'pay-1' });
    });

    it('given a key used for a purchase, when it is reused for another payment, then IDEMPOTENCY_CONFLICT', () => {
      spec
        .given(funded())
        .when(purchase({ paymentId: 'pay-2' }))
        .thenThrows('IDEMPOTENCY_CONFLICT');
    });

    it('given a EUR account, when a USD payment is credited, then CURRENCY_MISMATCH', () => {
      spec
        .given(opened())
        .when(purchase({ paidCurrency: 'USD' }))
        .thenThrows('CURRENCY_MISMATCH', { paidCurrency: 'USD', creditCurrency: 'EUR' });
    });

    it('given an open account, when PurchaseCredits of zero credits, then INVALID_COMMAND', () => {
      spec
        .given(opened())
        .when(purchase({ amountNanocredits: 0n }))
        .thenThrows('INVALID_COMMAND');
    });
  });

  describe('GrantCredits', () => {
    it('given an open account, when GrantCredits, then CreditsGranted', () => {
      const c = grant();
      spec
        .given(opened())
        .when(c)
        .then([
          {
            type: 'CreditsGranted',
            data: {
              accountId: ACC,
              grantId: 'grant-1',
              amountNanocredits: '10000000000',
              kind: 'promotional',
              reason: 'welcome bonus',
              actor: 'admin-1',
              grantedAt: T0,
              idempotencyKey: 'grant-1',
              fingerprint: commandFingerprint(c),
            },
          },
        ]);
    });

    it('given an open account, when GrantCredits above one billion credits, then INVALID_COMMAND (read models keep bigint balances)', () => {
      spec
        .given(opened())
        .when(grant({ amountNanocredits: MAX_COMMAND_AMOUNT_NANOCREDITS + 1n }))
        .thenThrows('INVALID_COMMAND');
    });

    it('given an open account, when AdjustCredits debits more than one billion credits, then INVALID_COMMAND', () => {
      spec
        .given(opened())
        .when(adjust({ amountNanocredits: -MAX_COMMAND_AMOUNT_NANOCREDITS - 1n }))
        .thenThrows('INVALID_COMMAND');
    });

    it('given a grant, when the same grant is replayed with its key, then nothing', () => {
      spec
        .given(history(open(), grant()))
        .when(grant({ now: '2026-03-01T00:00:00Z' }))
        .thenNothing();
    });

    it('given a grant, when another grant reuses its id, then ENTRY_ALREADY_EXISTS', () => {
      spec
        .given(history(open(), grant()))
        .when(grant({ idempotencyKey: 'grant-x', amountNanocredits: 1n }))
        .thenThrows('ENTRY_ALREADY_EXISTS', { entryId: 'grant-1', kind: 'grant' });
    });

    it('given an open account, when GrantCredits without a reason, then INVALID_COMMAND', () => {
      spec
        .given(opened())
        .when(grant({ reason: '' }))
        .thenThrows('INVALID_COMMAND');
    });

    it('given an open account, when GrantCredits of a negative amount, then INVALID_COMMAND', () => {
      spec
        .given(opened())
        .when(grant({ amountNanocredits: -5n }))
        .thenThrows('INVALID_COMMAND');
    });
  });

  describe('RefundCredits', () => {
    it('given a purchase of 100, when 40 are refunded, then CreditsRefunded', () => {
      const c = refund();
      spec
        .given(funded())
        .when(c)
        .then([
          {
            type: 'CreditsRefunded',
            data: {
              accountId: ACC,
              refundId: 'refund-1',
              paymentId: 'pay-1',
              amountNanocredits: '40000000000',
              reason: 'customer request',
              actor: 'admin-1',
              refundedAt: T0,
              idempotencyKey: 'refund-1',
              fingerprint: commandFingerprint(c),
            },
          },
        ]);
    });

    it('given a refund, when the same refund is replayed under another key, then nothing', () => {
      spec
        .given(history(open(), purchase(), refund()))
        .when(refund({ idempotencyKey: 'stripe-evt-2' }))
        .thenNothing();
    });

    it('given a refund, when its id is reused with other data, then ENTRY_ALREADY_EXISTS', () => {
      spec
        .given(history(open(), purchase(), refund()))
        .when(refund({ idempotencyKey: 'x', amountNanocredits: 1n }))
        .thenThrows('ENTRY_ALREADY_EXISTS', { entryId: 'refund-1', kind: 'refund' });
    });

    it('given no such payment, when RefundCredits, then PAYMENT_NOT_FOUND', () => {
      spec
        .given(funded())
        .when(refund({ paymentId: 'pay-404' }))
        .thenThrows('PAYMENT_NOT_FOUND', { paymentId: 'pay-404' });
    });

    it('given 100 purchased and 40 refunded, when 61 more are refunded, then REFUND_EXCEEDS_PURCHASE', () => {
      spec
        .given(history(open(), purchase(), refund()))
        .when(refund({ idempotencyKey: 'refund-2', refundId: 'refund-2', amountNanocredits: 61n * C }))
        .thenThrows('REFUND_EXCEEDS_PURCHASE', { refundableNanocredits: (60n * C).toString() });
    });

    it('given 100 purchased and 70 spent, when 40 are refunded, then REFUND_EXCEEDS_AVAILABLE', () => {
      spec
        .given(
          history(
            open(),
            purchase(),
            reserve({ amountNanocredits: 80n * C }),
            settle({ spentNanocredits: 70n * C }),
          ),
        )
        .when(refund())
        .thenThrows('REFUND_EXCEEDS_AVAILABLE', { availableNanocredits: (30n * C).toString() });
    });

    it('given 100 purchased and 80 held by an open lease, when 40 are refunded, then REFUND_EXCEEDS_AVAILABLE', () => {
      spec
        .given(history(open(), purchase(), reserve({ amountNanocredits: 80n * C })))
        .when(refund())
        .thenThrows('REFUND_EXCEEDS_AVAILABLE');
    });

    it('given an overdraft in use, when any refund is asked, then REFUND_EXCEEDS_AVAILABLE (overdraft never pays out)', () => {
      spec
        .given(
          history(
            open({ overdraftLimitNanocredits: 50n * C }),
            purchase(),
            reserve({ amountNanocredits: 120n * C }),
          ),
        )
        .when(refund({ amountNanocredits: 1n }))
        .thenThrows('REFUND_EXCEEDS_AVAILABLE', { availableNanocredits: (-20n * C).toString() });
    });

    it('given 100 purchased of which 30 were reversed, when 80 are refunded, then REFUND_EXCEEDS_PURCHASE', () => {
      spec
        .given(
          history(
            open(),
            purchase(),
            adjust({ amountNanocredits: -30n * C, reverses: 'pay-1', reasonCode: 'PAYMENT_ERROR' }),
          ),
        )
        .when(refund({ amountNanocredits: 80n * C }))
        .thenThrows('REFUND_EXCEEDS_PURCHASE', { refundableNanocredits: (70n * C).toString() });
    });
  });

  describe('AdjustCredits', () => {
    it('given an open account, when a positive adjustment, then CreditsAdjusted', () => {
      const c = adjust({ reference: 'ticket-42' });
      spec
        .given(opened())
        .when(c)
        .then([
          {
            type: 'CreditsAdjusted',
            data: {
              accountId: ACC,
              adjustmentId: 'adj-1',
              amountNanocredits: '5000000000',
              reasonCode: 'GOODWILL',
              reference: 'ticket-42',
              actor: 'admin-1',
              adjustedAt: T0,
              idempotencyKey: 'adj-1',
              fingerprint: commandFingerprint(c),
            },
          },
        ]);
    });

    it('given a grant of 10, when it is reversed with −10, then CreditsAdjusted naming it', () => {
      const c = adjust({ amountNanocredits: -10n * C, reverses: 'grant-1', reasonCode: 'GRANTED_IN_ERROR' });
      const [event] = spec
        .given(history(open(), grant()))
        .when(c)
        .then([
          {
            type: 'CreditsAdjusted',
            data: {
              accountId: ACC,
              adjustmentId: 'adj-1',
              amountNanocredits: '-10000000000',
              reasonCode: 'GRANTED_IN_ERROR',
              reverses: 'grant-1',
              actor: 'admin-1',
              adjustedAt: T0,
              idempotencyKey: 'adj-1',
              fingerprint: commandFingerprint(c),
            },
          },
        ]);
      expect(availableNanocredits(fold([...history(open(), grant()), event]).totals)).toBe(0n);
    });

    it('given an adjustment, when replayed with its key, then nothing', () => {
      spec.given(history(open(), adjust())).when(adjust()).thenNothing();
    });

    it('given an adjustment, when another reuses its id, then ENTRY_ALREADY_EXISTS', () => {
      spec
        .given(history(open(), adjust()))
        .when(adjust({ idempotencyKey: 'adj-x', amountNanocredits: 1n }))
        .thenThrows('ENTRY_ALREADY_EXISTS', { entryId: 'adj-1' });
    });

    it('given a grant, when an adjustment reuses the grant id, then ENTRY_ALREADY_EXISTS', () => {
      spec
        .given(history(open(), grant()))
        .when(adjust({ adjustmentId: 'grant-1' }))
        .thenThrows('ENTRY_ALREADY_EXISTS', { entryId: 'grant-1', kind: 'grant' });
    });

    it('given 10 available, when adjusted by −11 without overdraft, then INSUFFICIENT_CREDITS', () => {
      spec
        .given(history(open(), grant()))
        .when(adjust({ amountNanocredits: -11n * C, reasonCode: 'CORRECTION' }))
        .thenThrows('INSUFFICIENT_CREDITS', { availableNanocredits: (10n * C).toString() });
    });

    it('given 10 available and 5 overdraft, when adjusted by −15, then CreditsAdjusted (down to −overdraft)', () => {
      const events = spec
        .given(history(open({ overdraftLimitNanocredits: 5n * C }), grant()))
        .when(adjust({ amountNanocredits: -15n * C, reasonCode: 'CORRECTION' }))
        .thenTypes(['CreditsAdjusted']);
      expect(events[0].data).toMatchObject({ amountNanocredits: '-15000000000' });
    });

    it('given no such entry, when a reversal names it, then ENTRY_NOT_FOUND', () => {
      spec
        .given(opened())
        .when(adjust({ amountNanocredits: -1n, reverses: 'nope' }))
        .thenThrows('ENTRY_NOT_FOUND', { entryId: 'nope' });
    });

    it('given a grant, when a "reversal" has the same sign, then REVERSAL_EXCEEDS_ENTRY', () => {
      spec
        .given(history(open(), grant()))
        .when(adjust({ amountNanocredits: 1n, reverses: 'grant-1' }))
        .thenThrows('REVERSAL_EXCEEDS_ENTRY');
    });

    it('given a grant of 10 already reversed by 6, when reversed by 5 more, then REVERSAL_EXCEEDS_ENTRY', () => {
      spec
        .given(history(open(), grant(), adjust({ amountNanocredits: -6n * C, reverses: 'grant-1' })))
        .when(
          adjust({
            idempotencyKey: 'adj-2',
            adjustmentId: 'adj-2',
            amountNanocredits: -5n * C,
            reverses: 'grant-1',
          }),
        )
        .thenThrows('REVERSAL_EXCEEDS_ENTRY', { reversibleNanocredits: (4n * C).toString() });
    });

    it('given a negative adjustment, when it is itself reversed, then CreditsAdjusted', () => {
      const events = spec
        .given(history(open(), grant(), adjust({ amountNanocredits: -6n * C })))
        .when(
          adjust({
            idempotencyKey: 'adj-2',
            adjustmentId: 'adj-2',
            amountNanocredits: 6n * C,
            reverses: 'adj-1',
          }),
        )
        .thenTypes(['CreditsAdjusted']);
      expect(events[0].data).toMatchObject({ reverses: 'adj-1', amountNanocredits: '6000000000' });
    });

    it('given an open account, when a zero adjustment, then INVALID_COMMAND', () => {
      spec
        .given(opened())
        .when(adjust({ amountNanocredits: 0n }))
        .thenThrows('INVALID_COMMAND');
    });

    it('given an open account, when the reason code is free text, then INVALID_COMMAND', () => {
      spec
        .given(opened())
        .when(adjust({ reasonCode: 'because I said so' }))
        .thenThrows('INVALID_COMMAND');
    });
  });

  describe('ChangeOverdraftLimit', () => {
    it('given overdraft 0, when raised to 20, then OverdraftLimitChanged', () => {
      const c = overdraft();
      spec
        .given(opened())
        .when(c)
        .then([
          {
            type: 'OverdraftLimitChanged',
            data: {
              accountId: ACC,
              overdraftLimitNanocredits: '20000000000',
              previousOverdraftLimitNanocredits: '0',
              reason: 'trusted customer',
              actor: 'admin-1',
              changedAt: T0,
              idempotencyKey: 'od-1',
              fingerprint: commandFingerprint(c),
            },
          },
        ]);
    });

    it('given 15 of overdraft in use, when the limit is lowered to 10, then OVERDRAFT_IN_USE', () => {
      spec
        .given(history(open({ overdraftLimitNanocredits: 20n * C }), reserve({ amountNanocredits: 15n * C })))
        .when(overdraft({ overdraftLimitNanocredits: 10n * C }))
        .thenThrows('OVERDRAFT_IN_USE', { availableNanocredits: (-15n * C).toString() });
    });

    it('given 15 of overdraft in use, when the limit is lowered to exactly 15, then OverdraftLimitChanged', () => {
      const events = spec
        .given(history(open({ overdraftLimitNanocredits: 20n * C }), reserve({ amountNanocredits: 15n * C })))
        .when(overdraft({ overdraftLimitNanocredits: 15n * C }))
        .thenTypes(['OverdraftLimitChanged']);
      expect(events[0].data).toMatchObject({ overdraftLimitNanocredits: '15000000000' });
    });

    it('given an open account, when ChangeOverdraftLimit without a reason, then INVALID_COMMAND', () => {
      spec
        .given(opened())
        .when(overdraft({ reason: '' }))
        .thenThrows('INVALID_COMMAND');
    });
  });

  describe('ReserveLease', () => {
    it('given 100 available, when a lease of 30 is reserved, then CreditLeaseReserved with expiry now+ttl', () => {
      const c = reserve();
      spec
        .given(funded())
        .when(c)
        .then([
          {
            type: 'CreditLeaseReserved',
            data: {
              accountId: ACC,
              leaseId: 'lease-1',
              holder: 'gw-1',
              amountNanocredits: '30000000000',
              expiresAt: '2026-01-01T00:01:00.000Z',
              reservedAt: T0,
              idempotencyKey: 'lease-1',
              fingerprint: commandFingerprint(c),
            },
          },
        ]);
    });

    it('given 100 available, when a lease of 100 plus one nanocredit is asked, then INSUFFICIENT_CREDITS with available', () => {
      spec
        .given(funded())
        .when(reserve({ amountNanocredits: 100n * C + 1n }))
        .thenThrows('INSUFFICIENT_CREDITS', {
          availableNanocredits: (100n * C).toString(),
          requestedNanocredits: (100n * C + 1n).toString(),
        });
    });

    it('given 100 available and 20 overdraft, when a lease of exactly 120 is asked, then CreditLeaseReserved', () => {
      const events = spec
        .given(history(open({ overdraftLimitNanocredits: 20n * C }), purchase()))
        .when(reserve({ amountNanocredits: 120n * C }))
        .thenTypes(['CreditLeaseReserved']);
      expect(events[0].data).toMatchObject({ amountNanocredits: '120000000000' });
    });

    it('given 100 available and a lease of 80 open, when a second lease of 30 is asked, then INSUFFICIENT_CREDITS', () => {
      spec
        .given(history(open(), purchase(), reserve({ amountNanocredits: 80n * C })))
        .when(reserve({ idempotencyKey: 'lease-2', leaseId: 'lease-2', holder: 'gw-2' }))
        .thenThrows('INSUFFICIENT_CREDITS', { availableNanocredits: (20n * C).toString() });
    });

    it('given a lease, when the same reservation is retried under another key, then nothing', () => {
      spec
        .given(history(open(), purchase(), reserve()))
        .when(reserve({ idempotencyKey: 'retry' }))
        .thenNothing();
    });

    it('given a settled lease, when its reservation is replayed late, then nothing', () => {
      spec
        .given(history(open(), purchase(), reserve(), settle()))
        .when(reserve({ idempotencyKey: 'late-retry' }))
        .thenNothing();
    });

    it('given a lease, when another lease reuses its id, then LEASE_ALREADY_EXISTS', () => {
      spec
        .given(history(open(), purchase(), reserve()))
        .when(reserve({ idempotencyKey: 'other', amountNanocredits: 1n }))
        .thenThrows('LEASE_ALREADY_EXISTS', { leaseId: 'lease-1' });
    });

    it(`given ${MAX_OPEN_LEASES} open leases, when one more is asked, then TOO_MANY_OPEN_LEASES`, () => {
      const cmds: AccountCommand[] = [open(), purchase()];
      for (let i = 0; i < MAX_OPEN_LEASES; i++)
        cmds.push(reserve({ idempotencyKey: `l-${i}`, leaseId: `l-${i}`, amountNanocredits: 1n }));
      spec
        .given(history(...cmds))
        .when(reserve({ amountNanocredits: 1n }))
        .thenThrows('TOO_MANY_OPEN_LEASES');
    });

    it('given an open account, when the ttl exceeds the maximum, then INVALID_COMMAND', () => {
      spec
        .given(funded())
        .when(reserve({ ttlMs: 3_600_001 }))
        .thenThrows('INVALID_COMMAND');
    });

    it('given an open account, when a zero lease is asked, then INVALID_COMMAND', () => {
      spec
        .given(funded())
        .when(reserve({ amountNanocredits: 0n }))
        .thenThrows('INVALID_COMMAND');
    });
  });

  describe('SettleLease', () => {
    it('given a lease of 30, when settled with 12 spent, then CreditLeaseSettled releasing 18', () => {
      const c = settle();
      spec
        .given(history(open(), purchase(), reserve()))
        .when(c)
        .then([
          {
            type: 'CreditLeaseSettled',
            data: {
              accountId: ACC,
              leaseId: 'lease-1',
              spentNanocredits: '12000000000',
              releasedNanocredits: '18000000000',
              usageCount: 3,
              settledAt: '2026-01-01T00:00:30.000Z',
              idempotencyKey: 'settle-lease-1',
              fingerprint: commandFingerprint(c),
            },
          },
        ]);
    });

    it('given a lease of 30, when settled with all 30 spent, then nothing is released', () => {
      const [e] = spec
        .given(history(open(), purchase(), reserve()))
        .when(settle({ spentNanocredits: 30n * C }))
        .thenTypes(['CreditLeaseSettled']);
      expect(e.data).toMatchObject({ spentNanocredits: '30000000000', releasedNanocredits: '0' });
    });

    it('given a lease of 30, when settled with 30 plus one nanocredit spent, then SPENT_EXCEEDS_LEASE', () => {
      spec
        .given(history(open(), purchase(), reserve()))
        .when(settle({ spentNanocredits: 30n * C + 1n }))
        .thenThrows('SPENT_EXCEEDS_LEASE', { leaseNanocredits: (30n * C).toString() });
    });

    it('given no such lease, when settled, then LEASE_NOT_FOUND', () => {
      spec.given(funded()).when(settle()).thenThrows('LEASE_NOT_FOUND', { leaseId: 'lease-1' });
    });

    it('given a settled lease, when settled again with the same data under another key, then nothing', () => {
      spec
        .given(history(open(), purchase(), reserve(), settle()))
        .when(settle({ idempotencyKey: 'settle-again' }))
        .thenNothing();
    });

    it('given a settled lease, when settled again with other data, then LEASE_ALREADY_CLOSED', () => {
      spec
        .given(history(open(), purchase(), reserve(), settle()))
        .when(settle({ idempotencyKey: 'settle-again', spentNanocredits: 13n * C }))
        .thenThrows('LEASE_ALREADY_CLOSED', { outcome: 'settled', spentNanocredits: (12n * C).toString() });
    });

    it('given a settled lease, when its key is reused with other data, then IDEMPOTENCY_CONFLICT', () => {
      spec
        .given(history(open(), purchase(), reserve(), settle()))
        .when(settle({ spentNanocredits: 13n * C }))
        .thenThrows('IDEMPOTENCY_CONFLICT');
    });

    it('given an expired lease, when the holder settles it, then LEASE_ALREADY_CLOSED', () => {
      spec
        .given(history(open(), purchase(), reserve(), expire()))
        .when(settle())
        .thenThrows('LEASE_ALREADY_CLOSED', { outcome: 'expired' });
    });

    it('given a lease held by gw-1, when gw-2 settles it, then LEASE_HOLDER_MISMATCH', () => {
      spec
        .given(history(open(), purchase(), reserve()))
        .when(settle({ holder: 'gw-2' }))
        .thenThrows('LEASE_HOLDER_MISMATCH', { holder: 'gw-1' });
    });

    it('given a lease, when settled with a negative spend, then INVALID_COMMAND', () => {
      spec
        .given(history(open(), purchase(), reserve()))
        .when(settle({ spentNanocredits: -1n }))
        .thenThrows('INVALID_COMMAND');
    });
  });

  describe('ExpireLease', () => {
    it('given a lease past its expiry, when expired with 7 spent, then CreditLeaseExpired releasing 23', () => {
      const c = expire();
      spec
        .given(history(open(), purchase(), reserve()))
        .when(c)
        .then([
          {
            type: 'CreditLeaseExpired',
            data: {
              accountId: ACC,
              leaseId: 'lease-1',
              spentNanocredits: '7000000000',
              releasedNanocredits: '23000000000',
              usageCount: 2,
              expiredAt: '2026-01-01T00:01:00.000Z',
              idempotencyKey: 'expire-lease-1',
              fingerprint: commandFingerprint(c),
            },
          },
        ]);
    });

    it('given a lease expiring at 00:01:00, when expired at 00:00:59.999, then LEASE_NOT_EXPIRED', () => {
      spec
        .given(history(open(), purchase(), reserve()))
        .when(expire({ now: '2026-01-01T00:00:59.999Z' }))
        .thenThrows('LEASE_NOT_EXPIRED', { expiresAt: '2026-01-01T00:01:00.000Z' });
    });

    it('given no such lease, when expired, then LEASE_NOT_FOUND', () => {
      spec.given(funded()).when(expire()).thenThrows('LEASE_NOT_FOUND');
    });

    it('given a lease of 30, when expired with 31 spent, then SPENT_EXCEEDS_LEASE', () => {
      spec
        .given(history(open(), purchase(), reserve()))
        .when(expire({ spentNanocredits: 31n * C }))
        .thenThrows('SPENT_EXCEEDS_LEASE');
    });

    it('given a settled lease, when an expirer comes late, then LEASE_ALREADY_CLOSED', () => {
      spec
        .given(history(open(), purchase(), reserve(), settle()))
        .when(expire())
        .thenThrows('LEASE_ALREADY_CLOSED', { outcome: 'settled' });
    });

    it('given an expired lease, when a second expirer repeats it with the same data, then nothing', () => {
      spec
        .given(history(open(), purchase(), reserve(), expire()))
        .when(expire({ idempotencyKey: 'expirer-2', now: '2026-01-01T00:05:00.000Z' }))
        .thenNothing();
    });
  });

  describe('idempotency memory bound', () => {
    it(`given ${MAX_REMEMBERED_KEYS + 1} grants, when the first is replayed after its key was evicted, then nothing (caught by grant id)`, () => {
      const cmds: AccountCommand[] = [open()];
      for (let i = 0; i <= MAX_REMEMBERED_KEYS; i++)
        cmds.push(grant({ idempotencyKey: `g-${i}`, grantId: `g-${i}`, amountNanocredits: 1n }));
      const events = history(...cmds);
      expect(fold(events).idempotencyKeys.has('g-0')).toBe(false);
      expect(fold(events).idempotencyKeys.size).toBe(MAX_REMEMBERED_KEYS);
      spec
        .given(events)
        .when(grant({ idempotencyKey: 'g-0', grantId: 'g-0', amountNanocredits: 1n }))
        .thenNothing();
    });
  });

  describe('balance invariant (seeded random walk)', () => {
    it('given random command sequences, then available never drops below −overdraft and totals match balance.ts', () => {
      const rnd = new SeededRandom(2026n);
      for (let run = 0; run < 20; run++) {
        let state: AccountState = accountDecider.initialState();
        const events: AccountEvent[] = [];
        const apply = (c: AccountCommand) => {
          const r = accountDecider.decide(c, state);
          if (isDomainError(r)) return;
          for (const e of r) {
            state = accountDecider.evolve(state, e);
            events.push(e);
          }
        };
        const od = rnd.below(50n) * C;
        apply(open({ overdraftLimitNanocredits: od }));
        const leases: string[] = [];
        for (let i = 0; i < 200; i++) {
          const amount = rnd.below(40n * C) + 1n;
          const k = `k-${run}-${i}`;
          switch (rnd.int(8)) {
            case 0:
              apply(purchase({ idempotencyKey: k, paymentId: k, amountNanocredits: amount }));
              break;
            case 1:
              apply(grant({ idempotencyKey: k, grantId: k, amountNanocredits: amount }));
              break;
            case 2:
              apply(
                refund({
                  idempotencyKey: k,
                  refundId: k,
                  paymentId: `k-${run}-${rnd.int(i + 1)}`,
                  amountNanocredits: amount,
                }),
              );
              break;
            case 3:
              apply(
                adjust({
                  idempotencyKey: k,
                  adjustmentId: k,
                  amountNanocredits: rnd.below(2n) ? amount : -amount,
                }),
              );
              break;
            case 4:
            case 5:
              leases.push(k);
              apply(reserve({ idempotencyKey: k, leaseId: k, amountNanocredits: amount }));
              break;
            case 6: {
              const leaseId = leases[rnd.int(Math.max(leases.length, 1))] ?? 'none';
              apply(settle({ idempotencyKey: k, leaseId, spentNanocredits: rnd.below(amount) }));
              break;
            }
            default:
              apply(overdraft({ idempotencyKey: k, overdraftLimitNanocredits: rnd.below(50n) * C }));
          }
          const s = state as OpenAccountState;
          expect(availableNanocredits(s.totals) >= -s.overdraftLimitNanocredits).toBe(true);
        }
        const s = state as OpenAccountState;
        const recomputed = events.reduce(
          (t, e) => addBalanceTotals(t, accountBalanceDelta(e)),
          zeroBalanceTotals(),
        );
        expect(recomputed).toEqual(s.totals);
        const openSum = [...s.openLeases.values()].reduce((t, l) => t + l.amountNanocredits, 0n);
        expect(s.totals.openLeasesNanocredits).toBe(openSum);
      }
    });
  });
});
