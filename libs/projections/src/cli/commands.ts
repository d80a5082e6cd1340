import type { Pool } from 'pg';
import type { EventStore } from '@tollgate/event-store';
import { differenceLine, formatReplay, type ReplayFormat } from '../audit/format';
import { replayAccount, verifyAll } from '../audit/replay';
import { LEDGER_PROJECTIONS } from '../read-models';
import type { AnyProjection } from '../runtime/projection';
import { rebuildProjections } from '../runtime/rebuild';
import { projectionStatus } from '../runtime/status';
import { createProgress, type ProgressOutput } from './progress';

/** A stream the commands write to (process.stdout in the CLI, a buffer in tests). */
export interface CommandOutput extends ProgressOutput {
  write(chunk: string): unknown;
}

export interface CommandDeps {
  pool: Pool;
  store: EventStore;
  /** Defaults to the ledger read models. */
  projections?: readonly AnyProjection[];
}

function pick(deps: CommandDeps, name: string | undefined): AnyProjection[] {
  const all = deps.projections ?? LEDGER_PROJECTIONS;
  if (!name) return [...all];
  const found = all.filter((p) => p.name === name);
  if (found.length === 0)
    throw Object.assign(
      new Error(`unknown projection ${name}; known: ${all.map((p) => p.name).join(', ')}`),
      {
        code: 'PROJECTION_UNKNOWN',
      },
    );
  return found;
}

/** `tollgate projections status [--json]`: version, checkpoint, head and lag per projection. */
export async function projectionsStatusCommand(
  deps: CommandDeps,
  options: { json?: boolean },
  out: CommandOutput,
): Promise<number> {
  const rows = await projectionStatus(deps.pool, deps.store, pick(deps, undefined));
  if (options.json) {
    out.write(`${JSON.stringify(rows, null, 2)}\n`);
  } else {
    const header = [
      'projection',
      'version',
      'status',
      'checkpoint',
      'head',
      'lag events',
      'lag s',
      'building',
    ];
    const table = rows.map((r) => [
      r.name,
      r.liveVersion === null
        ? '-'
        : `v${r.liveVersion} (code ${r.liveSchema}${r.liveSchema !== r.codeVersion ? ` → ${r.codeVersion}` : ''})`,
      r.status,
      r.checkpoint,
      r.head,
      `${r.lagEvents}${r.lagEventsAtLeast ? '+' : ''}`,
      r.lagSeconds.toFixed(1),
      r.building ? `v${r.building.version} at ${r.building.checkpoint}` : '-',
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
    for (const r of [header, ...table])
      out.write(
        `${r
          .map((c, i) => c.padEnd(widths[i]))
          .join('  ')
          .trimEnd()}\n`,
      );
    for (const r of rows) if (r.error) out.write(`${r.name} failed: ${r.error}\n`);
  }
  return rows.some((r) => r.status === 'failed') ? 1 : 0;
}

/** `tollgate projections rebuild [name]`: next version from position 0, then an atomic switch. */
export async function projectionsRebuildCommand(
  deps: CommandDeps,
  options: { name?: string; batchSize?: number },
  out: CommandOutput,
): Promise<number> {
  const targets = pick(deps, options.name);
  const progress = createProgress(out, `rebuild ${targets.map((p) => p.name).join(', ')}`);
  const results = await rebuildProjections(deps.pool, deps.store, targets, {
    batchSize: options.batchSize,
    onProgress: (p) => {
      const detail = `${p.eventsRead} events, ${p.eventsPerSecond}/s${p.phase === 'switching' ? ', switching' : ''}`;
      if (p.phase === 'done') progress.done(`${p.eventsRead} events in ${(p.elapsedMs / 1000).toFixed(1)} s`);
      else progress.update(p.fraction, detail);
    },
  });
  for (const r of results)
    out.write(
      r.ok
        ? `${r.name}: v${r.fromVersion} → v${r.toVersion}, live\n`
        : `${r.name}: rebuild failed: ${r.error}\n`,
    );
  return results.every((r) => r.ok) ? 0 : 1;
}

/** `tollgate replay --account <id> [--json|--csv]`: history with running balance, compared with the read models. */
export async function replayCommand(
  deps: CommandDeps,
  options: { accountId: string; format?: ReplayFormat },
  out: CommandOutput,
  err: CommandOutput = out,
): Promise<number> {
  const result = await replayAccount(deps.store, deps.pool, options.accountId);
  for (const chunk of formatReplay(result, options.format ?? 'table')) out.write(chunk);
  if (result.rows.length === 0 && result.differences.length === 0) {
    err.write(`account ${options.accountId}: no events\n`);
    return 1;
  }
  for (const d of result.differences) err.write(`DIFFERENCE ${differenceLine(result.accountId, d)}\n`);
  if (result.differences.length === 0 && (options.format ?? 'table') === 'table')
    out.write('read models match the replay\n');
  return result.differences.length === 0 ? 0 : 1;
}

/** `tollgate verify [--json]`: replay every account; non-zero exit naming each difference. */
export async function verifyCommand(
  deps: CommandDeps,
  options: { json?: boolean },
  out: CommandOutput,
  err: CommandOutput = out,
): Promise<number> {
  const progress = createProgress(err, 'verify');
  const result = await verifyAll(deps.store, deps.pool, {
    onProgress: (p) =>
      progress.update(
        p.total ? p.done / p.total : 1,
        `${p.done}/${p.total} accounts, ${p.differences} differences`,
      ),
  });
  progress.done(`${result.accounts} accounts`);
  if (options.json) out.write(`${JSON.stringify(result, null, 2)}\n`);
  for (const f of result.failed)
    for (const d of f.differences) err.write(`DIFFERENCE ${differenceLine(f.accountId, d)}\n`);
  if (!options.json)
    out.write(
      result.failed.length === 0
        ? `verified ${result.accounts} accounts: read models match the event store\n`
        : `${result.failed.length} of ${result.accounts} accounts differ\n`,
    );
  return result.failed.length === 0 ? 0 : 1;
}
