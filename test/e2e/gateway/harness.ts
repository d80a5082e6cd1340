import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import Ajv2020 from 'ajv/dist/2020';
import OpenAI from 'openai';
import { Pool } from 'pg';
import { DomainError, migrateEventStore, PostgresEventStore } from '@tollgate/event-store';
import type { LeaseAdmission, UpstreamTimeouts } from '@tollgate/gateway-core';
import {
  accountDecider,
  parseAccountEvent,
  parseUsageEvent,
  availableNanocredits,
  type UsageRecorded,
} from '@tollgate/ledger';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { runAccountCommand } from '../../../apps/gateway/src/admission/ledger-lease-ledger';
import { createLeaseAdmission } from '../../../apps/gateway/src/gateway-app';
import { GatewayAdmin } from '../../../apps/gateway/src/catalog/gateway-admin';
import { GatewayModule } from '../../../apps/gateway/src/gateway.module';
import { FakeUpstream } from '../../fakes/fake-upstream';

/** CI copies shared/ beside the repository clone; locally it sits beside /work/main too. */
function sharedFile(name: string): string {
  const candidates = [
    resolve(__dirname, '../../../../shared', name),
    resolve(__dirname, '../../../shared', name),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`shared/${name} not found beside the repository`);
  return found;
}

/** Validators for the official OpenAI response schemas (shared/openai-schemas.json). */
export function openAiSchemas(): (schema: string, value: unknown) => string | null {
  const doc = JSON.parse(readFileSync(sharedFile('openai-schemas.json'), 'utf8')) as Record<string, unknown>;
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema({ $id: 'openai', components: doc.components }, 'openai');
  const cache = new Map<string, ReturnType<typeof ajv.compile>>();
  return (schema, value) => {
    let validate = cache.get(schema);
    if (!validate) {
      validate = ajv.compile({ $ref: `openai#/components/schemas/${schema}` });
      cache.set(schema, validate);
    }
    return validate(value) ? null : ajv.errorsText(validate.errors);
  };
}

export interface GatewayHarness {
  url: string;
  app: NestFastifyApplication;
  admin: GatewayAdmin;
  admission: LeaseAdmission;
  store: PostgresEventStore;
  upstream: FakeUpstream;
  /** A second provider's fake upstream (for fallback across providers). */
  upstreamB: FakeUpstream;
  providerA: string;
  providerB: string;
  workspaceId: string;
  accountId: string;
  /** Opens the account and grants it credits (decimal string). */
  fundAccount(accountId: string, credits: bigint): Promise<void>;
  client(apiKey: string): OpenAI;
  /** The UsageRecorded of a request (flushes pending usage first). */
  usageOf(requestId: string): Promise<UsageRecorded>;
  availableNanocredits(accountId: string): Promise<bigint>;
  close(): Promise<void>;
}

export const NANOS = 1_000_000_000n;

export async function startGateway(
  options: { timeouts?: Partial<UpstreamTimeouts>; bodyLimitBytes?: number } = {},
): Promise<GatewayHarness> {
  const db: TestDatabase = await createTestDatabase();
  const pool = new Pool({ connectionString: db.url, max: 10 });
  await migrateEventStore(pool);
  const store = new PostgresEventStore({ pool });
  const admission = createLeaseAdmission(store);
  const [upstream, upstreamB] = await Promise.all([FakeUpstream.start(), FakeUpstream.start()]);
  const app = await NestFactory.create<NestFastifyApplication>(
    GatewayModule.forRoot({
      pool,
      masterKey: randomBytes(32),
      admission,
      warmTokenizer: false,
      cache: { keyTtlMs: 0, snapshotTtlMs: 0 },
      upstream: { timeouts: { connectMs: 1_000, headersMs: 2_000, bodyIdleMs: 2_000, ...options.timeouts } },
      circuitBreaker: { failureThreshold: 3, coolDownMs: 60_000 },
      keySpendFlushMs: 20,
    }),
    // Tests end with keep-alive connections a client abandoned: close them rather than wait them out.
    new FastifyAdapter({ bodyLimit: options.bodyLimitBytes ?? 256 * 1024, forceCloseConnections: true }),
    { logger: false },
  );
  app.enableShutdownHooks();
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const admin = app.get(GatewayAdmin);
  const { id: providerA } = await admin.createProvider({
    name: 'fake-a',
    baseUrl: upstream.url,
    apiKey: 'sk-upstream-a',
  });
  const { id: providerB } = await admin.createProvider({
    name: 'fake-b',
    baseUrl: upstreamB.url,
    apiKey: 'sk-upstream-b',
  });

  const fundAccount = async (accountId: string, credits: bigint): Promise<void> => {
    const now = new Date().toISOString();
    const opened = await runAccountCommand(store, {
      type: 'OpenAccount',
      accountId,
      idempotencyKey: `open-${accountId}`,
      now,
      workspaceId: `ws-${accountId}`,
      creditCurrency: 'EUR',
      overdraftLimitNanocredits: 0n,
    });
    if (opened instanceof DomainError && opened.code !== 'ACCOUNT_ALREADY_OPEN') throw opened;
    const granted = await runAccountCommand(store, {
      type: 'GrantCredits',
      accountId,
      idempotencyKey: `grant-${randomUUID()}`,
      now,
      grantId: `grant-${randomUUID()}`,
      amountNanocredits: credits,
      kind: 'manual',
      reason: 'e2e test',
      actor: 'test',
    });
    if (granted instanceof DomainError) throw granted;
  };

  const workspaceId = `ws-${randomUUID().slice(0, 8)}`;
  const accountId = `acct-${randomUUID().slice(0, 8)}`;
  await fundAccount(accountId, 100n * NANOS);

  return {
    url,
    app,
    admin,
    admission,
    store,
    upstream,
    upstreamB,
    providerA,
    providerB,
    workspaceId,
    accountId,
    fundAccount,
    client: (apiKey) => new OpenAI({ apiKey, baseURL: `${url}/v1`, maxRetries: 0, timeout: 10_000 }),
    async usageOf(requestId) {
      for (let i = 0; i < 100; i++) {
        await admission.flush();
        const events = await store.readAll({ maxCount: 100_000 });
        for (const e of events) {
          if (e.type !== 'UsageRecorded') continue;
          const parsed = parseUsageEvent(e.type, e.data);
          if (parsed?.type === 'UsageRecorded' && parsed.data.requestId === requestId) return parsed.data;
        }
        await new Promise((ok) => setTimeout(ok, 20));
      }
      throw new Error(`no UsageRecorded for ${requestId}`);
    },
    async availableNanocredits(id) {
      const events = await store.readStream(`account-${id}`);
      let state = accountDecider.initialState();
      for (const e of events) {
        const parsed = parseAccountEvent(e.type, e.data);
        if (parsed) state = accountDecider.evolve(state, parsed);
      }
      if (state.status !== 'open') throw new Error(`account ${id} is not open`);
      return availableNanocredits(state.totals);
    },
    async close() {
      await app.close();
      await Promise.all([upstream.close(), upstreamB.close()]);
      await store.close();
      await pool.end();
      await db.drop();
    },
  };
}
