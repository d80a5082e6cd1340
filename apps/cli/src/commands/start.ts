import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Pool } from 'pg';
import { loadConfig, openRuntimeDatabase, type TollgateConfig } from '@tollgate/platform';
import { paymentsConfigFromEnv } from '@tollgate/payments';
import { CommandBus } from '@nestjs/cqrs';
import { GatewayAdmin } from '../../../gateway/src/catalog/gateway-admin';
import { acceptRawWebhookBodies } from '../../../portal/src/webhooks/raw-body';
import { AppModule } from '../app.module';
import { seedDemo, type DemoLogins } from '../demo/demo-seed';
import { openEventStore } from '../runtime';
import { migrateAll } from './migrate';

const SHUTDOWN_GRACE_MS = 10_000;
const BODY_LIMIT_BYTES = 4 * 1024 * 1024;

export interface RunningTollgate {
  app: NestFastifyApplication;
  url: string;
  config: TollgateConfig;
  demo?: DemoLogins;
  close(): Promise<void>;
}

/** Opens the database (embedded unless DATABASE_URL), migrates, and serves every app on one port. */
export async function bootstrap(
  config: TollgateConfig,
  say: (line: string) => void,
): Promise<RunningTollgate> {
  const db = await openRuntimeDatabase(config, say);
  const pool = new Pool({ connectionString: db.url, max: 20 });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', (err) => say(`database connection lost: ${err.message}`));
  const store = openEventStore(config, pool);
  try {
    await migrateAll(pool, say);
    const payments = paymentsConfigFromEnv({ ...process.env, PORT: String(config.port) });
    const app = await NestFactory.create<NestFastifyApplication>(
      AppModule.forRoot({ config, pool, store, payments }),
      new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES }),
      { logger: ['error', 'warn'], rawBody: true },
    );
    acceptRawWebhookBodies(app.getHttpAdapter().getInstance());
    app.enableShutdownHooks();
    await app.listen(config.port, config.host);
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const url = `http://127.0.0.1:${port}`;
    const demo = config.seedDemo
      ? await seedDemo({
          pool,
          commandBus: app.get(CommandBus),
          admin: app.get(GatewayAdmin),
          dataDir: config.dataDir,
          baseUrl: url,
        })
      : undefined;
    return {
      app,
      url,
      demo,
      config,
      close: async () => {
        await app.close();
        await store.close();
        await pool.end();
        await db.close();
      },
    };
  } catch (err) {
    await store.close().catch(() => undefined);
    await pool.end().catch(() => undefined);
    await db.close().catch(() => undefined);
    throw err;
  }
}

/** `tollgate start`: everything in one process on embedded defaults. */
export async function startCommand(out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const say = (line: string): void => void out.write(`${line}\n`);
  const config = loadConfig();
  const running = await bootstrap(config, say);
  const { url } = running;
  say('');
  say(`Tollgate is running at ${url}`);
  say(
    `  database:     ${config.databaseUrl ? 'DATABASE_URL' : `embedded PostgreSQL (${config.dataDir}/postgres)`}`,
  );
  say(`  event store:  ${config.eventStoreUrl ? 'EventStoreDB (EVENTSTORE_URL)' : 'PostgreSQL'}`);
  say(
    `  admin token:  ${config.adminToken}${config.adminTokenGenerated ? '  (generated, kept in the data dir)' : ''}`,
  );
  say(`  health:       ${url}/healthz  ${url}/readyz`);
  const demo = running.demo;
  if (demo) {
    say('');
    say('Demo (seeded):');
    say(`  portal:       ${url}/login`);
    say(`  customer:     ${demo.customerEmail} / ${demo.customerPassword}`);
    say(`  admin:        ${demo.adminEmail} / ${demo.adminPassword}`);
    say(`  API key:      ${demo.apiKey}`);
    say(`  try it:       curl ${url}/v1/chat/completions -H "Authorization: Bearer ${demo.apiKey}" \\`);
    say(
      `                  -H 'content-type: application/json' -d '{"model":"${demo.alias}","messages":[{"role":"user","content":"hi"}]}'`,
    );
  }

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: shutting down`);
    const force = setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS);
    force.unref();
    await running.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
