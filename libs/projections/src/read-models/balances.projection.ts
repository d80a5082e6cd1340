import type { AnyProjection, DecodedEvent, ProjectionContext, SqlStatement } from '../runtime/projection';
import { formatPosition } from '@tollgate/event-store';
import { FACT_EVENT_TYPES, ledgerFact, type LedgerFact } from './facts';
import { bulkInsert, type Column } from './sql';

interface BalanceRow extends Record<string, unknown> {
  account_id: string;
  posted_nanocredits: string;
  leased_nanocredits: string;
  overdraft_limit_nanocredits: string;
  open_leases: number;
  opened_at: Date | null;
  events: string;
  last_position: string;
  updated_at: Date;
}

interface LeaseRow extends Record<string, unknown> {
  lease_id: string;
  account_id: string;
  amount_nanocredits: string;
  used_nanocredits: string;
  open: boolean;
}

interface Balance {
  accountId: string;
  posted: bigint;
  leased: bigint;
  overdraftLimit: bigint;
  openLeases: number;
  openedAt: Date | null;
  events: bigint;
  lastPosition: string;
  updatedAt: Date;
}

interface Lease {
  leaseId: string;
  accountId: string;
  amount: bigint;
  used: bigint;
  open: boolean;
}

/** What a lease still holds back from `available`: never below zero. */
function outstanding(l: Lease): bigint {
  if (!l.open) return 0n;
  const rest = l.amount - l.used;
  return rest > 0n ? rest : 0n;
}

const balanceColumns: Column<Balance>[] = [
  { name: 'account_id', type: 'text', value: (b) => b.accountId },
  { name: 'posted_nanocredits', type: 'bigint', value: (b) => b.posted.toString() },
  { name: 'leased_nanocredits', type: 'bigint', value: (b) => b.leased.toString() },
  { name: 'available_nanocredits', type: 'bigint', value: (b) => (b.posted - b.leased).toString() },
  { name: 'overdraft_limit_nanocredits', type: 'bigint', value: (b) => b.overdraftLimit.toString() },
  { name: 'open_leases', type: 'integer', value: (b) => b.openLeases },
  { name: 'opened_at', type: 'timestamptz', value: (b) => b.openedAt },
  { name: 'events', type: 'bigint', value: (b) => b.events.toString() },
  { name: 'last_position', type: 'text', value: (b) => b.lastPosition },
  { name: 'updated_at', type: 'timestamptz', value: (b) => b.updatedAt },
];

const leaseColumns: Column<Lease>[] = [
  { name: 'account_id', type: 'text', value: (l) => l.accountId },
  { name: 'lease_id', type: 'text', value: (l) => l.leaseId },
  { name: 'amount_nanocredits', type: 'bigint', value: (l) => l.amount.toString() },
  { name: 'used_nanocredits', type: 'bigint', value: (l) => l.used.toString() },
  { name: 'open', type: 'boolean', value: (l) => l.open },
];

/** Lease ids are unique per account only (usage streams are `usage-{account}-{lease}`). */
const leaseKey = (accountId: string, leaseId: string): string => `${accountId}\u0000${leaseId}`;

function upsertAll<Row>(table: string, key: string, columns: Column<Row>[], rows: Row[]): SqlStatement[] {
  const keys = key.split(',').map((k) => k.trim());
  const set = columns
    .filter((c) => !keys.includes(c.name))
    .map((c) => `${c.name} = excluded.${c.name}`)
    .join(', ');
  return bulkInsert(table, columns, rows, `ON CONFLICT (${key}) DO UPDATE SET ${set}`);
}

/**
 * Balances per account. posted = credits − refunds ± adjustments − Σ usage price (usage is posted when
 * it is recorded); leased = Σ over open leases of (amount − usage recorded against it, never < 0);
 * available = posted − leased. Lease state lives in an internal table of the same version.
 */
