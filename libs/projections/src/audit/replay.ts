import type { Pool } from 'pg';
import { withClient } from '@tollgate/platform';
import {
  comparePositions,
  formatPosition,
  parsePosition,
  type EventStore,
  type GlobalPosition,
  type RecordedEvent,
} from '@tollgate/event-store';
import { accountStream, usageStream, USAGE_STREAM_PREFIX } from '@tollgate/ledger';
import {
  addBalanceTotals,
  availableNanocredits,
  liveBalanceDelta,
  postedNanocredits,
  zeroBalanceTotals,
  type BalanceTotals,
} from '@tollgate/ledger';
import { ledgerEvent, ledgerFact, statementEntry, type LedgerFact } from '../read-models/facts';
import { correctionsTouching, type ReplayCorrection } from './corrections';

/** One event of an account's history, with the balances right after it. */
export interface ReplayRow {
  position: string;
  recordedAt: string;
  streamId: string;
  eventId: string;
  eventType: string;
  /** Statement entry type when the event moves the posted balance. */
  entryType: string | null;
  description: string;
  /** Signed effect on the posted balance (0 for events that do not move it). */
  amountNanocredits: bigint;
  postedAfterNanocredits: bigint;
  leasedAfterNanocredits: bigint;
  /** Statement line number this event made, if any. */
  lineNo: number | null;
}

export interface ReplayTotals {
  postedNanocredits: bigint;
  leasedNanocredits: bigint;
  availableNanocredits: bigint;
  statementLines: number;
  usageEvents: number;
  usagePriceNanocredits: bigint;
  usageCostNanocredits: bigint;
  events: number;
}

export interface ReplayDifference {
  model: 'balances' | 'statement_lines' | 'request_log' | 'daily_usage' | 'events';
  what: string;
  expected: string;
  actual: string;
}

export interface ReplayResult {
  accountId: string;
  rows: ReplayRow[];
  totals: ReplayTotals;
  differences: ReplayDifference[];
  /** Cost/price corrections that touch this account's requests or re-rated it (see corrections.ts). */
  corrections?: ReplayCorrection[];
}

const STREAM_PAGE = 50_000;
const MAX_PAGES = 1000;
const READ_CONCURRENCY = 8;
/** Differences listed per account before the rest are summarised. */
const MAX_DIFFERENCES = 50;

async function readWholeStream(store: EventStore, streamId: string): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for (let page = 0; page < MAX_PAGES; page++) {
    const events = await store.readStream(streamId, {
      fromRevision: BigInt(out.length),
      maxCount: STREAM_PAGE,
    });
    out.push(...events);
    if (events.length < STREAM_PAGE) return out;
  }
  throw new Error(`stream ${streamId} exceeds ${STREAM_PAGE * MAX_PAGES} events`);
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Usage streams of the account: every lease reserved on its stream, plus any the store's index knows. */
async function usageStreams(
  pool: Pool,
  accountId: string,
  accountEvents: RecordedEvent[],
): Promise<string[]> {
  const ids = new Set<string>();
  for (const e of accountEvents)
    if (e.type === 'CreditLeaseReserved') {
      const f = ledgerFact(e);
      if (f?.kind === 'lease_reserved') ids.add(usageStream(accountId, f.leaseId));
    }
  const { rows: has } = await pool.query<{ t: string | null }>(`SELECT to_regclass('streams')::text AS t`);
  if (has[0]?.t) {
    const { rows } = await pool.query<{ stream_id: string }>(
      `SELECT stream_id FROM streams WHERE stream_id LIKE $1`,
      [`${escapeLike(`${USAGE_STREAM_PREFIX}${accountId}-`)}%`],
    );
    // `usage-a-` also prefixes account `a-b`'s streams: keep only streams whose events are this account's.
    for (const r of rows) ids.add(r.stream_id);
  }
  return [...ids];
}

async function mapBounded<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

/**
 * Validates a stream's events as soon as it arrives, while other streams are still being read (the
 * results are cached per event; a malformed one is reported by the fold).
 */
function warm(events: RecordedEvent[]): RecordedEvent[] {
  for (const e of events) {
    try {
      ledgerFact(e);
    } catch {
      // reported when folded
    }
  }
  return events;
}

