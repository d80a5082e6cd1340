#!/usr/bin/env node
import 'reflect-metadata';
import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Pool } from 'pg';
import { migrateIdentity } from '@tollgate/identity';
import { loadConfig, openRuntimeDatabase } from '@tollgate/platform';
import { cookieSecureFromEnv } from './identity/portal-options';
import { PortalModule } from './portal.module';

const POOL = Symbol('PORTAL_STANDALONE_POOL');

@Module({})
class PortalAppModule {
  static forRoot(pool: Pool): DynamicModule {
    return {
      module: PortalAppModule,
      global: true,
      imports: [PortalModule.forRoot({ poolToken: POOL, cookieSecure: cookieSecureFromEnv() })],
      providers: [{ provide: POOL, useValue: pool }],
      exports: [POOL],
    };
  }
}

/** The portal alone (`node dist/apps/portal/src/main.js`); `tollgate start` serves it with everything else. */
async function main(): Promise<void> {
  const config = loadConfig();
  const db = await openRuntimeDatabase(config, (line) => console.log(line));
  const pool = new Pool({ connectionString: db.url, max: 10 });
  await migrateIdentity(pool);
  const app = await NestFactory.create<NestFastifyApplication>(
    PortalAppModule.forRoot(pool),
    new FastifyAdapter({ bodyLimit: 1024 * 1024 }),
    { logger: ['error', 'warn'], rawBody: true },
  );
  app.enableShutdownHooks();
  await app.listen(config.port, config.host);
  console.log(`Tollgate portal on http://${config.host}:${config.port}`);
  const stop = async (): Promise<void> => {
    await app.close();
    await pool.end();
    await db.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  console.error(`portal: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
