import OpenAI from 'openai';
import { DEFAULT_CONTENT } from '../../fakes/fake-upstream';
import { startGateway, type GatewayHarness } from './harness';

/** Sell price per 1M: input 2, output 8 → a default fake answer (12 + 7 tokens) costs 80 000 nanocredits. */
const DEFAULT_PRICE = '80000';
const PRICE = { kind: 'per_million', inputPerMillion: '2', outputPerMillion: '8' } as const;

// Generous: CI shares two cores with Postgres and the fakes.
jest.setTimeout(30_000);

describe('gateway routing, fallback and failures on cue', () => {
  let h: GatewayHarness;
  let client: OpenAI;

  /** An alias over (provider, upstream model, priority) deployments, sold at PRICE. */
  async function alias(name: string, deployments: Array<['A' | 'B', string, number]>): Promise<void> {
    await h.admin.upsertAlias({
      name,
      deployments: deployments.map(([p, upstreamModel, priority]) => ({
        providerId: p === 'A' ? h.providerA : h.providerB,
        upstreamModel,
        priority,
      })),
    });
    await h.admin.setSellPrice({ alias: name, price: PRICE });
    await h.admin.openAlias(name, { overrideReason: 'e2e alias priced without a cost profile' });
  }

  beforeAll(async () => {
    h = await startGateway({ timeouts: { headersMs: 300, bodyIdleMs: 300 } });
    h.upstream.behave('up-500', { kind: 'status', status: 500 });
    h.upstream.behave('up-429', { kind: 'status', status: 429 });
    h.upstream.behave('up-hang', { kind: 'hang' });
    h.upstream.behave('up-cut0', { kind: 'cut', afterChunks: 0 });
    h.upstream.behave('up-cut2', { kind: 'cut', afterChunks: 2 });
    h.upstream.behave('up-400', { kind: 'status', status: 400, message: 'max_tokens is too large' });
    h.upstream.behave('up-cb', { kind: 'status', status: 503 });
    h.upstream.behave('up-cb-only', { kind: 'status', status: 502 });
    h.upstream.behave('up-slow', {
      kind: 'ok',
      content: Array.from({ length: 30 }, (_, i) => `word${i}`).join(' '),
      chunkDelayMs: 50,
      usage: null,
    });
    h.upstreamB.behave('up-500', { kind: 'status', status: 500 });
    await alias('fb-500', [
      ['A', 'up-500', 0],
      ['B', 'up-ok', 1],
    ]);
    await alias('fb-429', [
      ['A', 'up-429', 0],
      ['B', 'up-ok', 1],
    ]);
    await alias('fb-hang', [
      ['A', 'up-hang', 0],
      ['B', 'up-ok', 1],
    ]);
    await alias('fb-cut0', [
      ['A', 'up-cut0', 0],
      ['B', 'up-ok', 1],
    ]);
    await alias('cut-mid', [
      ['A', 'up-cut2', 0],
      ['B', 'up-ok', 1],
    ]);
    await alias('all-500', [
      ['A', 'up-500', 0],
      ['B', 'up-500', 1],
    ]);
    await alias('only-hang', [['A', 'up-hang', 0]]);
    await alias('bad-request', [
      ['A', 'up-400', 0],
      ['B', 'up-ok', 1],
    ]);
    await alias('cb', [
      ['A', 'up-cb', 0],
      ['B', 'up-ok', 1],
    ]);
    await alias('cb-only', [['A', 'up-cb-only', 0]]);
    await alias('slow', [['A', 'up-slow', 0]]);
    const { secret } = await h.admin.createApiKey({ workspaceId: h.workspaceId, accountId: h.accountId });
    client = h.client(secret);
  });

  afterAll(async () => {
    await h?.close();
  });

  const ask = (model: string) =>
    client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hi' }] });

  async function failure(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
    try {
      await promise;
    } catch (err) {
      if (err instanceof OpenAI.APIError) return err;
      throw err;
    }
    throw new Error('expected the request to fail');
  }

  it.each([
    ['fb-500', 'failed'],
    ['fb-429', 'rate_limited'],
    ['fb-hang', 'timeout'],
  ])(
    'given the first deployment of %s fails, when asked, then the next one answers and both attempts are recorded',
    async (model, firstStatus) => {
      const completion = await ask(model);
      expect(completion.choices[0].message.content).toBe(DEFAULT_CONTENT);
      const usage = await h.usageOf(completion._request_id!);
      expect(usage.status).toBe('succeeded');
      expect(usage.provider).toBe(h.providerB);
      expect(usage.attempts.map((a) => a.status)).toEqual([firstStatus, 'succeeded']);
      expect(usage.priceNanocredits).toBe(DEFAULT_PRICE);
    },
  );

  it('given a stream cut before its first chunk, when asked, then the next deployment streams the whole answer', async () => {
    const { data: stream, request_id } = await client.chat.completions
      .create({ model: 'fb-cut0', messages: [{ role: 'user', content: 'Hi' }], stream: true })
      .withResponse();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe(DEFAULT_CONTENT);
    const usage = await h.usageOf(request_id!);
    expect(usage.attempts.map((a) => a.status)).toEqual(['stream_cut', 'succeeded']);
    expect(usage.priceNanocredits).toBe(DEFAULT_PRICE);
  });

  it('given a stream cut after chunks reached the client, when read, then the client sees it end early and nothing is charged', async () => {
    const { data: stream, request_id } = await client.chat.completions
      .create({ model: 'cut-mid', messages: [{ role: 'user', content: 'Hi' }], stream: true })
      .withResponse();
    let text = '';
    try {
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    } catch {
      // The client may or may not raise on an unterminated stream; either way it got less.
    }
    expect(text.length).toBeGreaterThan(0);
    expect(text.length).toBeLessThan(DEFAULT_CONTENT.length);
    const usage = await h.usageOf(request_id!);
    expect(usage.status).toBe('failed');
    expect(usage.priceNanocredits).toBe('0');
    expect(h.upstreamB.requestsFor('up-ok').length).toBe(4); // fb-500, fb-429, fb-hang, fb-cut0 — not cut-mid
  });

  it('given every deployment fails, when asked, then a 502 OpenAI error comes back and nothing is charged', async () => {
    const err = await failure(ask('all-500'));
    expect(err.status).toBe(502);
    expect(err.code).toBe('upstream_error');
    expect(err.requestID).toMatch(/^req_/);
    const usage = await h.usageOf(err.requestID!);
    expect(usage).toMatchObject({ status: 'failed', priceNanocredits: '0' });
    expect(usage.attempts.map((a) => a.status)).toEqual(['failed', 'failed']);
  });

  it('given the only deployment hangs past the timeout, when asked, then 504', async () => {
    const err = await failure(ask('only-hang'));
    expect(err.status).toBe(504);
    expect(err.code).toBe('upstream_timeout');
  });

  it('given an upstream 400, when asked, then its status and message pass through and no other deployment is tried', async () => {
    const before = h.upstreamB.requestsFor('up-ok').length;
    const err = await failure(ask('bad-request'));
    expect(err.status).toBe(400);
    expect(err.message).toContain('max_tokens is too large');
    expect(h.upstreamB.requestsFor('up-ok').length).toBe(before);
  });

  it('given a deployment failing repeatedly, when its circuit opens, then it is skipped without a request', async () => {
    for (let i = 0; i < 3; i++) await ask('cb');
    const before = h.upstream.requestsFor('up-cb').length;
    const completion = await ask('cb');
    expect(h.upstream.requestsFor('up-cb').length).toBe(before);
    const usage = await h.usageOf(completion._request_id!);
    expect(usage.attempts.map((a) => a.status)).toEqual(['circuit_open', 'succeeded']);
  });

  it('given the only deployment has an open circuit, when asked, then 503', async () => {
    for (let i = 0; i < 3; i++) expect((await failure(ask('cb-only'))).status).toBe(502);
    const err = await failure(ask('cb-only'));
    expect(err.status).toBe(503);
    expect(err.code).toBe('upstream_unavailable');
  });

  it('given the cost policy and a markup price, when asked, then the cheapest deployment serves and the markup is charged exactly', async () => {
    await h.admin.setCostProfile({
      providerId: h.providerA,
      upstreamModel: 'up-dear',
      inputPerMillion: '5',
      outputPerMillion: '20',
    });
    await h.admin.setCostProfile({
      providerId: h.providerB,
      upstreamModel: 'up-cheap',
      inputPerMillion: '1',
      outputPerMillion: '4',
    });
    await h.admin.upsertAlias({
      name: 'cheapest',
      policy: 'cost',
      deployments: [
        { providerId: h.providerA, upstreamModel: 'up-dear', priority: 0 },
        { providerId: h.providerB, upstreamModel: 'up-cheap', priority: 1 },
      ],
    });
    await h.admin.setSellPrice({ alias: 'cheapest', price: { kind: 'markup', markupPercent: '20' } });
    // up-dear has no cost profile: its margin is unknown, so opening needs an override.
    await h.admin.openAlias('cheapest', { overrideReason: 'e2e: up-dear has no cost profile' });
    const completion = await ask('cheapest');
    const usage = await h.usageOf(completion._request_id!);
    expect(usage.upstreamModel).toBe('up-cheap');
    // cost 12×1 + 7×4 = 40 per 1M; +20%: 12×1.2 + 7×4.8 = 48 per 1M.
    expect(usage.providerCostNanocredits).toBe('40000');
    expect(usage.priceNanocredits).toBe('48000');
  });

  it('given a client that stops reading a stream, when it disconnects, then it is charged for what was delivered', async () => {
    const controller = new AbortController();
    const { data: stream, request_id } = await client.chat.completions
      .create(
        { model: 'slow', messages: [{ role: 'user', content: 'Hi' }], stream: true },
        { signal: controller.signal },
      )
      .withResponse();
    let chunks = 0;
    try {
      for await (const _chunk of stream) {
        if (++chunks === 3) controller.abort();
      }
    } catch {
      // aborted
    }
    const usage = await h.usageOf(request_id!);
    expect(usage.status).toBe('client_cancelled');
    expect(usage.estimated).toBe(true);
    expect(usage.completionTokens).toBeGreaterThan(0);
    expect(usage.completionTokens).toBeLessThan(40); // the whole answer would be ~60 tokens
    expect(usage.priceNanocredits).toBe(
      (BigInt(usage.promptTokens) * 2000n + BigInt(usage.completionTokens) * 8000n).toString(),
    );
  });
});