/** Reads the account's stream and its usage streams and merges them in global order. */
export async function readAccountHistory(
  store: EventStore,
  pool: Pool,
  accountId: string,
): Promise<RecordedEvent[]> {
  const account = warm(await readWholeStream(store, accountStream(accountId)));
  const streams = await usageStreams(pool, accountId, account);
  const usage = await mapBounded(streams, READ_CONCURRENCY, async (s) =>
    warm(await readWholeStream(store, s)),
  );
  const all = account.concat(...usage.map((events) => events.filter((e) => belongsTo(e, accountId))));
  all.sort((a, b) => comparePositions(a.position, b.position));
  return all;
}

function belongsTo(e: RecordedEvent, accountId: string): boolean {
  const data = e.data as { accountId?: unknown } | null;
  return typeof data === 'object' && data !== null && data.accountId === accountId;
}

/**
 * The auditor's own fold of the history, with the ledger's balance definitions (`liveBalanceDelta`),
 * not the projections' code: posted, leased (open lease holds) and the statement lines. Also checks
 * every closed lease: its settled spend must equal the Σ price of its usage stream.
 */
export function foldHistory(
  events: readonly RecordedEvent[],
  marks: ReadonlyMap<string, GlobalPosition> = new Map(),
): { rows: ReplayRow[]; totals: ReplayTotals; problems: string[]; at: Map<string, ReplayTotals> } {
  // Totals as of each mark (a read model's checkpoint), taken in the same single pass.
  const pendingMarks = [...marks].sort((a, b) => comparePositions(a[1], b[1]));
  const at = new Map<string, ReplayTotals>();
  const rows: ReplayRow[] = [];
  const usageByLease = new Map<string, bigint>();
  const problems: string[] = [];
  let totals: BalanceTotals = zeroBalanceTotals();
  let lines = 0;
  let usageEvents = 0;
  let usagePrice = 0n;
  let usageCost = 0n;
  const snapshot = (): ReplayTotals => ({
    postedNanocredits: postedNanocredits(totals),
    leasedNanocredits: totals.openLeasesNanocredits,
    availableNanocredits: availableNanocredits(totals),
    statementLines: lines,
    usageEvents,
    usagePriceNanocredits: usagePrice,
    usageCostNanocredits: usageCost,
    events: rows.length,
  });
  for (const e of events) {
    while (pendingMarks.length > 0 && comparePositions(pendingMarks[0][1], e.position) < 0)
      at.set((pendingMarks.shift() as [string, GlobalPosition])[0], snapshot());
    const parsed = ledgerEvent(e);
    const f: LedgerFact | null = ledgerFact(e);
    if (!parsed || !f) continue;
    const before = postedNanocredits(totals);
    totals = addBalanceTotals(totals, liveBalanceDelta(parsed));
    const posted = postedNanocredits(totals);
    const entry = statementEntry(f);
    if (entry) lines += 1;
    if (f.kind === 'usage') {
      usageEvents += 1;
      usagePrice += f.priceNanocredits;
      usageCost += f.costNanocredits;
      usageByLease.set(f.leaseId, (usageByLease.get(f.leaseId) ?? 0n) + f.priceNanocredits);
    } else if (f.kind === 'lease_closed') {
      const used = usageByLease.get(f.leaseId) ?? 0n;
      if (used !== f.spentNanocredits)
        problems.push(
          `lease ${f.leaseId} ${f.how} with spent ${f.spentNanocredits} but its usage stream sums to ${used} (event ${e.id})`,
        );
    }
    if ((entry?.amountNanocredits ?? 0n) !== posted - before)
      problems.push(
        `event ${e.id} (${e.type}): statement amount ${entry?.amountNanocredits ?? 0n} ≠ posted change ${posted - before}`,
      );
    rows.push({
      position: formatPosition(e.position),
      recordedAt: e.recordedAt.toISOString(),
      streamId: e.streamId,
      eventId: e.id,
      eventType: e.type,
      entryType: entry?.entryType ?? null,
      description: entry?.description ?? describe(f),
      amountNanocredits: posted - before,
      postedAfterNanocredits: posted,
      leasedAfterNanocredits: totals.openLeasesNanocredits,
      lineNo: entry ? lines : null,
    });
  }
  const final = snapshot();
  for (const [name] of pendingMarks) at.set(name, final);
  return {
    rows,
    totals: final,
    at,
    problems,
  };
}

