import type { ServerResponse } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import type { TokenPrices } from '@tollgate/money';
import type {
  AdmissionTicket,
  AttemptRecord,
  CreditAdmission,
  UsageRecord,
  UsageStatus,
} from '../admission/admission';
import type { KeySpendTracker } from '../admission/key-spend';
import type { QuotaTicket, WorkspaceGovernor } from '../admission/workspace-governor';
import {
  costProfileKey,
  aliasServes,
  versionAt,
  type ApiKeyRecord,
  type DeploymentRecord,
  type ProviderRecord,
} from '../catalog/catalog';
import type { CatalogCache } from '../catalog/catalog-cache';
import { maxOutputTokens, promptTokensUpperBound } from '../metering/estimate';
import { chargeNanocredits, sellPricesPerMillion, worstCaseNanocredits } from '../metering/pricing';
import { usageFromOpenAi, ZERO_USAGE, type TokenUsage } from '../metering/usage';
import { GatewayError, toOpenAiError } from '../openai/errors';
import { parseRequest, type Endpoint } from '../openai/schemas';
import type { CircuitBreakers } from '../routing/circuit-breaker';
import { classifyFailure, describeFailure, type AttemptFailure } from '../routing/fallback';
import { MAX_DEPLOYMENTS_PER_ALIAS, orderDeployments } from '../routing/router';
import { responseText, SseEventSplitter, StreamTap } from '../upstream/sse';
import { countChatPromptTokens, countPromptInputTokens, countTextTokens } from '../upstream/tokenizer';
import { failureFromError, readBody, type UpstreamPools } from '../upstream/upstream-client';
import type { ProxyObserver, RequestObserver } from './observer';

export interface GatewayProxyDeps {
  catalog: CatalogCache;
  admission: CreditAdmission;
  pools: UpstreamPools;
  breakers: CircuitBreakers;
  /** Workspace provider policy and quotas (per workspace and per key), shared across instances. */
  governor: WorkspaceGovernor;
  keySpend: KeySpendTracker;
  /** Metrics, request log and traces; absent: nothing is observed. */
  observer?: ProxyObserver;
}

export interface GatewayProxyOptions {
  /** Upstream attempts per request, fallbacks included (≤ MAX_DEPLOYMENTS_PER_ALIAS). */
  maxAttempts: number;
  /** Largest non-streamed upstream response accepted. */
  maxResponseBytes: number;
  now: () => number;
  random: () => number;
}

export const DEFAULT_PROXY_OPTIONS: Omit<GatewayProxyOptions, 'now' | 'random'> = {
  maxAttempts: 4,
  maxResponseBytes: 32 * 1024 * 1024,
};

export interface ProxyRequest {
  endpoint: Endpoint;
  /** The raw `Authorization` header. */
  authorization: string | undefined;
  /** Parsed JSON body. */
  body: unknown;
  /** Size of the body as received (bounds the prompt's tokens for admission). */
  bodyBytes: number;
  requestId: string;
  /** `performance.now()` when the request arrived. */
  startedAt: number;
}

export interface ModelObject {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

export interface ModelList {
  object: 'list';
  data: ModelObject[];
}

function modelObject(id: string, createdAtMs: number): ModelObject {
  return { id, object: 'model', created: Math.floor(createdAtMs / 1000), owned_by: 'tollgate' };
}

const PATHS: Record<Endpoint, string> = {
  chat: '/chat/completions',
  completions: '/completions',
  embeddings: '/embeddings',
};
const UPSTREAM_ERROR_BODY_BYTES = 64 * 1024;

interface Candidate extends DeploymentRecord {
  provider: ProviderRecord;
  cost: TokenPrices | null;
  prices: TokenPrices;
}

type AttemptResult =
  | { kind: 'served'; usage: TokenUsage; status: Exclude<UsageStatus, 'failed'> }
  /** `responded`: bytes already reached the client, so no other deployment may answer. */
  | { kind: 'failed'; failure: AttemptFailure; responded: boolean; rejection: GatewayError | null };

/** Request context shared by the attempts of one request. */
interface Exchange {
  req: ProxyRequest;
  res: ServerResponse;
  body: Record<string, unknown>;
  stream: boolean;
  clientClosed: boolean;
  abort: AbortController;
  obs: RequestObserver | undefined;
  quota: QuotaTicket | null;
}

/**
 * The /v1 hot path, framework-free: authenticate (cached), validate, resolve the alias, rate-limit,
 * admit the worst case against credits (in memory under a lease), try deployments in routing order
 * with fallback, pass the answer through, then meter and settle off the response's critical path.
 */
export class GatewayProxy {
  constructor(
    private readonly deps: GatewayProxyDeps,
    private readonly options: GatewayProxyOptions,
  ) {}

