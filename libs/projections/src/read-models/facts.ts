import type { RecordedEvent } from '@tollgate/event-store';
import {
  ACCOUNT_EVENT_TYPES,
  accountStream,
  isAccountEventType,
  isUsageEventType,
  parseAccountEvent,
  parseUsageEvent,
  usageStream,
  type AccountEvent,
  type UsageEvent,
} from '@tollgate/ledger';

/**
 * What the ledger read models need from an event, decoded once per event (the projections share a
 * batch, so the zod validation runs once, not once per projection).
 */
export interface UsageFact {
  kind: 'usage';
  accountId: string;
  leaseId: string;
  requestId: string;
  apiKeyId: string | null;
  alias: string | null;
  provider: string | null;
  deployment: string | null;
  model: string | null;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  costNanocredits: bigint;
  priceNanocredits: bigint;
  status: string;
  latencyMs: number | null;
  attempts: number | null;
  estimated: boolean;
  /** ISO timestamp as recorded in the event (kept as text: it goes straight back into SQL). */
  occurredAt: string | null;
}

export type EntryType = 'purchase' | 'grant' | 'refund' | 'adjustment' | 'usage';

export type LedgerFact =
  | { kind: 'account_opened'; accountId: string; overdraftLimitNanocredits: bigint }
  | {
      kind: 'posting';
      accountId: string;
      entryType: Exclude<EntryType, 'usage'>;
      /** Signed effect on the posted balance. */
      amountNanocredits: bigint;
      reference: string;
      description: string;
    }
  | { kind: 'overdraft_changed'; accountId: string; limitNanocredits: bigint }
  | { kind: 'lease_reserved'; accountId: string; leaseId: string; amountNanocredits: bigint }
  | {
      kind: 'lease_closed';
      accountId: string;
      leaseId: string;
      how: 'settled' | 'expired';
      spentNanocredits: bigint;
      releasedNanocredits: bigint;
    }
  | UsageFact;

export const USAGE_EVENT_TYPES: ReadonlySet<string> = new Set(['UsageRecorded']);
export const FACT_EVENT_TYPES: ReadonlySet<string> = new Set<string>([
  ...ACCOUNT_EVENT_TYPES,
  'UsageRecorded',
]);

/** A validated ledger event as the ledger's own parsers return it. */
export type LedgerEvent = AccountEvent | UsageEvent;

const parsedCache = new WeakMap<RecordedEvent, LedgerEvent | null>();
const factCache = new WeakMap<RecordedEvent, LedgerFact | null>();

/** Validates (once per event object) with the ledger's parsers; null for other types; throws when malformed. */
export function ledgerEvent(e: RecordedEvent): LedgerEvent | null {
  const hit = parsedCache.get(e);
  if (hit !== undefined) return hit;
  let parsed: LedgerEvent | null = null;
  if (isAccountEventType(e.type)) {
    parsed = parseAccountEvent(e.type, e.data);
    if (parsed && e.streamId !== accountStream(parsed.data.accountId))
      throw new Error(`${e.type} for account ${parsed.data.accountId} found in stream ${e.streamId}`);
  } else if (isUsageEventType(e.type)) {
    parsed = parseUsageEvent(e.type, e.data);
    if (parsed && e.streamId !== usageStream(parsed.data.accountId, parsed.data.leaseId))
      throw new Error(`${e.type} for account ${parsed.data.accountId} found in stream ${e.streamId}`);
  }
  parsedCache.set(e, parsed);
  return parsed;
}

/** Decodes (and caches) a ledger event; null for types the read models ignore; throws when malformed. */
export function ledgerFact(e: RecordedEvent): LedgerFact | null {
  const hit = factCache.get(e);
  if (hit !== undefined) return hit;
  const parsed = ledgerEvent(e);
  const fact =
    parsed === null
      ? null
      : isAccountEventType(parsed.type)
        ? accountFact(parsed as AccountEvent)
        : usageFact(parsed as UsageEvent);
  factCache.set(e, fact);
  return fact;
}