function describe(f: LedgerFact): string {
  switch (f.kind) {
    case 'account_opened':
      return 'Account opened';
    case 'overdraft_changed':
      return `Overdraft limit set to ${f.limitNanocredits} nanocredits`;
    case 'lease_reserved':
      return `Lease ${f.leaseId} reserved (${f.amountNanocredits} nanocredits)`;
    case 'lease_closed':
      return `Lease ${f.leaseId} ${f.how}`;
    case 'usage':
      return `${f.alias ?? 'request'} (${f.model ?? 'unknown model'}), not charged`;
    case 'posting':
      return f.description;
    default: {
      const never: never = f;
      return String(never);
    }
  }
}

interface ModelSnapshot {
  checkpoints: Map<string, GlobalPosition>;
  balance: { posted: string; leased: string; available: string } | undefined;
  lines: { line_no: string; event_id: string; amount: string; balance_after: string; entry_type: string }[];
  requestLog: { n: string; price: string | null; cost: string | null };
  daily: { n: string | null; price: string | null };
}

/**
 * Reads the read models and their checkpoints in one snapshot, so a lagging projector is not a
 * difference. Resolves `checkpoints` first (the history may be read from then on, concurrently with
 * the rest of the snapshot).
 */
function snapshotModels(
  pool: Pool,
  accountId: string,
): { checkpointsRead: Promise<void>; snapshot: Promise<ModelSnapshot> } {
  let checkpointsDone!: () => void;
  let checkpointsFailed!: (err: unknown) => void;
  const checkpointsRead = new Promise<void>((ok, fail) => {
    checkpointsDone = ok;
    checkpointsFailed = fail;
  });
  const snapshot = readSnapshot(pool, accountId, checkpointsDone);
  snapshot.catch(checkpointsFailed);
  return { checkpointsRead, snapshot };
}

async function readSnapshot(
  pool: Pool,
  accountId: string,
  onCheckpoints: () => void,
): Promise<ModelSnapshot> {
  // withClient: a connection dropped while the snapshot is held fails the audit instead of the process.
  return withClient(pool, async (client) => {
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const { rows: cps } = await client.query<{ name: string; position: string }>(
        `SELECT c.name, c.position FROM projection_checkpoints c
         JOIN projection_registry r ON r.name = c.name AND r.live_version = c.version`,
      );
      onCheckpoints();
      const { rows: bal } = await client.query<{ posted: string; leased: string; available: string }>(
        `SELECT posted_nanocredits AS posted, leased_nanocredits AS leased, available_nanocredits AS available
         FROM balances WHERE account_id = $1`,
        [accountId],
      );
      const { rows: lines } = await client.query<ModelSnapshot['lines'][number]>(
        `SELECT line_no, event_id, amount_nanocredits AS amount, balance_after_nanocredits AS balance_after, entry_type
         FROM statement_lines WHERE account_id = $1 ORDER BY line_no`,
        [accountId],
      );
      const { rows: log } = await client.query<ModelSnapshot['requestLog']>(
        `SELECT count(*) AS n, sum(price_nanocredits)::text AS price, sum(cost_nanocredits)::text AS cost
         FROM request_log WHERE account_id = $1`,
        [accountId],
      );
      const { rows: daily } = await client.query<ModelSnapshot['daily']>(
        `SELECT sum(requests)::text AS n, sum(price_nanocredits)::text AS price FROM daily_usage WHERE account_id = $1`,
        [accountId],
      );
      await client.query('COMMIT');
      return {
        checkpoints: new Map(cps.map((c) => [c.name, parsePosition(c.position)])),
        balance: bal[0],
        lines,
        requestLog: log[0],
        daily: daily[0],
      };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  });
}

/**
 * Replays one account from the event store and compares every total and every statement line with
 * the read models (each read model at its own checkpoint).
 */