  async handle(req: ProxyRequest, res: ServerResponse): Promise<void> {
    const obs = this.deps.observer?.request(req.requestId, req.endpoint, req.startedAt);
    let failure: unknown = null;
    try {
      await this.serve(req, res, obs);
    } catch (err) {
      failure = err;
      sendError(res, req.requestId, err);
    }
    obs?.end(res.statusCode, failure);
  }

  /** GET /v1/models: the aliases this key may use that are on sale now. */
  async listModels(authorization: string | undefined): Promise<ModelList> {
    const key = await this.authenticate(authorization);
    const snapshot = await this.deps.catalog.snapshot();
    const now = this.options.now();
    const pendingRules = this.deps.governor.rulesFor(key.workspaceId);
    const rules = pendingRules instanceof Promise ? await pendingRules : pendingRules;
    const regionOf = (providerId: string) => snapshot.providers.get(providerId)?.region;
    const data: ModelObject[] = [];
    for (const alias of snapshot.aliases.values()) {
      if (!aliasServes(alias, key)) continue;
      if (key.allowedModels && !key.allowedModels.includes(alias.name)) continue;
      if (!versionAt(snapshot.sellPrices.get(alias.name), now)) continue;
      // A model the workspace's provider policy leaves no deployment of is not offered.
      if (!this.deps.governor.allowsAny(rules, alias.deployments, regionOf)) continue;
      data.push(modelObject(alias.name, alias.createdAtMs));
    }
    data.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { object: 'list', data };
  }

  /** GET /v1/models/{model}. */
  async retrieveModel(authorization: string | undefined, model: string): Promise<ModelObject> {
    const list = await this.listModels(authorization);
    const found = list.data.find((m) => m.id === model);
    if (!found)
      throw new GatewayError(
        'model_not_found',
        `The model '${model}' does not exist or you do not have access to it.`,
        'model',
      );
    return found;
  }

