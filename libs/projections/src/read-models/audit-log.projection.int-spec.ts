import { randomUUID } from 'node:crypto';
import { handleCommand, type NewEvent } from '@tollgate/event-store';
import {
  parsePaymentEvent,
  paymentDecider,
  paymentStream,
  type PaymentCommand,
  type PaymentEvent,
} from '@tollgate/payments';
import { createOrderCommand, GERMAN_PROFILE, seededPackage } from '../../../payments/src/testing/fixtures';
import { dumpProjection } from '../runtime/dump';
import { rebuildProjections } from '../runtime/rebuild';
import { ProjectionRunner } from '../runtime/runner';
import { waitForProjections } from '../runtime/status';
import { LedgerEvents } from '../testing/ledger-fixtures';
import { projectionTestEnv, type ProjectionTestEnv } from '../testing/test-env';
import { auditLogProjection } from './audit-log.projection';

const C = 1_000_000_000n;
const AT = '2026-11-27T09:00:00.000Z';
const WS = '0b7e4a9e-1c55-4c1e-9d55-3a1f8f4f2b10';
const ev = (type: string, data: Record<string, unknown>): NewEvent => ({ id: randomUUID(), type, data });

interface Row {
  action: string;
  actor: string;
  category: string;
  workspace_id: string | null;
  subject: string;
  summary: string;
  before_state: Record<string, unknown> | null;
  after_state: Record<string, unknown> | null;
}

