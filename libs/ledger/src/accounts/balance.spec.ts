import { SeededRandom } from '@tollgate/money';
import { UsageEvent } from '../usage/events';
import {
  accountBalanceDelta,
  addBalanceTotals,
  availableNanocredits,
  BalanceTotals,
  liveBalanceDelta,
  postedNanocredits,
  zeroBalanceTotals,
} from './balance';
import { AccountEvent } from './events';

const fp = '0'.repeat(64);
const T = '2026-01-01T00:00:00.000Z';
const base = { accountId: 'a', idempotencyKey: 'k', fingerprint: fp };

const usage = (leaseId: string, requestId: string, price: bigint): UsageEvent => ({
  type: 'UsageRecorded',
  data: {
    requestId,
    accountId: 'a',
    leaseId,
    workspaceId: 'w',
    apiKeyId: 'k',
    alias: 'x',
    provider: 'p',
    deployment: 'd',
    upstreamModel: 'm',
    promptTokens: 1,
    cachedTokens: 0,
    completionTokens: 1,
    reasoningTokens: 0,
    estimated: false,
    providerCostNanocredits: '0',
    priceNanocredits: price.toString(),
    latencyMs: 1,
    status: 'succeeded',
    attempts: [],
    occurredAt: T,
    fingerprint: fp,
  },
});

describe('balance views', () => {
  it('given random lease flows, then the lease-held and live views agree on available at every event and on posted once leases close (seeded)', () => {
    const rnd = new SeededRandom(77n);
    for (let run = 0; run < 50; run++) {
      let held: BalanceTotals = zeroBalanceTotals();
      let live: BalanceTotals = zeroBalanceTotals();
      const apply = (e: AccountEvent | UsageEvent) => {
        if (e.type !== 'UsageRecorded' && e.type !== 'UsageStreamClosed')
          held = addBalanceTotals(held, accountBalanceDelta(e));
        live = addBalanceTotals(live, liveBalanceDelta(e));
        expect(availableNanocredits(live)).toBe(availableNanocredits(held));
      };
      apply({
        type: 'CreditsGranted',
        data: {
          ...base,
          grantId: 'g',
          amountNanocredits: '1000000',
          kind: 'manual',
          reason: 'r',
          actor: 'x',
          grantedAt: T,
        },
      });
      for (let l = 0; l < 5; l++) {
        const leaseId = `l${l}`;
        const amount = rnd.below(100_000n) + 1n;
        apply({
          type: 'CreditLeaseReserved',
          data: {
            ...base,
            leaseId,
            holder: 'h',
            amountNanocredits: amount.toString(),
            expiresAt: T,
            reservedAt: T,
          },
        });
        let spent = 0n;
        for (let r = 0; r < rnd.int(6); r++) {
          const price = rnd.below(amount - spent + 1n);
          spent += price;
          apply(usage(leaseId, `r${r}`, price));
        }
        const close = {
          ...base,
          leaseId,
          spentNanocredits: spent.toString(),
          releasedNanocredits: (amount - spent).toString(),
          usageCount: 0,
        };
        if (rnd.below(2n) === 0n) apply({ type: 'CreditLeaseSettled', data: { ...close, settledAt: T } });
        else apply({ type: 'CreditLeaseExpired', data: { ...close, expiredAt: T } });
        expect(postedNanocredits(live)).toBe(postedNanocredits(held));
        expect(live).toEqual(held);
      }
    }
  });

  it('given a negative adjustment and a refund, then both are debits', () => {
    const t = [
      accountBalanceDelta({
        type: 'CreditsAdjusted',
        data: {
          ...base,
          adjustmentId: 'a1',
          amountNanocredits: '-5',
          reasonCode: 'FIX',
          actor: 'x',
          adjustedAt: T,
        },
      }),
      accountBalanceDelta({
        type: 'CreditsRefunded',
        data: {
          ...base,
          refundId: 'r',
          paymentId: 'p',
          amountNanocredits: '7',
          reason: 'r',
          actor: 'x',
          refundedAt: T,
        },
      }),
    ].reduce(addBalanceTotals, zeroBalanceTotals());
    expect(t.debitedNanocredits).toBe(12n);
    expect(postedNanocredits(t)).toBe(-12n);
  });
});
