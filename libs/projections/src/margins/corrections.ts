import type { Pool, PoolClient } from 'pg';
import { withClient } from '@tollgate/platform';
import {
  correctionDecider,
  correctionStream,
  parseCorrectionEvent,
  type CorrectionCommand,
  type CorrectionEvent,
} from '@tollgate/catalog';
import {
  comparePositions,
  DomainError,
  handleCommand,
  type GlobalPosition,
  isDomainError,
  parsePosition,
  START,
  type Decider,
  type EventStore,
  type RecordedEvent,
} from '@tollgate/event-store';
import {
  accountDecider,
  accountStream,
  availableNanocredits,
  parseAccountEvent,
  type AccountEvent,
  type AccountState,
  type AdjustCredits,
} from '@tollgate/ledger';
import { marginsProjection } from '../read-models/margins.projection';
import { rebuildProjections, type RebuildProgress, type RebuildResult } from '../runtime/rebuild';
import { ensureProjection, migrateProjectionRuntime } from '../runtime/schema';
import { projectionStatus } from '../runtime/status';
import { waitForMarginsCatchUp, type MarginsCatchUpProgress } from './catch-up';
import { CorrectionPreview, targetOf, windowOf, type PreviewResult } from './preview';
import { countRequestsInWindow, loadHistories, requestsInWindow, type RequestKeyset } from './queries';

/**
 * Preview and apply of cost/price corrections: the correction event on its own stream, optional
 * re-rating (one compensating CreditsAdjusted per account and correction), then the blue/green rebuild
 * of the margins read model. Framework-free: the CLI and the portal call these.
 */
export interface CorrectionDeps {
  pool: Pool;
  store: EventStore;
}

export interface PreviewProgress {
  requestsDone: number;
  requestsTotal: number;
}

const PREVIEW_PAGE = 5000;
/** Bound on the requests a preview (and a re-rating) reads. */
export const MAX_PREVIEW_REQUESTS = 10_000_000;

export const REASON_CODE = { cost: 'COST_CORRECTION', price: 'PRICE_CORRECTION' } as const;

/** Validates a correction exactly as applying it would (same decider), without writing anything. */
export function validateCorrection(command: CorrectionCommand): DomainError | null {
  const decided = correctionDecider.decide(command, correctionDecider.initialState());
  return isDomainError(decided) ? decided : null;
}

export interface PreviewOptions {
  onProgress?: (p: PreviewProgress) => void;
  /**
   * Position of the correction event when it is already appended: requests recorded after it may have
   * been charged the corrected price by the gateway already (its catalog snapshot uses corrections in
   * force), and re-rating must not charge them the difference a second time.
   */
  correctionAt?: GlobalPosition;
}

/** Bound on the events read after the correction to find the requests the gateway may have priced with it. */
export const MAX_EVENTS_AFTER_CORRECTION = 1_000_000;
const READ_PAGE = 1000;

