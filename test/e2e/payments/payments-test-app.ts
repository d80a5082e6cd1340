import 'reflect-metadata';
import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Pool } from 'pg';
import { DomainError, PostgresEventStore } from '@tollgate/event-store';
import { createAdmin, createWorkspaceWithOwner, migrateIdentity, type Workspace } from '@tollgate/identity';
import {
  accountDecider,
  accountStream,
  availableNanocredits,
  parseAccountEvent,
  type AccountCommand,
  type AccountEvent,
  type AccountState,
} from '@tollgate/ledger';
import {
  handleCommand,
  loadState,
  paymentOrdersProjection,
  type CreditingReactor,
  type PaymentsConfig,
} from '@tollgate/payments';
import { ProjectionRunner, waitForProjections } from '@tollgate/projections';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { CREDITING_REACTOR, PaymentsModule } from '../../../apps/portal/src/payments';
import { WebhooksModule } from '../../../apps/portal/src/webhooks';
import { PortalModule } from '../../../apps/portal/src/portal.module';
import { PortalClient } from '../portal/portal-test-app';

const POOL = Symbol('TEST_PG_POOL');
const STORE = Symbol('TEST_EVENT_STORE');
export const ADMIN_TOKEN = 'tga_payments_admin_token_0123456789';
export const PASSWORD = 'correct horse battery';

@Module({})
class TestRootModule {
  static forRoot(pool: Pool, store: PostgresEventStore, config: PaymentsConfig): DynamicModule {
    return {
      module: TestRootModule,
      global: true,
      imports: [
        PortalModule.forRoot({ poolToken: POOL, adminToken: ADMIN_TOKEN }),
        PaymentsModule.forRoot({ poolToken: POOL, eventStoreToken: STORE, config }),
        WebhooksModule,
      ],
      providers: [
        { provide: POOL, useValue: pool },
        { provide: STORE, useValue: store },
      ],
      exports: [POOL, STORE],
    };
  }
}

export interface PaymentsTestApp {
  url: string;
  pool: Pool;
  store: PostgresEventStore;
  acme: Workspace;
  globex: Workspace;
  /** The app's own crediting reactor: `catchUpToOrder` waits until an order's events were handled. */
  reactor: CreditingReactor;
  availableNanocredits(workspaceId: string): Promise<bigint>;
  /** Waits (bounded) until the projector has caught up with everything appended so far. */
  projected(): Promise<void>;
  close(): Promise<void>;
}

/** The portal with payments and webhooks, as `tollgate start` would serve it (fastify, rawBody). */
export async function startPaymentsApp(config: PaymentsConfig): Promise<PaymentsTestApp> {
  const db: TestDatabase = await createTestDatabase();
  const pool = new Pool({ connectionString: db.url, max: 12 });
  // Dropping the database at teardown terminates idle connections; that is expected, not a failure.
  pool.on('error', () => {});
  const store = new PostgresEventStore({ pool });
  await store.migrate();
  await migrateIdentity(pool);
  await createAdmin(pool, { email: 'admin@tollgate.test', password: PASSWORD });
  const acme = await createWorkspaceWithOwner(pool, {
    workspaceName: 'Acme',
    ownerEmail: 'alice@acme.test',
    ownerPassword: PASSWORD,
    ownerDisplayName: 'Alice',
  });
  const globex = await createWorkspaceWithOwner(pool, {
    workspaceName: 'Globex',
    ownerEmail: 'bob@globex.test',
    ownerPassword: PASSWORD,
    ownerDisplayName: 'Bob',
  });
  // Accounts are opened by whoever creates workspaces; here by hand (account id = workspace id).
  for (const ws of [acme.workspace, globex.workspace]) {
    const r = await handleCommand<AccountCommand, AccountEvent, AccountState>({
      store,
      streamId: accountStream(ws.id),
      decider: accountDecider,
      parse: parseAccountEvent,
      command: {
        type: 'OpenAccount',
        accountId: ws.id,
        idempotencyKey: `open-${ws.id}`,
        now: new Date().toISOString(),
        workspaceId: ws.id,
        creditCurrency: 'USD',
        overdraftLimitNanocredits: 0n,
      },
    });
    if (r instanceof DomainError) throw r;
  }
  const app = await NestFactory.create<NestFastifyApplication>(
    TestRootModule.forRoot(pool, store, config),
    new FastifyAdapter({ bodyLimit: 1024 * 1024 }),
    { logger: ['error'], rawBody: true },
  );
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const runner = new ProjectionRunner({
    pool,
    store,
    projections: [paymentOrdersProjection],
    lockRetryMs: 200,
    log: () => {},
  });
  await runner.start();
  return {
    url: `http://127.0.0.1:${port}`,
    pool,
    store,
    acme: acme.workspace,
    globex: globex.workspace,
    reactor: app.get<CreditingReactor>(CREDITING_REACTOR),
    async availableNanocredits(workspaceId) {
      const { state } = await loadState(store, accountStream(workspaceId), accountDecider, parseAccountEvent);
      return state.status === 'open' ? availableNanocredits(state.totals) : 0n;
    },
    async projected() {
      await waitForProjections(pool, store, ['payment_orders'], { timeoutMs: 10_000 });
    },
    async close() {
      await runner.stop();
      await app.close();
      await pool.end();
      await db.drop();
    },
  };
}

/** JSON client with a signed-in session (cookie + CSRF header), or an admin bearer token. */
export class ApiClient {
  private constructor(
    private readonly baseUrl: string,
    private readonly auth: { cookie?: string; csrf?: string; bearer?: string },
  ) {}

  static admin(baseUrl: string): ApiClient {
    return new ApiClient(baseUrl, { bearer: ADMIN_TOKEN });
  }

  static anonymous(baseUrl: string): ApiClient {
    return new ApiClient(baseUrl, {});
  }

  static async signIn(baseUrl: string, email: string): Promise<ApiClient> {
    const portal = new PortalClient(baseUrl);
    const res = await portal.signIn(email, PASSWORD);
    if (res.status !== 303) throw new Error(`sign-in failed: ${res.status}`);
    const session = portal.cookie('tg_session');
    if (!session) throw new Error('no session cookie');
    const cookie = `tg_session=${encodeURIComponent(session)}`;
    const me = (await (await fetch(`${baseUrl}/api/me`, { headers: { cookie } })).json()) as {
      csrfToken: string;
    };
    return new ApiClient(baseUrl, { cookie, csrf: me.csrfToken });
  }

  async call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T; headers: Headers }> {
    const h: Record<string, string> = { ...headers };
    if (this.auth.cookie) h.cookie = this.auth.cookie;
    if (this.auth.csrf) h['x-csrf-token'] = this.auth.csrf;
    if (this.auth.bearer) h.authorization = `Bearer ${this.auth.bearer}`;
    if (body !== undefined) h['content-type'] = 'application/json';
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: 'manual',
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // HTML pages stay text
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }
}
