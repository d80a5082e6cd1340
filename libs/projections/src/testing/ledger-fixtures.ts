import { randomUUID } from 'node:crypto';
import type { NewEvent } from '@tollgate/event-store';

/**
 * Valid ledger events for projection tests and the benchmark (payloads as the ledger's zod schemas
 * accept them). Amounts are nanocredit bigints here and strings in the payloads.
 */
const FP = 'a'.repeat(64);
const at = (d: Date): string => d.toISOString();

export class LedgerEvents {
  private n = 0;
  constructor(private readonly clock: () => Date = () => new Date('2026-11-01T12:00:00Z')) {}

  private next(type: string, data: Record<string, unknown>): NewEvent {
    this.n += 1;
    return { id: randomUUID(), type, data: { fingerprint: FP, idempotencyKey: `k-${this.n}`, ...data } };
  }

  opened(accountId: string, overdraftLimitNanocredits = 0n): NewEvent {
    return this.next('AccountOpened', {
      accountId,
      workspaceId: `ws-${accountId}`,
      creditCurrency: 'EUR',
      overdraftLimitNanocredits: overdraftLimitNanocredits.toString(),
      openedAt: at(this.clock()),
    });
  }

  purchased(accountId: string, amountNanocredits: bigint, paymentId = `pay-${this.n + 1}`): NewEvent {
    return this.next('CreditsPurchased', {
      accountId,
      paymentId,
      orderId: `ord-${paymentId}`,
      amountNanocredits: amountNanocredits.toString(),
      paidAmountMinor: '1000',
      paidCurrency: 'EUR',
      purchasedAt: at(this.clock()),
    });
  }

  granted(accountId: string, amountNanocredits: bigint): NewEvent {
    return this.next('CreditsGranted', {
      accountId,
      grantId: `grant-${this.n + 1}`,
      amountNanocredits: amountNanocredits.toString(),
      kind: 'promotional',
      reason: 'welcome',
      actor: 'admin-1',
      grantedAt: at(this.clock()),
    });
  }

  refunded(accountId: string, amountNanocredits: bigint, paymentId: string): NewEvent {
    return this.next('CreditsRefunded', {
      accountId,
      refundId: `refund-${this.n + 1}`,
      paymentId,
      amountNanocredits: amountNanocredits.toString(),
      reason: 'customer request',
      actor: 'admin-1',
      refundedAt: at(this.clock()),
    });
  }

  adjusted(accountId: string, amountNanocredits: bigint): NewEvent {
    return this.next('CreditsAdjusted', {
      accountId,
      adjustmentId: `adj-${this.n + 1}`,
      amountNanocredits: amountNanocredits.toString(),
      reasonCode: 'GOODWILL',
      actor: 'admin-1',
      adjustedAt: at(this.clock()),
    });
  }

  overdraft(accountId: string, limitNanocredits: bigint, previous = 0n): NewEvent {
    return this.next('OverdraftLimitChanged', {
      accountId,
      overdraftLimitNanocredits: limitNanocredits.toString(),
      previousOverdraftLimitNanocredits: previous.toString(),
      reason: 'trusted customer',
      actor: 'admin-1',
      changedAt: at(this.clock()),
    });
  }

  leaseReserved(accountId: string, leaseId: string, amountNanocredits: bigint): NewEvent {
    return this.next('CreditLeaseReserved', {
      accountId,
      leaseId,
      holder: 'gw-1',
      amountNanocredits: amountNanocredits.toString(),
      expiresAt: at(new Date(this.clock().getTime() + 60_000)),
      reservedAt: at(this.clock()),
    });
  }

  leaseSettled(
    accountId: string,
    leaseId: string,
    spentNanocredits: bigint,
    releasedNanocredits: bigint,
    usageCount: number,
  ): NewEvent {
    return this.next('CreditLeaseSettled', {
      accountId,
      leaseId,
      spentNanocredits: spentNanocredits.toString(),
      releasedNanocredits: releasedNanocredits.toString(),
      usageCount,
      settledAt: at(this.clock()),
    });
  }

  leaseExpired(
    accountId: string,
    leaseId: string,
    spentNanocredits: bigint,
    releasedNanocredits: bigint,
    usageCount: number,
  ): NewEvent {
    return this.next('CreditLeaseExpired', {
      accountId,
      leaseId,
      spentNanocredits: spentNanocredits.toString(),
      releasedNanocredits: releasedNanocredits.toString(),
      usageCount,
      expiredAt: at(this.clock()),
    });
  }

  usage(
    accountId: string,
    leaseId: string,
    opts: {
      priceNanocredits: bigint;
      costNanocredits?: bigint;
      model?: string;
      apiKeyId?: string;
      promptTokens?: number;
      completionTokens?: number;
      status?: 'succeeded' | 'failed' | 'client_cancelled';
      occurredAt?: Date;
    },
  ): NewEvent {
    const requestId = `req-${this.n + 1}`;
    return this.next('UsageRecorded', {
      requestId,
      idempotencyKey: undefined,
      accountId,
      leaseId,
      workspaceId: `ws-${accountId}`,
      apiKeyId: opts.apiKeyId ?? 'key-1',
      alias: 'gpt-fast',
      provider: 'openai',
      deployment: 'openai-main',
      upstreamModel: opts.model ?? 'gpt-4o-mini',
      promptTokens: opts.promptTokens ?? 1200,
      cachedTokens: 0,
      completionTokens: opts.completionTokens ?? 300,
      reasoningTokens: 0,
      estimated: false,
      providerCostNanocredits: (opts.costNanocredits ?? (opts.priceNanocredits * 7n) / 10n).toString(),
      priceNanocredits: opts.priceNanocredits.toString(),
      latencyMs: 420,
      status: opts.status ?? 'succeeded',
      attempts: [{ deployment: 'openai-main', provider: 'openai', status: 'succeeded', latencyMs: 410 }],
      occurredAt: at(opts.occurredAt ?? this.clock()),
    });
  }
}