  private async serve(
    req: ProxyRequest,
    res: ServerResponse,
    obs: RequestObserver | undefined,
  ): Promise<void> {
    const { catalog, governor, keySpend, admission } = this.deps;
    const key = await this.authenticate(req.authorization);
    const body = parseRequest(req.endpoint, req.body) as Record<string, unknown> & { model: string };
    const snapshot = await catalog.snapshot();
    const alias = snapshot.aliases.get(body.model);
    if (!alias || !aliasServes(alias, key))
      throw new GatewayError(
        'model_not_found',
        `The model '${body.model}' does not exist or you do not have access to it.`,
        'model',
      );
    if (key.allowedModels && !key.allowedModels.includes(alias.name))
      throw new GatewayError(
        'model_not_allowed',
        `This API key may not use the model '${alias.name}'.`,
        'model',
      );
    const now = this.options.now();
    const sell = versionAt(snapshot.sellPrices.get(alias.name), now);
    if (!sell)
      throw new GatewayError('model_not_found', `The model '${alias.name}' is not available.`, 'model');

    const candidates: Candidate[] = [];
    for (const d of alias.deployments) {
      const provider = snapshot.providers.get(d.providerId);
      if (!provider) continue;
      const cost =
        versionAt(snapshot.costProfiles.get(costProfileKey(d.providerId, d.upstreamModel)), now)?.value ??
        null;
      const prices = sellPricesPerMillion(sell.value, cost);
      if (prices) candidates.push({ ...d, provider, cost, prices });
    }
    if (candidates.length === 0)
      throw new GatewayError('upstream_unavailable', `No deployment of '${alias.name}' is available.`);
    const pendingRules = governor.rulesFor(key.workspaceId);
    const rules = pendingRules instanceof Promise ? await pendingRules : pendingRules;
    // Only what the workspace's policy allows is ever priced, ordered or tried (fallback included).
    const routable = governor.allowedDeployments(rules, alias.name, candidates, (c) => c.provider.region);

    const promptBound = promptTokensUpperBound(req.bodyBytes);
    const outputBound =
      req.endpoint === 'embeddings'
        ? 0
        : maxOutputTokens(body as { max_tokens?: number | null }, alias.defaultMaxOutputTokens);
    let worstCase = 0n;
    for (const c of routable) {
      const w = worstCaseNanocredits(promptBound, outputBound, c.prices);
      if (w > worstCase) worstCase = w;
    }
    // Tokens per minute count OpenAI's way: prompt estimate + output cap now, actual usage at settle.
    const governed = governor.admit(key, rules, Math.ceil(req.bodyBytes / 4) + outputBound, worstCase, res);
    const quota = governed instanceof Promise ? await governed : governed;
    if (!keySpend.tryHold(key, worstCase)) {
      governor.release(quota);
      throw new GatewayError('spend_limit_reached', 'This API key has reached its spend limit.');
    }
    let ticket: AdmissionTicket | null;
    try {
      ticket = await admission.admit(key.accountId, worstCase);
    } catch (err) {
      keySpend.settle(key, worstCase, 0n);
      governor.release(quota);
      throw err;
    }
    if (!ticket) {
      keySpend.settle(key, worstCase, 0n);
      governor.release(quota);
      throw new GatewayError(
        'insufficient_quota',
        'You exceeded your current quota: not enough credits for this request.',
      );
    }

    const exchange: Exchange = {
      req,
      res,
      body,
      stream: req.endpoint !== 'embeddings' && body.stream === true,
      clientClosed: false,
      abort: new AbortController(),
      obs,
      quota,
    };
    res.once('close', () => {
      if (!res.writableFinished) {
        exchange.clientClosed = true;
        exchange.abort.abort();
      }
    });

    const attempts: AttemptRecord[] = [];
    let served: { candidate: Candidate; usage: TokenUsage; status: UsageStatus } | null = null;
    let lastCandidate: Candidate | null = null;
    let error: GatewayError | null = null;
    try {
      const order = orderDeployments(routable, {
        policy: governor.routingPolicy(rules, alias.policy),
        random: this.options.random,
        costOf: (c) => (c.cost ? worstCaseNanocredits(promptBound, outputBound, c.cost) : null),
      });
      const maxAttempts = Math.min(this.options.maxAttempts, MAX_DEPLOYMENTS_PER_ALIAS);
      let tried = 0;
      let lastFailure: AttemptFailure | null = null;
      for (const candidate of order) {
        if (tried >= maxAttempts || exchange.clientClosed) break;
        const breaker = this.deps.breakers.get(candidate.id);
        if (!breaker.tryAcquire()) {
          attempts.push({
            deployment: candidate.id,
            provider: candidate.providerId,
            status: 'circuit_open',
            latencyMs: 0,
          });
          continue;
        }
        tried++;
        lastCandidate = candidate;
        obs?.attempt(candidate.id, candidate.providerId);
        const startedAt = performance.now();
        const result = await this.attempt(exchange, candidate);
        const latencyMs = Math.round(performance.now() - startedAt);
        obs?.attemptEnded(result.kind === 'served' ? result.status : attemptStatus(result.failure));
        if (result.kind === 'served') {
          breaker.recordSuccess();
          attempts.push({
            deployment: candidate.id,
            provider: candidate.providerId,
            status: result.status,
            latencyMs,
          });
          served = { candidate, usage: result.usage, status: result.status };
          break;
        }
        const retryable = classifyFailure(result.failure) === 'retryable';
        if (retryable) breaker.recordFailure();
        else breaker.recordSuccess();
        attempts.push({
          deployment: candidate.id,
          provider: candidate.providerId,
          status: attemptStatus(result.failure),
          errorCode: describeFailure(result.failure),
          latencyMs,
        });
        lastFailure = result.failure;
        if (result.responded) break;
        if (!retryable) {
          error =
            result.rejection ?? new GatewayError('upstream_error', 'The upstream rejected the request.');
          break;
        }
      }
      if (!served && !error && !res.headersSent && !exchange.clientClosed)
        error = governor.explainFailure(
          rules,
          routable.length < candidates.length,
          exhaustedError(lastFailure, tried),
        );
    } finally {
      this.finish(exchange, key, alias.name, ticket, worstCase, served, lastCandidate, attempts);
    }
    if (error) throw error;
  }

  private async authenticate(authorization: string | undefined): Promise<ApiKeyRecord> {
    const secret = bearer(authorization);
    if (!secret)
      throw new GatewayError(
        'invalid_api_key',
        'You did not provide an API key: use an Authorization: Bearer header.',
      );
    const key = await this.deps.catalog.apiKey(secret);
    if (!key || key.revoked) throw new GatewayError('invalid_api_key', 'Incorrect API key provided.');
    return key;
  }