describe('audit_log projection', () => {
  let env: ProjectionTestEnv;
  let runner: ProjectionRunner;

  beforeAll(async () => {
    env = await projectionTestEnv();
    runner = new ProjectionRunner({
      pool: env.pool,
      store: env.store,
      projections: [auditLogProjection],
      log: () => undefined,
    });
    await runner.start();
  });
  afterAll(async () => {
    await runner.stop();
    await env.close();
  });

  const rows = async (action: string): Promise<Row[]> =>
    (
      await env.pool.query<Row>(
        `SELECT action, actor, category, workspace_id, subject, summary, before_state, after_state
           FROM audit_log WHERE action = $1 ORDER BY position_commit, position_prepare`,
        [action],
      )
    ).rows;

  it('given admin and owner actions across catalog, ledger, payments and alerts streams, then each is one row with its actor and the entity state before and after', async () => {
    const { store } = env;
    const ledger = new LedgerEvents(() => new Date(AT));
    // Ledger: an account with a purchase, usage, then an admin grant and an overdraft change.
    await store.append(
      `account-${WS}`,
      [ledger.opened(WS), ledger.purchased(WS, 10n * C, 'pay-1'), ledger.leaseReserved(WS, 'l1', 2n * C)],
      { expectedRevision: 'no_stream' },
    );
    await store.append(`usage-${WS}-l1`, [ledger.usage(WS, 'l1', { priceNanocredits: C })], {
      expectedRevision: 'no_stream',
    });
    await store.append(`account-${WS}`, [ledger.granted(WS, 5n * C), ledger.overdraft(WS, 3n * C)], {
      expectedRevision: 2n,
    });
    // Catalog: a provider registered then renamed (its sealed key must never show).
    await store.append(
      'provider-p1',
      [
        ev('ProviderRegistered', {
          providerId: 'p1',
          name: 'Upstream One',
          kind: 'openai_compatible',
          baseUrl: 'https://one.example.com/v1',
          apiKeySealed: 'v1:SEALED-SECRET',
          region: null,
          actor: 'user:admin-1',
          at: AT,
        }),
        ev('ProviderUpdated', {
          providerId: 'p1',
          name: 'Upstream Uno',
          baseUrl: 'https://one.example.com/v1',
          region: 'eu',
          actor: 'user:admin-1',
          at: AT,
        }),
      ],
      { expectedRevision: 'no_stream' },
    );
    // A key created and revoked by the workspace owner.
    const key = {
      keyId: 'key_1',
      workspaceId: WS,
      accountId: WS,
      name: 'ci',
      prefix: 'tg_abcd',
      secretSha256: 'b'.repeat(64),
      allowedModels: null,
      spendLimitNanocredits: null,
      requestsPerMinute: null,
      tokensPerMinute: null,
    };
    await store.append(
      'api-key-key_1',
      [
        ev('ApiKeyCreated', { ...key, actor: 'user:owner-1', at: AT }),
        ev('ApiKeyRevoked', { keyId: 'key_1', workspaceId: WS, actor: 'user:owner-1', at: AT }),
      ],
      { expectedRevision: 'no_stream' },
    );
    // Policy set twice: the second row's before is the first's after.
    const policy = (requiredRegion: string | null) =>
      ev('WorkspacePolicySet', {
        workspaceId: WS,
        allowProviders: null,
        denyProviders: [],
        allowDeployments: null,
        denyDeployments: [],
        requiredRegion,
        routingPolicy: null,
        actor: 'user:admin-1',
        at: AT,
      });
    await store.append(`workspace-policy-${WS}`, [policy(null), policy('eu')], { expectedRevision: 'any' });
    // Alerts settings and the signing secret.
    await store.append(
      `workspace-alerts-${WS}`,
      [
        ev('LowBalanceAlertsSet', {
          workspaceId: WS,
          thresholdsNanocredits: ['5000000000'],
          webhookUrl: 'https://hooks.example.com/a',
          actor: 'user:owner-1',
          at: AT,
        }),
        ev('AlertWebhookSecretRotated', {
          workspaceId: WS,
          secretSealed: 'v1:SEALED-HOOK-SECRET',
          secretHint: 'wxyz',
          actor: 'user:owner-1',
          at: AT,
        }),
      ],
      { expectedRevision: 'no_stream' },
    );
    // Billing profile saved twice by the owner; a credit package saved by an admin.
    const profileSaved = (revision: number, city: string) =>
      ev('BillingProfileSaved', {
        workspaceId: WS,
        profile: { ...GERMAN_PROFILE, city },
        profileRevision: revision,
        actor: 'user:owner-1',
        savedAt: AT,
      });
    await store.append(`billing-profile-${WS}`, [profileSaved(1, 'Berlin'), profileSaved(2, 'Hamburg')], {
      expectedRevision: 'no_stream',
    });
    await store.append(
      'credit-package-catalog',
      [ev('CreditPackageSaved', { package: seededPackage('team'), actor: 'user:admin-1', savedAt: AT })],
      { expectedRevision: 'any' },
    );
    // Payments: a manual order approved by an admin (the approval event names no workspace).
    const run = (command: PaymentCommand) =>
      handleCommand({
        store,
        streamId: paymentStream(command.orderId),
        decider: paymentDecider,
        parse: (e) => parsePaymentEvent(e.type, e.data) as PaymentEvent,
        command,
      });
    await run(
      createOrderCommand({ orderId: 'order-9', packageId: 'enterprise', workspaceId: WS, accountId: WS }),
    );
    await run({
      type: 'ApproveManualPayment',
      orderId: 'order-9',
      idempotencyKey: 'approve-9',
      now: new Date(AT),
      paymentReference: 'BANK-123',
      actor: 'user:admin-1',
    });
    // And one rejected.
    await run(
      createOrderCommand({
        orderId: 'order-10',
        idempotencyKey: 'create-10',
        packageId: 'enterprise',
        workspaceId: WS,
        accountId: WS,
      }),
    );
    await run({
      type: 'RejectManualPayment',
      orderId: 'order-10',
      idempotencyKey: 'reject-10',
      now: new Date(AT),
      reason: 'no transfer received',
      actor: 'user:admin-2',
    });
    await waitForProjections(env.pool, store, ['audit_log'], { until: env.last() });

    const [grant] = await rows('CreditsGranted');
    expect(grant).toMatchObject({
      actor: 'admin-1',
      category: 'credits',
      workspace_id: `ws-${WS}`,
      before_state: expect.objectContaining({ postedNanocredits: (9n * C).toString() }),
      after_state: expect.objectContaining({ postedNanocredits: (14n * C).toString() }),
    });
    const [overdraft] = await rows('OverdraftLimitChanged');
    expect(overdraft.before_state).toMatchObject({ overdraftLimitNanocredits: '0' });
    expect(overdraft.after_state).toMatchObject({ overdraftLimitNanocredits: (3n * C).toString() });

    const updated = await rows('ProviderUpdated');
    expect(updated).toHaveLength(1);
    expect(updated[0].before_state).toMatchObject({ name: 'Upstream One', region: null });
    expect(updated[0].after_state).toMatchObject({ name: 'Upstream Uno', region: 'eu' });
    const { rows: leaks } = await env.pool.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE before_state::text LIKE '%SEALED%' OR after_state::text LIKE '%SEALED%'`,
    );
    expect(leaks[0].n).toBe(0);

    const [revoked] = await rows('ApiKeyRevoked');
    expect(revoked).toMatchObject({
      actor: 'user:owner-1',
      workspace_id: WS,
      category: 'keys',
      before_state: expect.objectContaining({ name: 'ci', revoked: false }),
      after_state: expect.objectContaining({ name: 'ci', revoked: true }),
    });
    expect(JSON.stringify(revoked)).not.toContain('bbbbbbbb');

    const policies = await rows('WorkspacePolicySet');
    expect(policies.map((p) => [p.before_state?.requiredRegion, p.after_state?.requiredRegion])).toEqual([
      [undefined, null],
      [null, 'eu'],
    ]);
    expect(policies[0].before_state).toBeNull();

    const [alerts] = await rows('LowBalanceAlertsSet');
    expect(alerts).toMatchObject({
      category: 'alerts',
      actor: 'user:owner-1',
      after_state: {
        workspaceId: WS,
        thresholdsNanocredits: ['5000000000'],
        webhookUrl: 'https://hooks.example.com/a',
      },
    });
    const [secret] = await rows('AlertWebhookSecretRotated');
    expect(secret.after_state).toEqual({ secretHint: 'wxyz', rotations: 1 });

    const [approved] = await rows('ManualPaymentApproved');
    expect(approved).toMatchObject({
      actor: 'user:admin-1',
      workspace_id: WS,
      subject: 'order order-9',
      before_state: expect.objectContaining({ status: 'created' }),
      after_state: expect.objectContaining({ status: 'confirmed' }),
    });
    const [rejected] = await rows('ManualPaymentRejected');
    expect(rejected).toMatchObject({
      actor: 'user:admin-2',
      workspace_id: WS,
      subject: 'order order-10',
      summary: 'Rejected manual payment: no transfer received',
      before_state: expect.objectContaining({ status: 'created' }),
      after_state: expect.objectContaining({ status: 'rejected' }),
    });
    const profiles = await rows('BillingProfileSaved');
    expect(profiles.map((p) => [p.before_state?.city, p.after_state?.city, p.workspace_id])).toEqual([
      [undefined, 'Berlin', WS],
      ['Berlin', 'Hamburg', WS],
    ]);
    const [pkg] = await rows('CreditPackageSaved');
    expect(pkg).toMatchObject({ actor: 'user:admin-1', subject: 'package team', workspace_id: null });
    expect(pkg.after_state).toMatchObject({ packageId: 'team' });
    // Usage, leases and purchases are not actions: no rows for them.
    expect(await rows('UsageRecorded')).toEqual([]);
    expect(await rows('CreditsPurchased')).toEqual([]);
    expect(await rows('CreditLeaseReserved')).toEqual([]);
  });

  it('given the projected log, when it is rebuilt from position 0, then the rebuilt tables equal the live ones', async () => {
    const live = await dumpProjection(env.pool, auditLogProjection);
    await runner.stop();
    await rebuildProjections(env.pool, env.store, [auditLogProjection]);
    expect(await dumpProjection(env.pool, auditLogProjection)).toBe(live);
  });
});
