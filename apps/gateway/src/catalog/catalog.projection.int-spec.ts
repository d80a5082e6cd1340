import { randomBytes, randomUUID } from 'node:crypto';
import { DomainError } from '@tollgate/event-store';
import { costProfileKey, versionAt } from '@tollgate/gateway-core';
import { dumpProjection, ProjectionRunner, rebuildProjections } from '@tollgate/projections';
import { projectionTestEnv, type ProjectionTestEnv } from '../../../../libs/projections/src/testing/test-env';
import { migrateGatewayCatalog } from '../gateway.module';
import { SecretBox } from '../secrets/secret-box';
import { catalogProjection } from './catalog.projection';
import { GatewayAdmin } from './gateway-admin';
import { PostgresCatalog } from './postgres-catalog';

describe('gateway catalog projection: catalog events → tables', () => {
  let env: ProjectionTestEnv;
  let runner: ProjectionRunner;
  let admin: GatewayAdmin;
  let catalog: PostgresCatalog;
  const box = new SecretBox(randomBytes(32));

  beforeAll(async () => {
    env = await projectionTestEnv();
    await migrateGatewayCatalog(env.pool);
    runner = new ProjectionRunner({
      pool: env.pool,
      store: env.store,
      projections: [catalogProjection],
      lockRetryMs: 100,
      log: () => undefined,
    });
    await runner.start();
    admin = new GatewayAdmin(env.pool, box, { store: env.store, marginThresholdPercent: '10' });
    catalog = new PostgresCatalog(env.pool, box);
  });

  afterAll(async () => {
    await runner?.stop();
    await env?.close();
  });

  it('given admin commands, when each returns, then the tables already show it (read-your-writes) and the snapshot serves it', async () => {
    const { id: providerId } = await admin.createProvider({
      name: 'eu-upstream',
      baseUrl: 'https://eu.example.com/v1',
      apiKey: 'sk-eu',
      region: 'eu',
    });
    await admin.setCostProfile({
      providerId,
      upstreamModel: 'm-1',
      inputPerMillion: '0.5',
      outputPerMillion: '1.5',
    });
    await admin.upsertAlias({ name: 'chat/eu', deployments: [{ providerId, upstreamModel: 'm-1' }] });
    await admin.setSellPrice({ alias: 'chat/eu', price: { kind: 'markup', markupPercent: '40' } });
    const opened = await admin.openAlias('chat/eu', { reason: 'reviewed' });
    expect(opened.status).toBe('open');
    expect(opened.review?.lines.map((l) => l.marginPercent)).toEqual(['28.57']);

    const provider = (await env.pool.query('SELECT * FROM gateway_providers')).rows[0];
    expect(provider).toMatchObject({ id: providerId, name: 'eu-upstream', region: 'eu' });
    expect(provider.api_key_sealed).not.toContain('sk-eu');
    const alias = (await env.pool.query("SELECT * FROM gateway_aliases WHERE name = 'chat/eu'")).rows[0];
    expect(alias.status).toBe('open');
    const history = await admin.aliasHistory('chat/eu');
    expect(history.map((h) => `${h.from}→${h.to}`)).toEqual(['in_review→open', 'draft→in_review']);

    const snap = await catalog.loadSnapshot();
    expect(snap.providers.get(providerId)).toMatchObject({ apiKey: 'sk-eu', region: 'eu' });
    expect(snap.aliases.get('chat/eu')).toMatchObject({ status: 'open', policy: 'priority' });
  });

  it('given a routing change, when a deployment is added, then the existing deployment keeps its id', async () => {
    const before = await admin.getAlias('chat/eu');
    const { id: other } = await admin.createProvider({
      name: 'us',
      baseUrl: 'https://us.example.com/v1',
      apiKey: 'k',
    });
    await admin.setCostProfile({
      providerId: other,
      upstreamModel: 'm-2',
      inputPerMillion: '0.1',
      outputPerMillion: '0.2',
    });
    await admin.upsertAlias({
      name: 'chat/eu',
      deployments: [
        { providerId: before!.deployments[0].providerId, upstreamModel: 'm-1' },
        { providerId: other, upstreamModel: 'm-2', priority: 1 },
      ],
    });
    const after = await admin.getAlias('chat/eu');
    expect(after!.deployments).toHaveLength(2);
    expect(after!.deployments[0].deploymentId).toBe(before!.deployments[0].deploymentId);
  });

  it('given API key commands, when applied, then the key row follows them and spend stays in its own table', async () => {
    const key = await admin.createApiKey({
      workspaceId: 'ws-1',
      accountId: 'ws-1',
      name: 'ops',
      adminTest: true,
    });
    await admin.changeApiKeyLimits('ws-1', key.id, { allowedModels: ['chat/eu'], spendLimitCredits: '2.5' });
    await catalog.addKeySpend([{ apiKeyId: key.id, nanocredits: 7n }]);
    await catalog.addKeySpend([{ apiKeyId: key.id, nanocredits: 5n }]);
    let [listed] = await admin.listApiKeys('ws-1');
    expect(listed).toMatchObject({
      id: key.id,
      adminTest: true,
      allowedModels: ['chat/eu'],
      spendLimitNanocredits: 2_500_000_000n,
      spentNanocredits: 12n,
      revokedAt: null,
    });
    await admin.revokeApiKey('ws-1', key.id);
    [listed] = await admin.listApiKeys('ws-1');
    expect(listed.revokedAt).toBeInstanceOf(Date);
    await expect(admin.revokeApiKey('ws-2', key.id)).rejects.toMatchObject({ code: 'API_KEY_NOT_FOUND' });
  });

  it('given a cost correction covering now, when the snapshot loads, then the corrected cost is in force', async () => {
    const providerId = (await admin.findProviderByName('eu-upstream'))!.id;
    const now = new Date();
    await env.store.append(
      `correction-${randomUUID()}`,
      [
        {
          id: randomUUID(),
          type: 'CostProfileCorrected',
          data: {
            correctionId: 'corr-1',
            providerId,
            upstreamModel: 'm-1',
            from: new Date(now.getTime() - 60_000).toISOString(),
            to: null,
            cost: { inputPerMillion: '0.9', cachedInputPerMillion: null, outputPerMillion: '2.7' },
            reason: 'provider invoice was higher',
            rerate: false,
            actor: 'admin-1',
            at: now.toISOString(),
          },
        },
      ],
      { expectedRevision: 'no_stream' },
    );
    // A harmless admin write waits for the projection, so the correction is in the tables too.
    await admin.createProvider({ name: 'barrier', baseUrl: 'https://b.example.com/v1', apiKey: 'k' });
    const snap = await catalog.loadSnapshot();
    const cost = versionAt(snap.costProfiles.get(costProfileKey(providerId, 'm-1')), Date.now());
    expect(cost?.value).toEqual({ inputPerMillion: '0.9', outputPerMillion: '2.7' });
    expect(await admin.costInForce(providerId, 'm-1')).toEqual({
      inputPerMillion: '0.9',
      cachedInputPerMillion: null,
      outputPerMillion: '2.7',
    });
  });

  it('given pause on low margin and a 10% threshold, when a cost rise leaves 5%, then the alias is flagged and paused', async () => {
    const strict = new GatewayAdmin(env.pool, box, {
      store: env.store,
      marginThresholdPercent: '10',
      pauseOnLowMargin: true,
    });
    const { id: providerId } = await strict.createProvider({
      name: 'thin',
      baseUrl: 'https://t.example.com/v1',
      apiKey: 'k',
    });
    await strict.setCostProfile({
      providerId,
      upstreamModel: 'm',
      inputPerMillion: '1',
      outputPerMillion: '1',
    });
    await strict.upsertAlias({ name: 'thin', deployments: [{ providerId, upstreamModel: 'm' }] });
    await strict.setSellPrice({
      alias: 'thin',
      price: { kind: 'per_million', inputPerMillion: '2', outputPerMillion: '2' },
    });
    expect((await strict.openAlias('thin')).status).toBe('open');
    // Margin on the reference mix: (2 − 1.9) / 2 = 5 % < 10 %.
    await strict.setCostProfile({
      providerId,
      upstreamModel: 'm',
      inputPerMillion: '1.9',
      outputPerMillion: '1.9',
    });
    expect((await strict.getAlias('thin'))?.status).toBe('paused');
    const [paused, flagged] = await strict.aliasHistory('thin');
    expect(paused).toMatchObject({ kind: 'status', from: 'open', to: 'paused', reason: 'margin below 10%' });
    expect(flagged).toMatchObject({
      kind: 'margin_flagged',
      review: { paused: true, lines: [{ marginPercent: '5.00' }] },
    });
    const snap = await catalog.loadSnapshot();
    expect(snap.aliases.get('thin')?.status).toBe('paused');
  });

  it('given the projected tables, when the projection is rebuilt from the events, then every row is identical', async () => {
    await runner.stop();
    const before = await dumpProjection(env.pool, catalogProjection);
    expect(before).toContain('chat/eu');
    const [result] = await rebuildProjections(env.pool, env.store, [catalogProjection]);
    expect(result).toMatchObject({ ok: true, fromVersion: 1, toVersion: 2 });
    expect(await dumpProjection(env.pool, catalogProjection)).toBe(before);
    // The readers' views point at the rebuilt tables.
    expect((await env.pool.query('SELECT count(*)::int AS n FROM gateway_providers')).rows[0].n).toBe(4);
  });

  it('given no projector running, when an admin writes, then it fails after the bounded wait with a clear error, the event kept', async () => {
    const impatient = new GatewayAdmin(env.pool, box, { store: env.store, projectionWaitMs: 200 });
    const started = Date.now();
    const err = await impatient
      .createProvider({ name: 'late', baseUrl: 'https://late.example.com/v1', apiKey: 'k' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('CATALOG_PROJECTION_BEHIND');
    expect(Date.now() - started).toBeLessThan(2_000);
    // Straight from the table: `$all` readers may hold back the newest commit for a moment.
    const { rows } = await env.pool.query(
      "SELECT data->>'name' AS name FROM events WHERE type = 'ProviderRegistered' ORDER BY seq",
    );
    expect(rows.map((r) => r.name)).toEqual(['eu-upstream', 'us', 'barrier', 'thin', 'late']);
  });
});