  private async attempt(ex: Exchange, c: Candidate): Promise<AttemptResult> {
    const clientWantsUsage =
      (ex.body.stream_options as { include_usage?: unknown } | null | undefined)?.include_usage === true;
    const upstreamBody = ex.stream
      ? {
          ...ex.body,
          model: c.upstreamModel,
          stream_options: { ...(ex.body.stream_options as object | null), include_usage: true },
        }
      : { ...ex.body, model: c.upstreamModel };
    let response;
    try {
      response = await this.deps.pools.request({
        baseUrl: c.provider.baseUrl,
        apiKey: c.provider.apiKey,
        path: PATHS[ex.req.endpoint],
        body: JSON.stringify(upstreamBody),
        requestId: ex.req.requestId,
        stream: ex.stream,
        signal: ex.abort.signal,
      });
    } catch (err) {
      if (ex.clientClosed) return { kind: 'served', usage: ZERO_USAGE, status: 'client_cancelled' };
      return { kind: 'failed', failure: failureFromError(err, false), responded: false, rejection: null };
    }
    if (response.statusCode < 200 || response.statusCode >= 300) {
      const text = await readBody(response.body, UPSTREAM_ERROR_BODY_BYTES).catch(() => Buffer.alloc(0));
      return {
        kind: 'failed',
        failure: { kind: 'status', status: response.statusCode },
        responded: false,
        rejection: upstreamRejection(response.statusCode, text),
      };
    }
    return ex.stream
      ? this.pipeStream(ex, response.body, clientWantsUsage)
      : this.relayJson(ex, response.body);
  }

  private async relayJson(
    ex: Exchange,
    body: AsyncIterable<unknown> & { destroy(): void },
  ): Promise<AttemptResult> {
    let buf: Buffer;
    try {
      buf = await readBody(body as never, this.options.maxResponseBytes);
    } catch (err) {
      if (ex.clientClosed) return { kind: 'served', usage: ZERO_USAGE, status: 'client_cancelled' };
      return { kind: 'failed', failure: failureFromError(err, true), responded: false, rejection: null };
    }
    let parsed: { usage?: unknown };
    try {
      parsed = JSON.parse(buf.toString('utf8')) as { usage?: unknown };
    } catch {
      return {
        kind: 'failed',
        failure: { kind: 'protocol', message: 'response is not JSON' },
        responded: false,
        rejection: null,
      };
    }
    if (ex.clientClosed || ex.res.destroyed)
      return { kind: 'served', usage: ZERO_USAGE, status: 'client_cancelled' };
    ex.obs?.firstByte();
    ex.res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': buf.length,
      'x-request-id': ex.req.requestId,
    });
    ex.res.end(buf);
    const usage = usageFromOpenAi(parsed.usage) ?? this.estimate(ex, countTextTokens(responseText(parsed)));
    return { kind: 'served', usage, status: 'succeeded' };
  }

  private async pipeStream(
    ex: Exchange,
    body: AsyncIterable<unknown> & { destroy(): void },
    clientWantsUsage: boolean,
  ): Promise<AttemptResult> {
    const { res } = ex;
    const tap = new StreamTap(clientWantsUsage);
    const splitter = new SseEventSplitter();
    const decoder = new StringDecoder('utf8');
    let started = false;
    let error: unknown = null;
    try {
      for await (const chunk of body) {
        const events = splitter.push(decoder.write(chunk as Buffer));
        if (events.length === 0) continue;
        let out = '';
        for (const event of events) {
          const forwarded = tap.accept(event);
          if (forwarded !== null) out += `${forwarded}\n\n`;
        }
        if (out.length === 0) continue;
        if (ex.clientClosed) break;
        if (!started) {
          res.writeHead(200, {
            'content-type': 'text/event-stream; charset=utf-8',
            'cache-control': 'no-cache',
            'x-accel-buffering': 'no',
            'x-request-id': ex.req.requestId,
          });
          started = true;
          ex.obs?.firstByte();
        }
        if (!res.write(out)) await drained(res);
      }
    } catch (err) {
      error = err;
    }
    if (ex.clientClosed) {
      body.destroy();
      // Charged for what was delivered: the tokenizer counts what reached the client.
      const usage = tap.usage ?? this.estimate(ex, countTextTokens(tap.deliveredText()));
      return { kind: 'served', usage, status: 'client_cancelled' };
    }
    const cut = error !== null || (!tap.sawDone && tap.usage === null);
    if (cut) {
      const failure: AttemptFailure = error !== null ? failureFromError(error, true) : { kind: 'stream_cut' };
      if (started) res.end();
      return { kind: 'failed', failure, responded: started, rejection: null };
    }
    if (!started)
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        'x-request-id': ex.req.requestId,
      });
    res.end();
    const usage = tap.usage ?? this.estimate(ex, countTextTokens(tap.deliveredText()));
    return { kind: 'served', usage, status: 'succeeded' };
  }

  /** Usage counted by the tokenizer when the upstream reported none. */
  private estimate(ex: Exchange, completionTokens: number): TokenUsage {
    const body = ex.body;
    const promptTokens =
      ex.req.endpoint === 'chat'
        ? countChatPromptTokens(body as { messages: unknown[]; tools?: unknown })
        : countPromptInputTokens(ex.req.endpoint === 'completions' ? body.prompt : body.input);
    return {
      promptTokens,
      cachedTokens: 0,
      completionTokens: ex.req.endpoint === 'embeddings' ? 0 : completionTokens,
      reasoningTokens: 0,
      estimated: true,
    };
  }

  /** Meters and settles after the response: never throws into the request. */
  private finish(
    ex: Exchange,
    key: ApiKeyRecord,
    alias: string,
    ticket: AdmissionTicket,
    heldNanocredits: bigint,
    served: { candidate: Candidate; usage: TokenUsage; status: UsageStatus } | null,
    lastCandidate: Candidate | null,
    attempts: AttemptRecord[],
  ): void {
    let price = 0n;
    let cost = 0n;
    const usage = served?.usage ?? ZERO_USAGE;
    const candidate = served?.candidate ?? lastCandidate;
    try {
      if (served) {
        price = chargeNanocredits(usage, served.candidate.prices);
        cost = served.candidate.cost ? chargeNanocredits(usage, served.candidate.cost) : 0n;
      }
    } catch {
      // Unpriceable usage (a provider's nonsense counts): charge nothing rather than fail the settlement.
      price = 0n;
      cost = 0n;
    }
    const record: UsageRecord = {
      requestId: ex.req.requestId,
      accountId: key.accountId,
      workspaceId: key.workspaceId,
      apiKeyId: key.id,
      alias,
      provider: candidate?.providerId ?? 'none',
      deployment: candidate?.id ?? 'none',
      upstreamModel: candidate?.upstreamModel ?? 'none',
      promptTokens: usage.promptTokens,
      cachedTokens: usage.cachedTokens,
      completionTokens: usage.completionTokens,
      reasoningTokens: usage.reasoningTokens,
      estimated: usage.estimated,
      providerCostNanocredits: cost,
      priceNanocredits: price,
      latencyMs: Math.round(performance.now() - ex.req.startedAt),
      status: served?.status ?? 'failed',
      attempts,
      occurredAt: new Date(this.options.now()),
    };
    this.deps.keySpend.settle(key, heldNanocredits, price);
    this.deps.governor.settle(ex.quota, usage.promptTokens + usage.completionTokens, price);
    ex.obs?.settled(record);
    this.deps.admission.settle(ticket, record);
  }
}