function accountFact(ev: AccountEvent): LedgerFact | null {
  const accountId = ev.data.accountId;
  switch (ev.type) {
    case 'AccountOpened':
      return {
        kind: 'account_opened',
        accountId,
        overdraftLimitNanocredits: BigInt(ev.data.overdraftLimitNanocredits),
      };
    case 'CreditsPurchased':
      return {
        kind: 'posting',
        accountId,
        entryType: 'purchase',
        amountNanocredits: BigInt(ev.data.amountNanocredits),
        reference: ev.data.paymentId,
        description: `Credits purchased (order ${ev.data.orderId})`,
      };
    case 'CreditsGranted':
      return {
        kind: 'posting',
        accountId,
        entryType: 'grant',
        amountNanocredits: BigInt(ev.data.amountNanocredits),
        reference: ev.data.grantId,
        description: `${ev.data.kind === 'promotional' ? 'Promotional' : 'Manual'} grant: ${ev.data.reason}`,
      };
    case 'CreditsRefunded':
      return {
        kind: 'posting',
        accountId,
        entryType: 'refund',
        amountNanocredits: -BigInt(ev.data.amountNanocredits),
        reference: ev.data.refundId,
        description: `Refund of payment ${ev.data.paymentId}: ${ev.data.reason}`,
      };
    case 'CreditsAdjusted':
      return {
        kind: 'posting',
        accountId,
        entryType: 'adjustment',
        amountNanocredits: BigInt(ev.data.amountNanocredits),
        reference: ev.data.adjustmentId,
        description: `Adjustment ${ev.data.reasonCode}${ev.data.reference ? `: ${ev.data.reference}` : ''}`,
      };
    case 'OverdraftLimitChanged':
      return {
        kind: 'overdraft_changed',
        accountId,
        limitNanocredits: BigInt(ev.data.overdraftLimitNanocredits),
      };
    case 'CreditLeaseReserved':
      return {
        kind: 'lease_reserved',
        accountId,
        leaseId: ev.data.leaseId,
        amountNanocredits: BigInt(ev.data.amountNanocredits),
      };
    case 'CreditLeaseSettled':
      return {
        kind: 'lease_closed',
        accountId,
        leaseId: ev.data.leaseId,
        how: 'settled',
        spentNanocredits: BigInt(ev.data.spentNanocredits),
        releasedNanocredits: BigInt(ev.data.releasedNanocredits),
      };
    case 'CreditLeaseExpired':
      return {
        kind: 'lease_closed',
        accountId,
        leaseId: ev.data.leaseId,
        how: 'expired',
        spentNanocredits: BigInt(ev.data.spentNanocredits),
        releasedNanocredits: BigInt(ev.data.releasedNanocredits),
      };
    default: {
      const never: never = ev;
      throw new Error(`unhandled account event ${JSON.stringify(never)}`);
    }
  }
}

function usageFact(ev: UsageEvent): LedgerFact | null {
  switch (ev.type) {
    case 'UsageRecorded': {
      const u = ev.data;
      return {
        kind: 'usage',
        accountId: u.accountId,
        leaseId: u.leaseId,
        requestId: u.requestId,
        apiKeyId: u.apiKeyId,
        alias: u.alias,
        provider: u.provider,
        deployment: u.deployment,
        model: u.upstreamModel,
        promptTokens: u.promptTokens,
        completionTokens: u.completionTokens,
        cachedTokens: u.cachedTokens,
        reasoningTokens: u.reasoningTokens,
        costNanocredits: BigInt(u.providerCostNanocredits),
        priceNanocredits: BigInt(u.priceNanocredits),
        status: u.status,
        latencyMs: u.latencyMs,
        attempts: u.attempts.length,
        estimated: u.estimated,
        occurredAt: u.occurredAt,
      };
    }
    case 'UsageStreamClosed':
      return null;
    default: {
      const never: never = ev;
      throw new Error(`unhandled usage event ${JSON.stringify(never)}`);
    }
  }
}

export interface StatementEntry {
  entryType: EntryType;
  amountNanocredits: bigint;
  reference: string;
  description: string;
}

/** The statement line a fact makes, if it moves the posted balance (zero-priced usage does not). */
export function statementEntry(f: LedgerFact): StatementEntry | null {
  switch (f.kind) {
    case 'posting':
      return {
        entryType: f.entryType,
        amountNanocredits: f.amountNanocredits,
        reference: f.reference,
        description: f.description,
      };
    case 'usage':
      if (f.priceNanocredits === 0n) return null;
      return {
        entryType: 'usage',
        amountNanocredits: -f.priceNanocredits,
        reference: f.requestId,
        description: `${f.alias ?? 'request'} (${f.model ?? 'unknown model'})`,
      };
    case 'account_opened':
    case 'overdraft_changed':
    case 'lease_reserved':
    case 'lease_closed':
      return null;
    default: {
      const never: never = f;
      throw new Error(`unhandled fact ${JSON.stringify(never)}`);
    }
  }
}
