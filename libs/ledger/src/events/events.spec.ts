import { z } from 'zod';
import { parseAccountEvent } from '../accounts/events';
import { MalformedEventError } from '../errors';
import { parseUsageEvent } from '../usage/events';
import { createEventParser } from './schema';

const fp = 'a'.repeat(64);

describe('event parsing', () => {
  it('given a valid AccountOpened payload, when parsed, then it is returned typed', () => {
    const data = {
      accountId: 'acc-1',
      workspaceId: 'ws-1',
      creditCurrency: 'EUR',
      overdraftLimitNanocredits: '0',
      openedAt: '2026-01-01T00:00:00.000Z',
      idempotencyKey: 'k1',
      fingerprint: fp,
    };
    expect(parseAccountEvent('AccountOpened', data)).toEqual({ type: 'AccountOpened', data });
  });

  it('given an unknown type, when parsed, then null', () => {
    expect(parseAccountEvent('SomethingElse', {})).toBeNull();
    expect(parseUsageEvent('AccountOpened', {})).toBeNull();
    expect(parseAccountEvent('toString', {})).toBeNull();
  });

  it('given a known type with a float amount, when parsed, then MalformedEventError', () => {
    expect(() =>
      parseAccountEvent('CreditsGranted', {
        accountId: 'a',
        grantId: 'g',
        amountNanocredits: '1.5',
        kind: 'manual',
        reason: 'r',
        actor: 'x',
        grantedAt: '2026-01-01T00:00:00Z',
        idempotencyKey: 'k',
        fingerprint: fp,
      }),
    ).toThrow(MalformedEventError);
    expect(() => parseAccountEvent('CreditsGranted', null)).toThrow(MalformedEventError);
  });

  it('given a failed request with a non-zero price, when parsed, then MalformedEventError', () => {
    const usage = {
      requestId: 'r1',
      accountId: 'a',
      leaseId: 'l',
      workspaceId: 'w',
      apiKeyId: 'k',
      alias: 'gpt',
      provider: 'openai',
      deployment: 'd',
      upstreamModel: 'gpt-4o',
      promptTokens: 10,
      cachedTokens: 0,
      completionTokens: 0,
      reasoningTokens: 0,
      estimated: false,
      providerCostNanocredits: '0',
      priceNanocredits: '5',
      latencyMs: 3,
      status: 'failed',
      attempts: [],
      occurredAt: '2026-01-01T00:00:00Z',
      fingerprint: fp,
    };
    expect(() => parseUsageEvent('UsageRecorded', usage)).toThrow(/failed request is not charged/);
    expect(parseUsageEvent('UsageRecorded', { ...usage, priceNanocredits: '0' })?.type).toBe('UsageRecorded');
  });

  it('given a v1 payload and a v2 schema with an upcaster, when parsed, then it is upcast then validated', () => {
    const parse = createEventParser(
      { Thing: z.object({ amountNanocredits: z.string(), eventVersion: z.number().optional() }) },
      { Thing: 2 },
      { Thing: { 1: (d) => ({ amountNanocredits: String(d.amount) }) } },
    );
    expect(parse('Thing', { amount: '5' })).toEqual({
      type: 'Thing',
      data: { amountNanocredits: '5', eventVersion: 2 },
    });
    expect(() => parse('Thing', { amountNanocredits: '5', eventVersion: 3 })).toThrow(/newer/);
  });
});