export async function previewCorrection(
  deps: CorrectionDeps,
  command: CorrectionCommand,
  options: PreviewOptions = {},
): Promise<PreviewResult> {
  const invalid = validateCorrection(command);
  if (invalid && invalid.code !== 'CORRECTION_CONFLICT') throw invalid;
  await migrateProjectionRuntime(deps.pool);
  await ensureProjection(deps.pool, marginsProjection);
  const correctionAt = options.correctionAt;
  let result: PreviewResult;
  if (!correctionAt) result = await computePreview(deps.pool, command, options, new Set());
  else
    // One snapshot of the read model (rows and checkpoint commit together), so the requests recorded
    // after the correction are known exactly for the rows the preview reads.
    result = await withClient(deps.pool, async (client) => {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        const checkpoint = await marginsCheckpoint(client);
        const late = await requestsRecordedBetween(deps.store, command, correctionAt, checkpoint);
        const r = await computePreview(client, command, options, late);
        await client.query('COMMIT');
        return r;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  const [status] = await projectionStatus(deps.pool, deps.store, [marginsProjection]);
  return { ...result, lagEvents: status?.lagEvents ?? 0 };
}

/** Keys (account, lease, request) of the target's usage recorded in (after, until]. */
async function requestsRecordedBetween(
  store: EventStore,
  command: CorrectionCommand,
  after: GlobalPosition,
  until: GlobalPosition,
): Promise<Set<string>> {
  const target = targetOf(command);
  const keys = new Set<string>();
  let at = after;
  let read = 0;
  while (comparePositions(at, until) < 0) {
    const page = await store.readAll({ after: at, maxCount: READ_PAGE });
    if (page.length === 0) break;
    for (const e of page) {
      if (comparePositions(e.position, until) > 0) return keys;
      if (e.type !== 'UsageRecorded') continue;
      const u = e.data as Record<string, string>;
      const hit =
        target.kind === 'cost'
          ? u.provider === target.providerId && u.upstreamModel === target.upstreamModel
          : u.alias === target.alias;
      if (hit) keys.add(requestKey(u.accountId!, u.leaseId!, u.requestId!));
    }
    read += page.length;
    if (read >= MAX_EVENTS_AFTER_CORRECTION)
      throw new DomainError(
        'MARGINS_BEHIND',
        `more than ${MAX_EVENTS_AFTER_CORRECTION} events were recorded after correction ${command.correctionId}; ` +
          'apply it again to re-rate from a fresher snapshot',
      );
    at = page[page.length - 1]!.position;
  }
  return keys;
}

function requestKey(accountId: string, leaseId: string, requestId: string): string {
  return `${accountId}\u0000${leaseId}\u0000${requestId}`;
}

async function marginsCheckpoint(db: PoolClient): Promise<GlobalPosition> {
  const { rows } = await db.query<{ position: string }>(
    `SELECT c.position FROM projection_checkpoints c
       JOIN projection_registry r ON r.name = c.name AND r.live_version = c.version
      WHERE c.name = $1`,
    [marginsProjection.name],
  );
  return rows[0] ? parsePosition(rows[0].position) : START;
}

async function computePreview(
  db: Pool | PoolClient,
  command: CorrectionCommand,
  options: PreviewOptions,
  recordedAfterCorrection: ReadonlySet<string>,
): Promise<PreviewResult> {
  const target = targetOf(command);
  const window = windowOf(command);
  // Every history a request of the window is rated with: its cost profile and its alias's prices.
  const t =
    target.kind === 'cost' ? 'provider = $1 AND upstream_model = $2' : 'alias = $1 AND $2::text IS NULL';
  const params = target.kind === 'cost' ? [target.providerId, target.upstreamModel] : [target.alias, null];
  const { rows: keys } = await db.query<{ alias: string; provider: string; upstream_model: string }>(
    `SELECT DISTINCT alias, provider, upstream_model FROM margin_requests
      WHERE ${t} AND occurred_at >= $3 AND ($4::timestamptz IS NULL OR occurred_at < $4)`,
    [
      ...params,
      new Date(window.fromMs).toISOString(),
      window.toMs === null ? null : new Date(window.toMs).toISOString(),
    ],
  );
  const costKeys = new Map<string, [string, string]>();
  const aliases = new Set<string>();
  for (const k of keys) {
    costKeys.set(`${k.provider}\u0000${k.upstream_model}`, [k.provider, k.upstream_model]);
    aliases.add(k.alias);
  }
  if (target.kind === 'cost') costKeys.set('target', [target.providerId, target.upstreamModel]);
  else aliases.add(target.alias);
  const { costs, prices } = await loadHistories(db, [...costKeys.values()], [...aliases]);
  const preview = new CorrectionPreview(command, costs, prices);
  const total = await countRequestsInWindow(db, target, window, MAX_PREVIEW_REQUESTS);
  let done = 0;
  let after: RequestKeyset | null = null;
  while (done < MAX_PREVIEW_REQUESTS) {
    const page = await requestsInWindow(db, target, window, after, PREVIEW_PAGE);
    for (const r of page.rows)
      preview.add(r, recordedAfterCorrection.has(requestKey(r.accountId, r.leaseId, r.requestId)));
    done += page.rows.length;
    options.onProgress?.({ requestsDone: done, requestsTotal: Math.max(total, done) });
    if (!page.next) break;
    after = page.next;
  }
  return preview.result();
}

export interface AdjustmentOutcome {
  accountId: string;
  workspaceId: string;
  /** What re-rating asked for: −(charge difference). */
  requestedNanocredits: bigint;
  /** What was booked (a debit is capped at available + overdraft). */
  adjustedNanocredits: bigint;
  /** Debit that could not be collected without going past the overdraft limit. */
  uncollectedNanocredits: bigint;
  outcome: 'adjusted' | 'capped' | 'already_adjusted' | 'nothing_to_collect' | 'failed';
  error?: string;
}

export interface ApplyResult {
  correctionId: string;
  /** False when the same correction had been applied before (nothing appended). */
  appended: boolean;
  preview: PreviewResult;
  adjustments: AdjustmentOutcome[];
  rebuild: RebuildResult[] | null;
}

export interface ApplyOptions {
  onPreviewProgress?: (p: PreviewProgress) => void;
  onAdjustment?: (done: number, total: number) => void;
  /** Default true: the margins read model is rebuilt blue/green after the correction. */
  rebuild?: boolean;
  onRebuildProgress?: (p: RebuildProgress) => void;
  rebuildBatchSize?: number;
  /** Aborts the rebuild (shutdown); the correction and adjustments already booked stay. */
  signal?: AbortSignal;
  /** Bound on each wait for the margins read model to catch up (default 60 s). */
  catchUpTimeoutMs?: number;
  onCatchUpProgress?: (p: MarginsCatchUpProgress) => void;
  /**
   * Default true: while waiting, project the margins read model too when no projector leads it (the
   * CLI against a stopped product); with a projector running this only stands by.
   */
  projectWhileWaiting?: boolean;
}

const VISIBLE_TIMEOUT_MS = 30_000;
const VISIBLE_POLL_MS = 50;

async function waitUntilVisible(
  store: EventStore,
  position: GlobalPosition,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (comparePositions(await store.headPosition(), position) < 0) {
    if (Date.now() > deadline) return; // the live projection applies them when they show
    await new Promise((ok) => setTimeout(ok, VISIBLE_POLL_MS));
  }
}

/** Position of the correction's last event in $all. */
async function appendedPosition(store: EventStore, correctionId: string): Promise<GlobalPosition> {
  const [event] = await store.readStream(correctionStream(correctionId), {
    direction: 'backwards',
    maxCount: 1,
  });
  if (!event) throw new Error(`correction ${correctionId} was not found after appending it`);
  return event.position;
}

export function adjustmentIdFor(correctionId: string): string {
  return `correction-${correctionId}`;
}

/**
 * AdjustCredits for re-rating: one entry per account and correction (the entry id is derived from the
 * correction id, so a second run finds it and does nothing, whatever the balance is by then). A debit
 * never takes the account past its overdraft limit: it is capped at available + overdraft and the rest
 * is reported as uncollected (an operator decides, e.g. by raising the overdraft and re-running).
 */
function rerateDecider(outcome: {
  capped: bigint | null;
  already: boolean;
}): Decider<AdjustCredits, AccountEvent, AccountState> {
  return {
    initialState: accountDecider.initialState,
    evolve: accountDecider.evolve,
    decide(command, state) {
      outcome.capped = null;
      outcome.already = false;
      if (state.status === 'open' && state.entries.has(command.adjustmentId)) {
        outcome.already = true;
        return [];
      }
      let amount = command.amountNanocredits;
      if (state.status === 'open' && amount < 0n) {
        const room = availableNanocredits(state.totals) + state.overdraftLimitNanocredits;
        const collectable = room > 0n ? room : 0n;
        if (-amount > collectable) {
          amount = -collectable;
          outcome.capped = amount;
        }
        if (amount === 0n) return [];
      }
      return accountDecider.decide({ ...command, amountNanocredits: amount }, state);
    },
  };
}

async function adjust(
  store: EventStore,
  appendedAt: (p: GlobalPosition) => void,
  command: AdjustCredits,
): Promise<Pick<AdjustmentOutcome, 'adjustedNanocredits' | 'outcome' | 'error'>> {
  const seen = { capped: null as bigint | null, already: false };
  try {
    const result = await handleCommand({
      store,
      streamId: accountStream(command.accountId),
      decider: rerateDecider(seen),
      command,
      maxAttempts: 8,
      metadata: { idempotencyKey: command.idempotencyKey, actor: command.actor },
      parse: (e: RecordedEvent) => {
        const parsed = parseAccountEvent(e.type, e.data);
        if (!parsed) throw new Error(`unexpected ${e.type} in ${e.streamId}`);
        return parsed;
      },
    });
    if (result.position) appendedAt(result.position);
    if (seen.already) return { adjustedNanocredits: 0n, outcome: 'already_adjusted' };
    const booked = result.events.find((e) => e.type === 'CreditsAdjusted');
    if (!booked) return { adjustedNanocredits: 0n, outcome: 'nothing_to_collect' };
    const amount = BigInt((booked.data as { amountNanocredits: string }).amountNanocredits);
    return { adjustedNanocredits: amount, outcome: seen.capped !== null ? 'capped' : 'adjusted' };
  } catch (err) {
    if (err instanceof DomainError)
      return { adjustedNanocredits: 0n, outcome: 'failed', error: `${err.code}: ${err.message}` };
    throw err;
  }
}

/**
 * Applies a correction: appends it to `correction-{id}` (a second apply of the same correction is a
 * no-op; other data under the same id is CORRECTION_CONFLICT), re-rates when asked, then rebuilds the
 * margins read model. Re-running after a crash finishes what is missing and repeats nothing.
 */
export async function applyCorrection(
  deps: CorrectionDeps,
  command: CorrectionCommand,
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  const invalid = validateCorrection(command);
  if (invalid) throw invalid;
  // Without re-rating the preview is only a report: taken as the read model stands, nothing waits.
  const reportOnly = command.rerate
    ? null
    : await previewCorrection(deps, command, { onProgress: options.onPreviewProgress });
  await migrateProjectionRuntime(deps.pool);
  await ensureProjection(deps.pool, marginsProjection);
  const catchUp = {
    project: options.projectWhileWaiting !== false,
    timeoutMs: options.catchUpTimeoutMs,
    onProgress: options.onCatchUpProgress,
    signal: options.signal,
  };
  // The re-rating amounts come from the margins read model: refuse, before writing anything, when it
  // has not projected everything recorded so far (a request it lacks would silently not be re-rated).
  if (command.rerate) await waitForMarginsCatchUp(deps, await deps.store.headPosition(), catchUp);
  const written = await handleCommand<
    CorrectionCommand,
    CorrectionEvent,
    ReturnType<typeof correctionDecider.initialState>
  >({
    store: deps.store,
    streamId: correctionStream(command.correctionId),
    decider: correctionDecider,
    command,
    metadata: { idempotencyKey: `correction:${command.correctionId}`, actor: command.actor },
    parse: (e: RecordedEvent) => {
      const parsed = parseCorrectionEvent(e.type, e.data);
      if (!parsed) throw new Error(`unexpected ${e.type} in ${e.streamId}`);
      return parsed;
    },
  });

  // Requests recorded up to the correction were charged without it: wait until the read model holds
  // them all, then take the amounts from it with the correction on top. A re-run finds the correction
  // already there and finishes what is missing.
  let preview = reportOnly;
  if (!preview) {
    const correctionAt = written.position ?? (await appendedPosition(deps.store, command.correctionId));
    try {
      await waitForMarginsCatchUp(deps, correctionAt, catchUp);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      throw new DomainError(
        err.code,
        `correction ${command.correctionId} is recorded but not re-rated yet: ${err.message}; ` +
          'applying it again re-rates and repeats nothing',
        err.details,
      );
    }
    preview = await previewCorrection(deps, command, {
      onProgress: options.onPreviewProgress,
      correctionAt,
    });
  }

  let last: GlobalPosition | undefined = written.position;
  const adjustments: AdjustmentOutcome[] = [];
  if (command.rerate) {
    const reasonCode = command.type === 'CorrectCostProfile' ? REASON_CODE.cost : REASON_CODE.price;
    const todo = preview.workspaces.filter((w) => w.chargeDeltaNanocredits !== 0n);
    for (const w of todo) {
      const requested = -w.chargeDeltaNanocredits;
      const r = await adjust(
        deps.store,
        (p) => {
          if (!last || comparePositions(p, last) > 0) last = p;
        },
        {
          type: 'AdjustCredits',
          accountId: w.accountId,
          idempotencyKey: `correction:${command.correctionId}:${w.accountId}`,
          now: command.now,
          adjustmentId: adjustmentIdFor(command.correctionId),
          amountNanocredits: requested,
          reasonCode,
          reference: command.correctionId,
          actor: command.actor,
        },
      );
      adjustments.push({
        accountId: w.accountId,
        workspaceId: w.workspaceId,
        requestedNanocredits: requested,
        adjustedNanocredits: r.adjustedNanocredits,
        uncollectedNanocredits:
          r.outcome === 'capped' || r.outcome === 'nothing_to_collect'
            ? r.adjustedNanocredits - requested
            : 0n,
        outcome: r.outcome,
        ...(r.error ? { error: r.error } : {}),
      });
      options.onAdjustment?.(adjustments.length, todo.length);
    }
  }

  // The rebuild reads up to the head readers can see; an older transaction elsewhere can hide our
  // appends for a moment, so wait (bounded) until they are visible. The live projection would catch
  // them anyway; this makes the rebuilt version include them from the start.
  if (options.rebuild !== false && last) await waitUntilVisible(deps.store, last, VISIBLE_TIMEOUT_MS);
  const rebuild =
    options.rebuild === false
      ? null
      : await rebuildProjections(deps.pool, deps.store, [marginsProjection], {
          onProgress: options.onRebuildProgress,
          batchSize: options.rebuildBatchSize,
          signal: options.signal,
        });
  return {
    correctionId: command.correctionId,
    appended: written.events.length > 0,
    preview,
    adjustments,
    rebuild,
  };
}