export const balancesProjection: AnyProjection = {
  name: 'balances',
  version: 1,
  tables: [
    {
      base: 'balances',
      orderBy: 'account_id',
      ddl: (t) => [
        `CREATE TABLE ${t('balances')} (
           account_id text PRIMARY KEY,
           posted_nanocredits bigint NOT NULL,
           leased_nanocredits bigint NOT NULL,
           available_nanocredits bigint NOT NULL,
           overdraft_limit_nanocredits bigint NOT NULL,
           open_leases integer NOT NULL,
           opened_at timestamptz,
           events bigint NOT NULL,
           last_position text NOT NULL,
           updated_at timestamptz NOT NULL
         )`,
      ],
    },
    {
      base: 'balance_leases',
      orderBy: 'account_id, lease_id',
      internal: true,
      ddl: (t) => [
        `CREATE TABLE ${t('balance_leases')} (
           account_id text NOT NULL,
           lease_id text NOT NULL,
           amount_nanocredits bigint NOT NULL,
           used_nanocredits bigint NOT NULL,
           open boolean NOT NULL,
           PRIMARY KEY (account_id, lease_id)
         )`,
      ],
    },
  ],
  handles: (type) => FACT_EVENT_TYPES.has(type),
  eventTypes: [...FACT_EVENT_TYPES],
  decode: ledgerFact,
  async projectBatch(events: readonly DecodedEvent<LedgerFact>[], ctx: ProjectionContext) {
    const accountIds = new Set<string>();
    const leaseKeys = new Map<string, [string, string]>();
    for (const { event: f } of events) {
      accountIds.add(f.accountId);
      if (f.kind === 'lease_reserved' || f.kind === 'lease_closed' || f.kind === 'usage')
        leaseKeys.set(leaseKey(f.accountId, f.leaseId), [f.accountId, f.leaseId]);
    }
    const balances = new Map<string, Balance>();
    for (const r of await ctx.query<BalanceRow>(
      `SELECT * FROM ${ctx.t('balances')} WHERE account_id = ANY($1)`,
      [[...accountIds]],
    ))
      balances.set(r.account_id, {
        accountId: r.account_id,
        posted: BigInt(r.posted_nanocredits),
        leased: BigInt(r.leased_nanocredits),
        overdraftLimit: BigInt(r.overdraft_limit_nanocredits),
        openLeases: r.open_leases,
        openedAt: r.opened_at,
        events: BigInt(r.events),
        lastPosition: r.last_position,
        updatedAt: r.updated_at,
      });
    const leases = new Map<string, Lease>();
    if (leaseKeys.size > 0) {
      const pairs = [...leaseKeys.values()];
      for (const r of await ctx.query<LeaseRow>(
        `SELECT l.* FROM ${ctx.t('balance_leases')} l
           JOIN unnest($1::text[], $2::text[]) AS k(account_id, lease_id) USING (account_id, lease_id)`,
        [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
      ))
        leases.set(leaseKey(r.account_id, r.lease_id), {
          leaseId: r.lease_id,
          accountId: r.account_id,
          amount: BigInt(r.amount_nanocredits),
          used: BigInt(r.used_nanocredits),
          open: r.open,
        });
    }
    const touchedLeases = new Set<string>();

    for (const { event: f, recorded } of events) {
      let b = balances.get(f.accountId);
      if (!b) {
        b = {
          accountId: f.accountId,
          posted: 0n,
          leased: 0n,
          overdraftLimit: 0n,
          openLeases: 0,
          openedAt: null,
          events: 0n,
          lastPosition: '',
          updatedAt: recorded.recordedAt,
        };
        balances.set(f.accountId, b);
      }
      b.events += 1n;
      b.lastPosition = formatPosition(recorded.position);
      b.updatedAt = recorded.recordedAt;
      switch (f.kind) {
        case 'account_opened':
          b.openedAt = recorded.recordedAt;
          b.overdraftLimit = f.overdraftLimitNanocredits;
          break;
        case 'posting':
          b.posted += f.amountNanocredits;
          break;
        case 'overdraft_changed':
          b.overdraftLimit = f.limitNanocredits;
          break;
        case 'lease_reserved': {
          const existing = leases.get(leaseKey(f.accountId, f.leaseId));
          if (existing && existing.open) break; // reserved twice: the first reservation stands
          const lease: Lease = existing ?? {
            leaseId: f.leaseId,
            accountId: f.accountId,
            amount: 0n,
            used: 0n,
            open: true,
          };
          lease.amount = f.amountNanocredits;
          lease.open = true;
          leases.set(leaseKey(f.accountId, f.leaseId), lease);
          b.leased += outstanding(lease);
          b.openLeases += 1;
          touchedLeases.add(leaseKey(f.accountId, f.leaseId));
          break;
        }
        case 'lease_closed': {
          const lease = leases.get(leaseKey(f.accountId, f.leaseId));
          if (!lease || !lease.open) break;
          b.leased -= outstanding(lease);
          lease.open = false;
          b.openLeases -= 1;
          touchedLeases.add(leaseKey(f.accountId, f.leaseId));
          break;
        }
        case 'usage': {
          b.posted -= f.priceNanocredits;
          const lease = leases.get(leaseKey(f.accountId, f.leaseId));
          if (lease) {
            const before = outstanding(lease);
            lease.used += f.priceNanocredits;
            b.leased += outstanding(lease) - before;
            touchedLeases.add(leaseKey(f.accountId, f.leaseId));
          } else {
            // Usage before its reservation is visible: remember it, so the lease opens net of it.
            leases.set(leaseKey(f.accountId, f.leaseId), {
              leaseId: f.leaseId,
              accountId: f.accountId,
              amount: 0n,
              used: f.priceNanocredits,
              open: false,
            });
            touchedLeases.add(leaseKey(f.accountId, f.leaseId));
          }
          break;
        }
        default: {
          const never: never = f;
          throw new Error(`unhandled fact ${JSON.stringify(never)}`);
        }
      }
    }
    return [
      ...upsertAll(ctx.t('balances'), 'account_id', balanceColumns, [...balances.values()]),
      ...upsertAll(
        ctx.t('balance_leases'),
        'account_id, lease_id',
        leaseColumns,
        [...touchedLeases].map((id) => leases.get(id) as Lease),
      ),
    ];
  },
};
