import type { Command } from 'commander';
import { withRuntime } from '../runtime';
import { correctionFromOptions, type CorrectionOptions } from './correction-options';
import { correctionsApplyCommand, correctionsPreviewCommand } from './corrections.command';

function withCorrectionFlags(cmd: Command): Command {
  return cmd
    .requiredOption(
      '--id <correctionId>',
      'correction id (its stream; applying the same id again is a no-op)',
    )
    .option('--provider <providerId>', 'cost correction: provider')
    .option('--model <upstreamModel>', 'cost correction: upstream model')
    .option('--alias <alias>', 'price correction: alias')
    .requiredOption('--from <time>', 'window start (YYYY-MM-DD = 00:00 UTC, or ISO time with offset)')
    .option('--to <time>', 'window end, exclusive (default: open-ended)')
    .option('--input-per-million <credits>', 'input price, credits per million tokens')
    .option('--cached-per-million <credits>', 'cached input price (default: the input price)')
    .option('--output-per-million <credits>', 'output price, credits per million tokens')
    .option('--markup <percent>', 'price correction: markup on cost, percent')
    .requiredOption('--reason <text>', 'why (kept with the correction)')
    .option('--rerate', 're-rate customers: one compensating adjustment per workspace (off by default)')
    .option('--actor <id>', 'who corrects (default: cli)')
    .option('--json', 'print JSON');
}

/** `tollgate corrections preview|apply`. */
export function registerCorrectionsCommands(program: Command, exitWith: (code: number) => void): void {
  const corrections = program
    .command('corrections')
    .description('cost-profile and sell-price corrections over a time window, with preview and re-rating');
  withCorrectionFlags(corrections.command('preview'))
    .description(
      'what a correction would change: requests, cost, price and margin before/after, re-rating per workspace',
    )
    .action(async (opts: CorrectionOptions & { json?: boolean }) => {
      const command = correctionFromOptions(opts, new Date());
      exitWith(
        await withRuntime((rt) =>
          correctionsPreviewCommand(rt, command, opts, process.stdout, process.stderr),
        ),
      );
    });
  withCorrectionFlags(corrections.command('apply'))
    .description('apply a correction, re-rate if asked, then rebuild the margins read model (blue/green)')
    .option('--no-rebuild', 'skip the margins rebuild (the live projection still re-costs)')
    .action(async (opts: CorrectionOptions & { json?: boolean; rebuild?: boolean }) => {
      const command = correctionFromOptions(opts, new Date());
      exitWith(
        await withRuntime((rt) => correctionsApplyCommand(rt, command, opts, process.stdout, process.stderr)),
      );
    });
}
