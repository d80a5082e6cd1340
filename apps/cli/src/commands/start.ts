import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Pool } from 'pg';
import { loadConfig, openRuntimeDatabase } from '@tollgate/platform';
import { AppModule } from '../app.module';
import { migrateAll } from './migrate';

const SHUTDOWN_GRACE_MS = 10_000;

/** `tollgate start`: everything in one process on embedded defaults. */
export async function startCommand(out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const config = loadConfig();
  const say = (line: string): void => void out.write(`${line}\n`);
  const db = await openRuntimeDatabase(config, say);
  const pool = new Pool({ connectionString: db.url, max: 20 });
  await migrateAll(pool, say);

  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot({ config, pool }),
    new FastifyAdapter({ bodyLimit: 4 * 1024 * 1024 }),
    { logger: ['error', 'warn'] },
  );
  await app.listen(config.port, config.host);
  const url = `http://127.0.0.1:${config.port}`;
  say('');
  say(`Tollgate is running at ${url}`);
  say(`  database:     ${db.embedded ? `embedded PostgreSQL (${db.embedded.dataDir})` : 'DATABASE_URL'}`);
  say(`  event store:  ${config.eventStoreUrl ? 'EventStoreDB (EVENTSTORE_URL)' : 'PostgreSQL'}`);
  say(`  admin token:  ${config.adminToken}${config.adminTokenGenerated ? '  (generated, kept in the data dir)' : ''}`);
  say(`  health:       ${url}/healthz  ${url}/readyz`);

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: shutting down`);
    const force = setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS);
    force.unref();
    await app.close();
    await pool.end();
    await db.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
