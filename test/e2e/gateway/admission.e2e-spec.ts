import OpenAI from 'openai';
import { startGateway, type GatewayHarness } from './harness';

const PRICE_NANOCREDITS = 80_000n; // 12 prompt × 2 + 7 completion × 8 per 1M

// Generous: CI shares two cores with Postgres and the fakes.
jest.setTimeout(30_000);

describe('credit admission by leases under concurrency', () => {
  let h: GatewayHarness;

  beforeAll(async () => {
    h = await startGateway();
    await h.admin.upsertAlias({
      name: 'gpt-lease',
      deployments: [{ providerId: h.providerA, upstreamModel: 'up-lease' }],
    });
    await h.admin.setSellPrice({
      alias: 'gpt-lease',
      price: { kind: 'per_million', inputPerMillion: '2', outputPerMillion: '8' },
    });
    await h.admin.openAlias('gpt-lease', { overrideReason: 'e2e alias priced without a cost profile' });
    h.upstream.behave('up-lease', { kind: 'ok', chunkDelayMs: 0 });
  });

  afterAll(async () => {
    await h?.close();
  });

  it('given an account that can afford only a few requests, when 60 arrive at once, then it never spends more than it has and is charged exactly for those served', async () => {
    const accountId = 'acct-tight';
    const funded = 3_000_000n; // 0.003 credits: a handful of worst cases (each ~0.0005 credits)
    await h.fundAccount(accountId, funded);
    const { secret } = await h.admin.createApiKey({ workspaceId: h.workspaceId, accountId });
    const client = h.client(secret);
    const results = await Promise.allSettled(
      Array.from({ length: 60 }, () =>
        client.chat.completions.create({
          model: 'gpt-lease',
          messages: [{ role: 'user', content: 'Hi' }],
          max_tokens: 50,
        }),
      ),
    );
    const served = results.filter((r) => r.status === 'fulfilled').length;
    const refused = results.filter(
      (r) => r.status === 'rejected' && r.reason instanceof OpenAI.APIError && r.reason.status === 402,
    ).length;
    expect(served + refused).toBe(60);
    expect(served).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
    await h.admission.close();
    const available = await h.availableNanocredits(accountId);
    expect(available).toBeGreaterThanOrEqual(0n);
    expect(funded - available).toBe(BigInt(served) * PRICE_NANOCREDITS);
  });
});
