#!/usr/bin/env node
import 'reflect-metadata';
import { Command, Option } from 'commander';
import { createAdmin } from '@tollgate/identity';
import {
  projectionsRebuildCommand,
  projectionsStatusCommand,
  replayCommand,
  verifyCommand,
} from '@tollgate/projections';
import { ALL_PROJECTIONS } from './projections';
import { migrateAll } from './commands/migrate';
import { startCommand } from './commands/start';
import { applyCommand } from './apply/apply.command';
import { registerCorrectionsCommands } from './corrections/register';
import { withRuntime } from './runtime';

const program = new Command('tollgate').description('Tollgate: AI gateway with a prepaid-credits ledger');

/** Commands that decide an exit code set it here; the process exits once everything is closed. */
function exitWith(code: number): void {
  process.exitCode = code;
}

program
  .command('start')
  .description('run gateway, portal and projector in one process (embedded defaults, seeded demo)')
  .action(async () => {
    await startCommand();
  });

program
  .command('migrate')
  .description('create or update every database schema (idempotent)')
  .action(async () => {
    await withRuntime(async ({ pool }) => migrateAll(pool, (l) => console.log(l)));
  });

program
  .command('apply')
  .description('apply a declarative catalog file (providers, costs, aliases, prices, statuses); idempotent')
  .requiredOption('-f, --file <file>', 'catalog YAML file')
  .option('--dry-run', 'print the plan and apply nothing')
  .action(async (opts: { file: string; dryRun?: boolean }) => {
    exitWith(await withRuntime((rt) => applyCommand(rt, opts, process.stdout, process.stderr)));
  });

const projections = program.command('projections').description('read-model projections');
projections
  .command('status')
  .description('version, checkpoint, head and lag of each projection')
  .option('--json', 'print JSON')
  .action(async (opts: { json?: boolean }) => {
    exitWith(
      await withRuntime((rt) =>
        projectionsStatusCommand({ ...rt, projections: ALL_PROJECTIONS }, opts, process.stdout),
      ),
    );
  });
projections
  .command('rebuild [name]')
  .description('build the next version from position 0, then switch readers atomically')
  .action(async (name: string | undefined) => {
    exitWith(
      await withRuntime((rt) =>
        projectionsRebuildCommand({ ...rt, projections: ALL_PROJECTIONS }, { name }, process.stdout),
      ),
    );
  });

program
  .command('replay')
  .description("an account's full history with running balance, compared with the read models")
  .requiredOption('--account <id>', 'account id')
  .addOption(new Option('--json', 'print JSON').conflicts('csv'))
  .option('--csv', 'print CSV')
  .action(async (opts: { account: string; json?: boolean; csv?: boolean }) => {
    const format = opts.json ? 'json' : opts.csv ? 'csv' : 'table';
    exitWith(
      await withRuntime((rt) =>
        replayCommand(rt, { accountId: opts.account, format }, process.stdout, process.stderr),
      ),
    );
  });

program
  .command('verify')
  .description('replay every account and compare with every read model; non-zero exit on any difference')
  .option('--json', 'print JSON')
  .action(async (opts: { json?: boolean }) => {
    exitWith(await withRuntime((rt) => verifyCommand(rt, opts, process.stdout, process.stderr)));
  });

registerCorrectionsCommands(program, exitWith);

const admin = program.command('admin').description('operator administrators');
admin
  .command('create')
  .description('create an operator admin (or promote an existing user)')
  .requiredOption('--email <email>', 'login email')
  .option('--password <password>', 'password (else TOLLGATE_ADMIN_PASSWORD)')
  .option('--reset-password', 'replace the password of an existing user')
  .action(async (opts: { email: string; password?: string; resetPassword?: boolean }) => {
    const password = opts.password ?? process.env.TOLLGATE_ADMIN_PASSWORD;
    if (!password)
      throw Object.assign(new Error('give --password or TOLLGATE_ADMIN_PASSWORD'), { code: 'USAGE' });
    await withRuntime(async ({ pool }) => {
      const { user, created } = await createAdmin(pool, {
        email: opts.email,
        password,
        resetPassword: opts.resetPassword,
      });
      console.log(`${created ? 'created' : 'promoted'} admin ${user.email}`);
    });
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  const code = (err as { code?: string }).code;
  console.error(`tollgate: ${err instanceof Error ? err.message : String(err)}${code ? ` (${code})` : ''}`);
  process.exit(1);
});
