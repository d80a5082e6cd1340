import { randomUUID } from 'node:crypto';
import type { CorrectCostProfile, CorrectPrice, SellPriceSpec, TokenCost } from '@tollgate/catalog';
import type { NewEvent } from '@tollgate/event-store';

/** Catalog and usage events for margin tests and the benchmark (payloads the schemas accept). */
const FP = 'b'.repeat(64);

export interface UsageSpec {
  accountId: string;
  leaseId: string;
  requestId: string;
  occurredAt: string;
  alias?: string;
  provider?: string;
  deployment?: string;
  upstreamModel?: string;
  promptTokens?: number;
  cachedTokens?: number;
  completionTokens?: number;
  priceNanocredits: bigint;
  costNanocredits?: bigint;
  status?: 'succeeded' | 'failed' | 'client_cancelled';
}

export function usageRecorded(u: UsageSpec): NewEvent {
  return {
    id: randomUUID(),
    type: 'UsageRecorded',
    data: {
      requestId: u.requestId,
      accountId: u.accountId,
      leaseId: u.leaseId,
      workspaceId: `ws-${u.accountId}`,
      apiKeyId: 'key-1',
      alias: u.alias ?? 'fast',
      provider: u.provider ?? 'p1',
      deployment: u.deployment ?? 'p1-main',
      upstreamModel: u.upstreamModel ?? 'gpt-x',
      promptTokens: u.promptTokens ?? 1000,
      cachedTokens: u.cachedTokens ?? 200,
      completionTokens: u.completionTokens ?? 500,
      reasoningTokens: 0,
      estimated: false,
      providerCostNanocredits: (u.costNanocredits ?? 0n).toString(),
      priceNanocredits: u.priceNanocredits.toString(),
      latencyMs: 100,
      status: u.status ?? 'succeeded',
      attempts: [],
      occurredAt: u.occurredAt,
      fingerprint: FP,
    },
  };
}

export const cost = (input: string, output: string, cached: string | null = null): TokenCost => ({
  inputPerMillion: input,
  cachedInputPerMillion: cached,
  outputPerMillion: output,
});

export function costProfileSet(
  version: number,
  effectiveAt: string,
  c: TokenCost,
  providerId = 'p1',
  upstreamModel = 'gpt-x',
): NewEvent {
  return {
    id: randomUUID(),
    type: 'CostProfileSet',
    data: { providerId, upstreamModel, version, effectiveAt, cost: c, actor: 'admin', at: effectiveAt },
  };
}

export function sellPriceSet(
  version: number,
  effectiveAt: string,
  price: SellPriceSpec,
  alias = 'fast',
): NewEvent {
  return {
    id: randomUUID(),
    type: 'SellPriceSet',
    data: { alias, version, effectiveAt, price, actor: 'admin', at: effectiveAt },
  };
}

export function correctCost(o: Partial<CorrectCostProfile> = {}): CorrectCostProfile {
  return {
    type: 'CorrectCostProfile',
    correctionId: 'corr-1',
    providerId: 'p1',
    upstreamModel: 'gpt-x',
    from: '2026-02-10T12:00:00.000Z',
    to: '2026-02-10T18:00:00.000Z',
    cost: cost('1', '4'),
    reason: 'provider invoice shows half the price',
    rerate: false,
    actor: 'admin-1',
    now: '2026-03-01T00:00:00.000Z',
    ...o,
  };
}

export function correctPrice(o: Partial<CorrectPrice> = {}): CorrectPrice {
  return {
    type: 'CorrectPrice',
    correctionId: 'corr-price-1',
    alias: 'fast',
    from: '2026-02-10T00:00:00.000Z',
    to: null,
    price: { kind: 'markup', markupPercent: '100' },
    reason: 'markup typo',
    rerate: true,
    actor: 'admin-1',
    now: '2026-03-01T00:00:00.000Z',
    ...o,
  };
}
