import OpenAI from 'openai';
import { DEFAULT_CONTENT } from '../../fakes/fake-upstream';
import { NANOS, openAiSchemas, startGateway, type GatewayHarness } from './harness';

/**
 * Sell prices used below (credits per 1M tokens): input 2, cached input 0.5, output 8.
 * Cost profile: input 1, cached 0.25, output 4. Default fake usage: 12 prompt + 7 completion tokens,
 * so a default request is charged 12×2 + 7×8 = 80 credits per 1M = 80 000 nanocredits.
 */
const DEFAULT_PRICE_NANOCREDITS = 80_000n;
const DEFAULT_COST_NANOCREDITS = 40_000n;

// Generous: CI shares two cores with Postgres and the fakes.
jest.setTimeout(30_000);

describe('gateway /v1/chat/completions with the official openai client', () => {
  let h: GatewayHarness;
  let client: OpenAI;
  let apiKey: string;
  const validate = openAiSchemas();

  beforeAll(async () => {
    h = await startGateway();
    for (const model of ['up-ok', 'up-cached', 'up-no-usage', 'up-tools'])
      await h.admin.setCostProfile({
        providerId: h.providerA,
        upstreamModel: model,
        inputPerMillion: '1',
        cachedInputPerMillion: '0.25',
        outputPerMillion: '4',
      });
    const aliases: Array<[string, string]> = [
      ['gpt-test', 'up-ok'],
      ['gpt-cached', 'up-cached'],
      ['gpt-no-usage', 'up-no-usage'],
      ['gpt-tools', 'up-tools'],
    ];
    for (const [alias, upstreamModel] of aliases) {
      await h.admin.upsertAlias({ name: alias, deployments: [{ providerId: h.providerA, upstreamModel }] });
      await h.admin.setSellPrice({
        alias,
        price: {
          kind: 'per_million',
          inputPerMillion: '2',
          cachedInputPerMillion: '0.5',
          outputPerMillion: '8',
        },
      });
      await h.admin.openAlias(alias, { overrideReason: 'e2e alias priced without a cost profile' });
    }
    h.upstream.behave('up-cached', {
      kind: 'ok',
      usage: { promptTokens: 1000, cachedTokens: 400, completionTokens: 500, reasoningTokens: 300 },
    });
    h.upstream.behave('up-no-usage', { kind: 'ok', usage: null });
    ({ secret: apiKey } = await h.admin.createApiKey({ workspaceId: h.workspaceId, accountId: h.accountId }));
    client = h.client(apiKey);
  });

  afterAll(async () => {
    await h?.close();
  });

  it('given a funded key, when it asks for a chat completion, then it gets an OpenAI-shaped answer and is charged exactly', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(validate('CreateChatCompletionResponse', completion)).toBeNull();
    expect(completion.choices[0].message.content).toBe(DEFAULT_CONTENT);
    const usage = await h.usageOf(completion._request_id!);
    expect(usage).toMatchObject({
      status: 'succeeded',
      alias: 'gpt-test',
      upstreamModel: 'up-ok',
      promptTokens: 12,
      completionTokens: 7,
      estimated: false,
      priceNanocredits: DEFAULT_PRICE_NANOCREDITS.toString(),
      providerCostNanocredits: DEFAULT_COST_NANOCREDITS.toString(),
    });
  });

  it('given a request, when it reaches the upstream, then it carries the upstream key and the upstream model, never the customer key', async () => {
    await client.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'who am I' }],
    });
    const seen = h.upstream.requestsFor('up-ok').at(-1)!;
    expect(seen.headers.authorization).toBe('Bearer sk-upstream-a');
    expect(JSON.stringify(seen.headers)).not.toContain(apiKey);
    expect(seen.body.model).toBe('up-ok');
  });

  it('given a stream without include_usage, when it is read, then chunks pass through, the usage chunk is hidden, and it is charged', async () => {
    const { data: stream, request_id } = await client.chat.completions
      .create({ model: 'gpt-test', messages: [{ role: 'user', content: 'Hi' }], stream: true })
      .withResponse();
    let text = '';
    const chunks: unknown[] = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
      expect(validate('CreateChatCompletionStreamResponse', chunk)).toBeNull();
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    expect(text).toBe(DEFAULT_CONTENT);
    expect(chunks.every((c) => (c as { choices: unknown[] }).choices.length > 0)).toBe(true);
    const upstreamBody = h.upstream.requestsFor('up-ok').at(-1)!.body;
    expect(upstreamBody.stream_options).toEqual({ include_usage: true });
    const usage = await h.usageOf(request_id!);
    expect(usage.priceNanocredits).toBe(DEFAULT_PRICE_NANOCREDITS.toString());
    expect(usage.estimated).toBe(false);
  });

  it('given a stream with include_usage, when it is read, then the client gets the final usage chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: OpenAI.CompletionUsage | null | undefined = null;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    expect(usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 7 });
  });

  it('given an upstream that reports cached and reasoning tokens, when charged, then each is counted once at its price', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-cached',
      messages: [{ role: 'user', content: 'think' }],
    });
    const usage = await h.usageOf(completion._request_id!);
    expect(usage).toMatchObject({
      promptTokens: 1000,
      cachedTokens: 400,
      completionTokens: 500,
      reasoningTokens: 300,
    });
    // 600×2 + 400×0.5 + 500×8 = 5400 credits per 1M; cost 600×1 + 400×0.25 + 500×4 = 2700.
    expect(usage.priceNanocredits).toBe(5_400_000n.toString());
    expect(usage.providerCostNanocredits).toBe(2_700_000n.toString());
  });

  it('given an upstream that omits usage, when charged, then tokens are counted by the tokenizer and the row is marked estimated', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-no-usage',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(completion.usage).toBeUndefined();
    const usage = await h.usageOf(completion._request_id!);
    // o200k_base: "Hello from the fake upstream!" is 6 tokens; prompt = 3 priming + (3 + "user" 1 + "Hi" 1).
    expect(usage).toMatchObject({ estimated: true, promptTokens: 8, completionTokens: 6 });
    expect(usage.priceNanocredits).toBe((8n * 2n * 1000n + 6n * 8n * 1000n).toString());
  });

  it('given a stream from an upstream that omits usage, when charged, then the delivered text is counted', async () => {
    const { data: stream, request_id } = await client.chat.completions
      .create({ model: 'gpt-no-usage', messages: [{ role: 'user', content: 'Hi' }], stream: true })
      .withResponse();
    for await (const _chunk of stream) void _chunk;
    const usage = await h.usageOf(request_id!);
    expect(usage).toMatchObject({ estimated: true, promptTokens: 8, completionTokens: 6 });
  });

  it('given tools, n and response_format, when sent, then they reach the upstream untouched and tool calls come back', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      },
    ];
    const completion = await client.chat.completions.create({
      model: 'gpt-tools',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools,
      n: 2,
      response_format: { type: 'json_object' },
      seed: 42,
    });
    expect(validate('CreateChatCompletionResponse', completion)).toBeNull();
    expect(completion.choices).toHaveLength(2);
    const call = completion.choices[0].message.tool_calls?.[0];
    expect(call?.type === 'function' && call.function.name).toBe('get_weather');
    const sent = h.upstream.requestsFor('up-tools').at(-1)!.body;
    expect(sent.tools).toEqual(tools);
    expect(sent.n).toBe(2);
    expect(sent.response_format).toEqual({ type: 'json_object' });
    expect(sent.seed).toBe(42);
  });

  it('given several charged requests, when their leases settle, then the balance went down by exactly the sum charged', async () => {
    const accountId = 'acct-settle-check';
    await h.fundAccount(accountId, 1n * NANOS);
    const { secret } = await h.admin.createApiKey({ workspaceId: h.workspaceId, accountId });
    const c = h.client(secret);
    for (let i = 0; i < 3; i++)
      await c.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'Hi' }] });
    await h.admission.close();
    expect(await h.availableNanocredits(accountId)).toBe(1n * NANOS - 3n * DEFAULT_PRICE_NANOCREDITS);
  });
});