export async function replayAccount(
  store: EventStore,
  pool: Pool,
  accountId: string,
  options: { corrections?: boolean } = {},
): Promise<ReplayResult> {
  // Checkpoints first, history second: the history then covers every checkpoint read.
  const { checkpointsRead, snapshot } = snapshotModels(pool, accountId);
  await checkpointsRead;
  const [snap, history] = await Promise.all([snapshot, readAccountHistory(store, pool, accountId)]);
  const differences: ReplayDifference[] = [];
  let full: ReturnType<typeof foldHistory>;
  try {
    full = foldHistory(history, snap.checkpoints);
  } catch (err) {
    return {
      accountId,
      rows: [],
      totals: foldHistory([]).totals,
      differences: [
        {
          model: 'events',
          what: 'history could not be decoded',
          expected: 'valid events',
          actual: String(err),
        },
      ],
    };
  }
  for (const problem of full.problems.slice(0, MAX_DIFFERENCES))
    differences.push({ model: 'events', what: 'history', expected: 'consistent events', actual: problem });
  const empty = foldHistory([]).totals;
  const at = (name: string): ReplayTotals => full.at.get(name) ?? empty;
  const diff = (model: ReplayDifference['model'], what: string, expected: unknown, actual: unknown): void => {
    if (String(expected) !== String(actual))
      differences.push({ model, what, expected: String(expected), actual: String(actual) });
  };

  const b = at('balances');
  if (!snap.balance) {
    if (b.events > 0) diff('balances', 'balance row', 'present', 'missing');
  } else {
    diff('balances', 'posted_nanocredits', b.postedNanocredits, snap.balance.posted);
    diff('balances', 'leased_nanocredits', b.leasedNanocredits, snap.balance.leased);
    diff('balances', 'available_nanocredits', b.availableNanocredits, snap.balance.available);
  }

  // Lines are in order, so the expected lines at the checkpoint are the first N of the full replay.
  const expectedLines = full.rows
    .filter((r) => r.lineNo !== null)
    .slice(0, at('statement_lines').statementLines);
  diff('statement_lines', 'line count', expectedLines.length, snap.lines.length);
  const n = Math.max(expectedLines.length, snap.lines.length);
  for (let i = 0; i < n && differences.length < MAX_DIFFERENCES; i++) {
    const e = expectedLines[i];
    const a = snap.lines[i];
    const want = e
      ? `${e.lineNo} ${e.entryType} ${e.eventId} ${e.amountNanocredits} → ${e.postedAfterNanocredits}`
      : '(no line)';
    const got = a
      ? `${a.line_no} ${a.entry_type} ${a.event_id} ${a.amount} → ${a.balance_after}`
      : '(no line)';
    diff('statement_lines', `line ${i + 1}`, want, got);
  }

  const r = at('request_log');
  diff('request_log', 'rows', r.usageEvents, snap.requestLog.n);
  diff('request_log', 'Σ price_nanocredits', r.usagePriceNanocredits, snap.requestLog.price ?? '0');
  diff('request_log', 'Σ cost_nanocredits', r.usageCostNanocredits, snap.requestLog.cost ?? '0');

  const d = at('daily_usage');
  diff('daily_usage', 'Σ requests', d.usageEvents, snap.daily.n ?? '0');
  diff('daily_usage', 'Σ price_nanocredits', d.usagePriceNanocredits, snap.daily.price ?? '0');

  // Shown to a reader of one account; verify (every account) skips the correction streams.
  const corrections = options.corrections === false ? [] : await correctionsTouching(store, pool, history);
  return { accountId, rows: full.rows, totals: full.totals, differences, corrections };
}

export interface VerifyProgress {
  done: number;
  total: number;
  differences: number;
}

export interface VerifyResult {
  accounts: number;
  failed: { accountId: string; differences: ReplayDifference[] }[];
}

/** Every account the store knows (and every account a read model knows, so orphans are caught). */
export async function listAccounts(pool: Pool): Promise<string[]> {
  const ids = new Set<string>();
  const { rows: has } = await pool.query<{ t: string | null }>(`SELECT to_regclass('streams')::text AS t`);
  if (has[0]?.t) {
    const { rows } = await pool.query<{ stream_id: string }>(
      `SELECT stream_id FROM streams WHERE stream_id LIKE 'account-%'`,
    );
    for (const r of rows) ids.add(r.stream_id.slice('account-'.length));
  }
  const { rows: bal } = await pool.query<{ account_id: string }>(`SELECT account_id FROM balances`);
  for (const r of bal) ids.add(r.account_id);
  return [...ids].sort();
}

export async function verifyAll(
  store: EventStore,
  pool: Pool,
  options: { onProgress?: (p: VerifyProgress) => void; concurrency?: number } = {},
): Promise<VerifyResult> {
  const accounts = await listAccounts(pool);
  const failed: VerifyResult['failed'] = [];
  let done = 0;
  let diffs = 0;
  await mapBounded(accounts, Math.min(Math.max(1, options.concurrency ?? 4), 16), async (accountId) => {
    const r = await replayAccount(store, pool, accountId, { corrections: false });
    if (r.differences.length > 0) {
      failed.push({ accountId, differences: r.differences });
      diffs += r.differences.length;
    }
    done += 1;
    options.onProgress?.({ done, total: accounts.length, differences: diffs });
  });
  failed.sort((a, b) => (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0));
  return { accounts: accounts.length, failed };
}
