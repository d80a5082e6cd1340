#!/usr/bin/env node
import 'reflect-metadata';
import { Command } from 'commander';
import { Pool } from 'pg';
import { loadConfig, openRuntimeDatabase } from '@tollgate/platform';
import { migrateAll } from './commands/migrate';
import { startCommand } from './commands/start';

const program = new Command('tollgate').description('Tollgate: AI gateway with a prepaid-credits ledger');

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
    const config = loadConfig();
    const db = await openRuntimeDatabase(config, (l) => console.log(l));
    const pool = new Pool({ connectionString: db.url, max: 2 });
    try {
      await migrateAll(pool, (l) => console.log(l));
    } finally {
      await pool.end();
      await db.close();
    }
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  const code = (err as { code?: string }).code;
  console.error(`tollgate: ${err instanceof Error ? err.message : String(err)}${code ? ` (${code})` : ''}`);
  process.exit(1);
});
