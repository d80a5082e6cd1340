import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { DomainError, PostgresEventStore, runMigrations } from '@tollgate/event-store';
import {
  accountDecider,
  accountStream,
  availableNanocredits,
  parseAccountEvent,
  type AccountCommand,
  type AccountEvent,
  type AccountState,
} from '@tollgate/ledger';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { EventStoreCreditLedger } from '../ledger/credit-ledger';
import { DEFAULT_REFUND_POLICY, type RefundPolicy } from '../orders/refund-policy';
import type { CheckoutProvider } from '../providers/checkout-provider';
import { CreditingReactor } from '../reactor/crediting-reactor';
import { PaymentsService } from '../service/payments-service';
import { handleCommand, loadState } from '../store/command-handler';
import { PAYMENTS_MIGRATION_COMPONENT, PAYMENTS_MIGRATIONS } from '../store/migrations';
import { WebhookPipeline } from '../webhooks/pipeline';
import { GERMAN_PROFILE, GERMAN_SELLER } from './fixtures';

/** Real Postgres, real event store, real ledger decider: the settlement stack for int/e2e specs. */
export interface PaymentsHarness {
  db: TestDatabase;
  pool: Pool;
  store: PostgresEventStore;
  ledger: EventStoreCreditLedger;
  service: PaymentsService;
  pipeline: WebhookPipeline;
  reactor: CreditingReactor;
  clock: { now: Date };
  /** Opens a USD account for a new workspace with a billing profile; returns the workspace id. */
  newCustomer(): Promise<string>;
  openAccount(workspaceId: string): Promise<void>;
  availableNanocredits(workspaceId: string): Promise<bigint>;
  /** Spends credits the way the gateway does: reserve a lease, settle it as spent. */
  spend(workspaceId: string, amountNanocredits: bigint): Promise<void>;
  close(): Promise<void>;
}

export async function createPaymentsHarness(options: {
  checkoutProvider: CheckoutProvider;
  providers?: readonly CheckoutProvider[];
  refundPolicy?: RefundPolicy;
}): Promise<PaymentsHarness> {
  const db = await createTestDatabase();
  const pool = new Pool({ connectionString: db.url, max: 12 });
  // Dropping the database at teardown terminates idle connections; that is expected, not a failure.
  pool.on('error', () => {});
  const store = new PostgresEventStore({ pool });
  await store.migrate();
  await runMigrations(pool, PAYMENTS_MIGRATIONS, { component: PAYMENTS_MIGRATION_COMPONENT });
  const clock = { now: new Date() };
  const ledger = new EventStoreCreditLedger(store);
  const providers = options.providers ?? [options.checkoutProvider];
  const service = new PaymentsService({
    store,
    ledger,
    taxSettings: GERMAN_SELLER,
    refundPolicy: options.refundPolicy ?? DEFAULT_REFUND_POLICY,
    checkoutProvider: options.checkoutProvider,
    providers,
    publicBaseUrl: 'http://127.0.0.1:8080',
    accountIdForWorkspace: (ws) => Promise.resolve(`acct-${ws}`),
    now: () => clock.now,
  });
  await service.seedPackages('system');
  const pipeline = new WebhookPipeline({ store, pool, providers, now: () => clock.now });
  const reactor = new CreditingReactor(store, pool, ledger);

  const account = async (workspaceId: string, command: AccountCommand) => {
    const r = await handleCommand<AccountCommand, AccountEvent, AccountState>({
      store,
      streamId: accountStream(`acct-${workspaceId}`),
      decider: accountDecider,
      parse: parseAccountEvent,
      command,
    });
    if (r instanceof DomainError) throw r;
  };

  const openAccount = async (ws: string) => {
    await account(ws, {
      type: 'OpenAccount',
      accountId: `acct-${ws}`,
      idempotencyKey: `open-${ws}`,
      now: clock.now.toISOString(),
      workspaceId: ws,
      creditCurrency: 'USD',
      overdraftLimitNanocredits: 0n,
    });
  };

  return {
    db,
    pool,
    store,
    ledger,
    service,
    pipeline,
    reactor,
    clock,
    async newCustomer() {
      const ws = randomUUID();
      await openAccount(ws);
      const saved = await service.saveBillingProfile(ws, GERMAN_PROFILE, 'test');
      if (saved instanceof DomainError) throw saved;
      return ws;
    },
    openAccount,
    async availableNanocredits(ws) {
      const { state } = await loadState(
        store,
        accountStream(`acct-${ws}`),
        accountDecider,
        parseAccountEvent,
      );
      return state.status === 'open' ? availableNanocredits(state.totals) : 0n;
    },
    async spend(ws, amountNanocredits) {
      const leaseId = randomUUID();
      const accountId = `acct-${ws}`;
      const now = clock.now.toISOString();
      await account(ws, {
        type: 'ReserveLease',
        accountId,
        idempotencyKey: `reserve-${leaseId}`,
        now,
        leaseId,
        holder: 'gateway-test',
        amountNanocredits,
        ttlMs: 60_000,
      });
      await account(ws, {
        type: 'SettleLease',
        accountId,
        idempotencyKey: `settle-${leaseId}`,
        now,
        leaseId,
        holder: 'gateway-test',
        spentNanocredits: amountNanocredits,
        usageCount: 1,
      });
    },
    async close() {
      await store.close();
      await pool.end();
      await db.drop();
    },
  };
}
