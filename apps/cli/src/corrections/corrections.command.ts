import type { Pool } from 'pg';
import type { CorrectionCommand } from '@tollgate/catalog';
import { DomainError, type EventStore } from '@tollgate/event-store';
import { formatCredits } from '@tollgate/money';
import {
  applyCorrection,
  createProgress,
  previewCorrection,
  type ApplyResult,
  type PreviewResult,
} from '@tollgate/projections';

/** Where the commands write (process.stdout / stderr in the CLI, buffers in tests). */
export interface CorrectionsOutput {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface CorrectionsDeps {
  pool: Pool;
  store: EventStore;
}

function targetText(p: PreviewResult): string {
  return p.target.kind === 'cost'
    ? `cost profile ${p.target.providerId}/${p.target.upstreamModel}`
    : `sell price of ${p.target.alias}`;
}

function windowText(p: PreviewResult): string {
  return `[${new Date(p.fromMs).toISOString()}, ${p.toMs === null ? 'open end' : new Date(p.toMs).toISOString()})`;
}

export function* formatPreview(p: PreviewResult): Generator<string> {
  yield `correction ${p.correctionId}: ${targetText(p)} over ${windowText(p)}${p.rerate ? ', re-rating customers' : ''}\n`;
  if (p.lagEvents > 0)
    yield `warning: the margins read model is ${p.lagEvents}${p.lagEvents >= 10_000 ? '+' : ''} events behind (is the projector running?); requests since are not counted\n`;
  yield `requests affected  ${p.requests}\n`;
  yield `provider cost      ${formatCredits(p.costBeforeNanocredits)} → ${formatCredits(p.costAfterNanocredits)}\n`;
  yield `price              ${formatCredits(p.priceBeforeNanocredits)} → ${formatCredits(p.priceAfterNanocredits)}\n`;
  yield `margin             ${formatCredits(p.marginBeforeNanocredits)} → ${formatCredits(p.marginAfterNanocredits)}\n`;
  if (!p.rerate) return;
  yield `charge difference per workspace (positive: the customer owes more):\n`;
  if (p.workspaces.length === 0) yield '  (none)\n';
  for (const w of p.workspaces)
    yield `  ${w.workspaceId} (account ${w.accountId}): ${w.requests} requests, ${formatCredits(w.chargeDeltaNanocredits)}\n`;
}

function jsonable(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
}

function explain(err: unknown, out: CorrectionsOutput): number {
  if (err instanceof DomainError) {
    out.write(`tollgate: ${err.message} (${err.code})\n`);
    return 2;
  }
  throw err;
}

/** `tollgate corrections preview`: what the correction would do; writes nothing. */
export async function correctionsPreviewCommand(
  deps: CorrectionsDeps,
  command: CorrectionCommand,
  options: { json?: boolean },
  out: CorrectionsOutput,
  err: CorrectionsOutput = out,
): Promise<number> {
  const progress = createProgress(err, 'preview');
  let result: PreviewResult;
  try {
    result = await previewCorrection(deps, command, {
      onProgress: (p) =>
        progress.update(
          p.requestsTotal ? p.requestsDone / p.requestsTotal : 1,
          `${p.requestsDone}/${p.requestsTotal} requests`,
        ),
    });
  } catch (e) {
    return explain(e, err);
  }
  progress.done(`${result.requests} requests`);
  if (options.json) out.write(`${JSON.stringify(jsonable(result), null, 2)}\n`);
  else for (const chunk of formatPreview(result)) out.write(chunk);
  return 0;
}

/** `tollgate corrections apply`: appends the correction, re-rates if asked, rebuilds the margins read model. */
export async function correctionsApplyCommand(
  deps: CorrectionsDeps,
  command: CorrectionCommand,
  options: { json?: boolean; rebuild?: boolean },
  out: CorrectionsOutput,
  err: CorrectionsOutput = out,
): Promise<number> {
  const preview = createProgress(err, 'preview');
  const adjusting = createProgress(err, 're-rate');
  const rebuild = createProgress(err, 'rebuild margins');
  const catchUp = createProgress(err, 'waiting for the margins read model');
  let behindAtStart = 0;
  let result: ApplyResult;
  try {
    result = await applyCorrection(deps, command, {
      rebuild: options.rebuild !== false,
      onCatchUpProgress: (p) => {
        behindAtStart = Math.max(behindAtStart, p.lagEvents);
        catchUp.update(
          behindAtStart ? 1 - p.lagEvents / behindAtStart : 0,
          `${p.lagEvents} events behind, ${(p.elapsedMs / 1000).toFixed(0)} s`,
        );
      },
      onPreviewProgress: (p) =>
        preview.update(
          p.requestsTotal ? p.requestsDone / p.requestsTotal : 1,
          `${p.requestsDone}/${p.requestsTotal} requests`,
        ),
      onAdjustment: (done, total) =>
        adjusting.update(total ? done / total : 1, `${done}/${total} workspaces`),
      onRebuildProgress: (p) => {
        if (p.phase === 'done')
          rebuild.done(`${p.eventsRead} events in ${(p.elapsedMs / 1000).toFixed(1)} s`);
        else
          rebuild.update(
            p.fraction,
            `${p.eventsRead} events, ${p.eventsPerSecond}/s${p.phase === 'switching' ? ', switching' : ''}`,
          );
      },
    });
  } catch (e) {
    return explain(e, err);
  }
  if (options.json) {
    out.write(`${JSON.stringify(jsonable(result), null, 2)}\n`);
  } else {
    out.write(
      result.appended
        ? `applied correction ${result.correctionId}\n`
        : `correction ${result.correctionId} was already applied: nothing appended\n`,
    );
    for (const chunk of formatPreview(result.preview)) out.write(chunk);
    for (const a of result.adjustments)
      out.write(
        `  adjustment ${a.workspaceId} (account ${a.accountId}): ${a.outcome}, booked ${formatCredits(a.adjustedNanocredits)}` +
          `${a.uncollectedNanocredits !== 0n ? `, uncollected ${formatCredits(a.uncollectedNanocredits)}` : ''}${a.error ? ` (${a.error})` : ''}\n`,
      );
    for (const r of result.rebuild ?? [])
      out.write(
        r.ok
          ? `${r.name}: v${r.fromVersion} → v${r.toVersion}, live\n`
          : `${r.name}: rebuild failed: ${r.error}\n`,
      );
  }
  const failed =
    result.adjustments.some((a) => a.outcome === 'failed') || (result.rebuild ?? []).some((r) => !r.ok);
  return failed ? 1 : 0;
}
