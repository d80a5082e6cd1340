import type { StatementLine } from '../csv/statement-csv';

const TYPES = ['usage', 'usage', 'usage', 'purchase', 'grant', 'refund'] as const;

/**
 * Deterministic statement lines (an LCG, no Math.random) for the bench and tests: mostly usage debits,
 * some purchases, grants and refunds, descriptions with commas, quotes and line breaks.
 */
export function* demoStatementLines(
  count: number,
  options: { periodStart: Date; periodEnd: Date; seed?: number; openingBalanceNanocredits?: bigint },
): Generator<StatementLine> {
  let x = (options.seed ?? 1) >>> 0;
  const rnd = () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x;
  };
  const span = options.periodEnd.getTime() - options.periodStart.getTime();
  let balance = options.openingBalanceNanocredits ?? 0n;
  for (let i = 0; i < count; i++) {
    const type = TYPES[rnd() % TYPES.length];
    const magnitude = BigInt(rnd()) * 1_000n + BigInt(rnd() % 1000);
    const amount = type === 'usage' ? -magnitude : type === 'refund' ? -magnitude * 10n : magnitude * 50n;
    balance += amount;
    yield {
      occurredAt: new Date(options.periodStart.getTime() + Math.floor((span * i) / Math.max(count, 1))),
      type,
      description:
        type === 'usage'
          ? `gpt-4o-mini, ${rnd() % 4000} tokens`
          : type === 'refund'
            ? 'Refund "partial"\nper support ticket'
            : `Credit package, order ${i}`,
      reference: `ref-${i.toString(36)}`,
      amountNanocredits: amount,
      balanceAfterNanocredits: balance,
    };
  }
}