function bearer(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : null;
}

function attemptStatus(failure: AttemptFailure): string {
  switch (failure.kind) {
    case 'timeout':
      return 'timeout';
    case 'status':
      return failure.status === 429 ? 'rate_limited' : 'failed';
    case 'stream_cut':
      return 'stream_cut';
    case 'connect':
      return 'connect_error';
    case 'protocol':
      return 'failed';
    default: {
      const never: never = failure;
      return String(never);
    }
  }
}

/** Error for a request no deployment could serve. */
function exhaustedError(last: AttemptFailure | null, tried: number): GatewayError {
  if (tried === 0 || last === null)
    return new GatewayError('upstream_unavailable', 'No deployment of this model is available right now.');
  if (last.kind === 'timeout')
    return new GatewayError('upstream_timeout', 'The upstream did not answer in time.');
  if (last.kind === 'status' && last.status === 429)
    return new GatewayError(
      'upstream_unavailable',
      'Every deployment of this model is rate limited right now.',
    );
  return new GatewayError('upstream_error', `The upstream failed: ${describeFailure(last)}.`);
}

/** The client-facing error for an upstream's non-retryable 4xx: its status and message, nothing else. */
function upstreamRejection(status: number, body: Buffer): GatewayError | null {
  if (classifyFailure({ kind: 'status', status }) === 'retryable') return null;
  let message = `The upstream rejected the request (${status}).`;
  let param: string | null = null;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { error?: { message?: unknown; param?: unknown } };
    if (typeof parsed.error?.message === 'string') message = parsed.error.message.slice(0, 2000);
    if (typeof parsed.error?.param === 'string') param = parsed.error.param;
  } catch {
    // Not an OpenAI error object: keep the generic message.
  }
  return new GatewayError('upstream_client_error', message, param, status);
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Writes an OpenAI error object (or just ends a response that already started). */
export function sendError(res: ServerResponse, requestId: string, err: unknown): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  const { status, body } = toOpenAiError(err);
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-request-id': requestId,
  });
  res.end(text);
}
