import OpenAI from 'openai';
import { DEFAULT_CONTENT } from '../../fakes/fake-upstream';
import { NANOS, openAiSchemas, startGateway, type GatewayHarness } from './harness';

type ApiError = InstanceType<typeof OpenAI.APIError>;
const PRICE = { kind: 'per_million', inputPerMillion: '2', outputPerMillion: '8' } as const;

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof OpenAI.APIError) return err;
    throw err;
  }
  throw new Error('expected the request to fail');
}

// Generous: CI shares two cores with Postgres and the fakes.
jest.setTimeout(30_000);

describe('gateway /v1 API surface: errors, keys, limits, models, completions, embeddings', () => {
  let h: GatewayHarness;
  let client: OpenAI;
  let secret: string;
  const validate = openAiSchemas();

  beforeAll(async () => {
    h = await startGateway({ bodyLimitBytes: 32 * 1024 });
    for (const name of ['gpt-a', 'gpt-b', 'embed-a', 'instruct-a']) {
      await h.admin.upsertAlias({
        name,
        deployments: [{ providerId: h.providerA, upstreamModel: `up-${name}` }],
      });
      await h.admin.setSellPrice({ alias: name, price: PRICE });
      await h.admin.openAlias(name, { overrideReason: 'e2e alias priced without a cost profile' });
    }
    await h.admin.upsertAlias({
      name: 'not-for-sale',
      deployments: [{ providerId: h.providerA, upstreamModel: 'up-x' }],
    });
    // Open (by override) but without a price: still not for sale.
    await h.admin.openAlias('not-for-sale', { overrideReason: 'e2e: no price on purpose' });
    ({ secret } = await h.admin.createApiKey({ workspaceId: h.workspaceId, accountId: h.accountId }));
    client = h.client(secret);
  });

  afterAll(async () => {
    await h?.close();
  });

  const ask = (c: OpenAI, model = 'gpt-a', extra: Record<string, unknown> = {}) =>
    c.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hi' }], ...extra });

  function expectOpenAiError(err: ApiError, status: number, code: string): void {
    expect(err.status).toBe(status);
    expect(err.code).toBe(code);
    expect(validate('ErrorResponse', { error: err.error })).toBeNull();
    expect(err.requestID).toMatch(/^req_[0-9a-f]{32}$/);
  }

  it('given an unknown key, when it calls, then 401 invalid_api_key', async () => {
    expectOpenAiError(await failure(ask(h.client('tg_not-a-real-key'))), 401, 'invalid_api_key');
  });

  it('given a revoked key, when it calls, then 401, and the key is listed by its prefix as revoked', async () => {
    const key = await h.admin.createApiKey({
      workspaceId: h.workspaceId,
      accountId: h.accountId,
      name: 'to revoke',
    });
    expect((await ask(h.client(key.secret))).choices[0].message.content).toBe(DEFAULT_CONTENT);
    await h.admin.revokeApiKey(h.workspaceId, key.id);
    expectOpenAiError(await failure(ask(h.client(key.secret))), 401, 'invalid_api_key');
    const listed = (await h.admin.listApiKeys(h.workspaceId)).find((k) => k.id === key.id);
    expect(listed?.prefix).toBe(key.secret.slice(0, 12));
    expect(listed?.revokedAt).toBeInstanceOf(Date);
    expect(
      JSON.stringify(listed, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
    ).not.toContain(key.secret);
  });

  it('given a key limited to gpt-a, when it asks for gpt-b, then 403, and /v1/models lists only gpt-a', async () => {
    const key = await h.admin.createApiKey({
      workspaceId: h.workspaceId,
      accountId: h.accountId,
      allowedModels: ['gpt-a'],
    });
    const limited = h.client(key.secret);
    expectOpenAiError(await failure(ask(limited, 'gpt-b')), 403, 'model_not_allowed');
    const models = await limited.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['gpt-a']);
  });

  it('given any key, when it lists models, then it sees every alias on sale in the official shape', async () => {
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual(['embed-a', 'gpt-a', 'gpt-b', 'instruct-a']);
    const raw = await fetch(`${h.url}/v1/models`, { headers: { authorization: `Bearer ${secret}` } });
    expect(validate('ListModelsResponse', await raw.json())).toBeNull();
    expect((await client.models.retrieve('gpt-b')).id).toBe('gpt-b');
  });

  it('given an unknown model or one without a price, when asked, then 404 model_not_found', async () => {
    expectOpenAiError(await failure(ask(client, 'no-such-model')), 404, 'model_not_found');
    expectOpenAiError(await failure(ask(client, 'not-for-sale')), 404, 'model_not_found');
  });

  it('given an invalid body, when posted, then 400 naming the field, and nothing reaches an upstream', async () => {
    const before = h.upstream.requests.length;
    const err = await failure(
      client.chat.completions.create({
        model: 'gpt-a',
        messages: [{ role: 'robot', content: 'x' }],
      } as never),
    );
    expectOpenAiError(err, 400, 'invalid_request');
    expect((err.error as { param?: string }).param).toBe('messages.0.role');
    expect(h.upstream.requests.length).toBe(before);
  });

  it('given malformed JSON or an unknown route, when posted, then OpenAI error objects with 400 and 404', async () => {
    const bad = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: '{"model":',
    });
    expect(bad.status).toBe(400);
    expect(validate('ErrorResponse', await bad.json())).toBeNull();
    const missing = await fetch(`${h.url}/v1/nope`, { headers: { authorization: `Bearer ${secret}` } });
    expect(missing.status).toBe(404);
    const body = (await missing.json()) as { error: { code: string } };
    expect(validate('ErrorResponse', body)).toBeNull();
    expect(body.error.code).toBe('unknown_url');
    expect(missing.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('given a body over the limit, when posted, then 413 request_too_large', async () => {
    const err = await failure(
      ask(client, 'gpt-a', { messages: [{ role: 'user', content: 'x'.repeat(40 * 1024) }] }),
    );
    expect(err.status).toBe(413);
    expect(err.code).toBe('request_too_large');
  });

  it('given an account without enough credits, when asked, then 402 insufficient_quota and no upstream call', async () => {
    const accountId = 'acct-poor';
    await h.fundAccount(accountId, 1000n); // 1000 nanocredits: less than any worst case here
    const key = await h.admin.createApiKey({ workspaceId: h.workspaceId, accountId });
    const before = h.upstream.requests.length;
    expectOpenAiError(
      await failure(ask(h.client(key.secret), 'gpt-a', { max_tokens: 10 })),
      402,
      'insufficient_quota',
    );
    expect(h.upstream.requests.length).toBe(before);
  });

  it('given a key with a spend limit, when a request could exceed it, then 402 spend_limit_reached', async () => {
    // Worst case of a small request with max_tokens 100: ~100 prompt bytes × 2 + 100 × 8 per 1M ≈ 1000 nc.
    const key = await h.admin.createApiKey({
      workspaceId: h.workspaceId,
      accountId: h.accountId,
      spendLimitCredits: '0.0000005',
    });
    expectOpenAiError(
      await failure(ask(h.client(key.secret), 'gpt-a', { max_tokens: 100 })),
      402,
      'spend_limit_reached',
    );
  });

  it('given a key limited to 2 requests per minute, when it sends a third, then 429 rate_limit_exceeded', async () => {
    const key = await h.admin.createApiKey({
      workspaceId: h.workspaceId,
      accountId: h.accountId,
      requestsPerMinute: 2,
    });
    const c = h.client(key.secret);
    await ask(c);
    await ask(c);
    expectOpenAiError(await failure(ask(c)), 429, 'rate_limit_exceeded');
  });

  it('given a completions request, when answered, then it has the official shape and is charged exactly', async () => {
    const completion = await client.completions.create({
      model: 'instruct-a',
      prompt: 'Say hi',
      max_tokens: 20,
    });
    expect(validate('CreateCompletionResponse', completion)).toBeNull();
    expect(completion.choices[0].text).toBe(DEFAULT_CONTENT);
    expect(h.upstream.requestsFor('up-instruct-a').at(-1)!.path).toBe('/completions');
    const usage = await h.usageOf(completion._request_id!);
    expect(usage.priceNanocredits).toBe('80000');
  });

  it('given a streamed completions request, when read, then the text arrives and it is charged', async () => {
    const { data: stream, request_id } = await client.completions
      .create({ model: 'instruct-a', prompt: 'Say hi', stream: true })
      .withResponse();
    let text = '';
    // (Not schema-checked per chunk: the official schema has no null finish_reason, which the API streams.)
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
    expect(text).toBe(DEFAULT_CONTENT);
    expect((await h.usageOf(request_id!)).priceNanocredits).toBe('80000');
  });

  it('given an embeddings request, when answered, then it has the official shape and only input tokens are charged', async () => {
    const result = await client.embeddings.create({
      model: 'embed-a',
      input: ['a', 'b'],
      encoding_format: 'float',
    });
    expect(validate('CreateEmbeddingResponse', result)).toBeNull();
    expect(result.data).toHaveLength(2);
    const usage = await h.usageOf(result._request_id!);
    expect(usage).toMatchObject({ promptTokens: 12, completionTokens: 0, priceNanocredits: '24000' });
  });

  it('given a funded account, when it is charged, then its key spend grows by the same nanocredits', async () => {
    const key = await h.admin.createApiKey({
      workspaceId: h.workspaceId,
      accountId: h.accountId,
      name: 'spend',
    });
    await ask(h.client(key.secret));
    await ask(h.client(key.secret));
    let spent = 0n;
    for (let i = 0; i < 50 && spent !== 160_000n; i++) {
      await new Promise((ok) => setTimeout(ok, 20));
      spent = (await h.admin.listApiKeys(h.workspaceId)).find((k) => k.id === key.id)!.spentNanocredits;
    }
    expect(spent).toBe(160_000n);
    expect(NANOS).toBe(1_000_000_000n);
  });
});
