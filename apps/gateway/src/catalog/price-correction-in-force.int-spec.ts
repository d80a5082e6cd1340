import { randomBytes, randomUUID } from 'node:crypto';
import {
  chargeNanocredits,
  costProfileKey,
  sellPricesPerMillion,
  versionAt,
  type TokenUsage,
} from '@tollgate/gateway-core';
import { ProjectionRunner } from '@tollgate/projections';
import { projectionTestEnv, type ProjectionTestEnv } from '../../../../libs/projections/src/testing/test-env';
import { migrateGatewayCatalog } from '../gateway.module';
import { SecretBox } from '../secrets/secret-box';
import { catalogProjection } from './catalog.projection';
import { GatewayAdmin } from './gateway-admin';
import { PostgresCatalog } from './postgres-catalog';

jest.setTimeout(30_000);

/**
 * Re-rating relies on this: once a price correction with re-rating covers now, the gateway's snapshot
 * charges the corrected price directly, so requests after it owe no difference (re-rating must not
 * charge them a second time: see libs/projections/src/margins/rerate-lag.int-spec.ts).
 */
describe('gateway catalog: a re-rating price correction covering now', () => {
  let env: ProjectionTestEnv;
  let runner: ProjectionRunner;

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
  });
  afterAll(async () => {
    await runner?.stop();
    await env?.close();
  });

  it('given markup 50 % and a re-rating correction to 100 % from a minute ago, when the snapshot loads, then a request is charged the corrected price', async () => {
    const box = new SecretBox(randomBytes(32));
    const admin = new GatewayAdmin(env.pool, box, { store: env.store, marginThresholdPercent: '10' });
    const { id: providerId } = await admin.createProvider({
      name: 'p',
      baseUrl: 'https://p.example.com/v1',
      apiKey: 'k',
    });
    await admin.setCostProfile({
      providerId,
      upstreamModel: 'm',
      inputPerMillion: '2',
      outputPerMillion: '8',
    });
    await admin.upsertAlias({ name: 'fast', deployments: [{ providerId, upstreamModel: 'm' }] });
    await admin.setSellPrice({ alias: 'fast', price: { kind: 'markup', markupPercent: '50' } });

    const now = Date.now();
    await env.store.append(
      `correction-${randomUUID()}`,
      [
        {
          id: randomUUID(),
          type: 'PriceCorrected',
          data: {
            correctionId: 'price-rerate-1',
            alias: 'fast',
            from: new Date(now - 60_000).toISOString(),
            to: null,
            price: { kind: 'markup', markupPercent: '100' },
            reason: 'markup typo',
            rerate: true,
            actor: 'admin-1',
            at: new Date(now).toISOString(),
          },
        },
      ],
      { expectedRevision: 'no_stream' },
    );
    // A harmless admin write waits for the catalog projection, so the correction is in the tables too.
    await admin.createProvider({ name: 'barrier', baseUrl: 'https://b.example.com/v1', apiKey: 'k' });

    const snap = await new PostgresCatalog(env.pool, box).loadSnapshot();
    const sell = versionAt(snap.sellPrices.get('fast'), Date.now());
    const cost = versionAt(snap.costProfiles.get(costProfileKey(providerId, 'm')), Date.now());
    expect(sell?.value).toEqual({ kind: 'markup', markupPercent: '100' });
    const prices = sellPricesPerMillion(sell!.value, cost!.value)!;
    // 1000 prompt (200 cached) + 500 completion tokens cost 0.006 credits: 0.012 at markup 100 %.
    const usage: TokenUsage = {
      promptTokens: 1000,
      cachedTokens: 200,
      completionTokens: 500,
      reasoningTokens: 0,
      estimated: false,
    };
    expect(chargeNanocredits(usage, prices)).toBe(12_000_000n);
  });
});
