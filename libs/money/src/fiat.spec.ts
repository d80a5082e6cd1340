import { MoneyError } from './errors';
import {
  addMoney,
  allocateMoney,
  currencyExponent,
  formatMoney,
  formatMoneyWithCurrency,
  money,
  moneyFromMinorString,
  parseMoney,
  percentOfMoney,
  subtractMoney,
} from './fiat';
import { SeededRandom } from './testing/seeded-random';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof MoneyError) return e.code;
    throw e;
  }
  return undefined;
}

describe('fiat money', () => {
  it('takes minor-unit exponents from ICU', () => {
    expect(currencyExponent('USD')).toBe(2);
    expect(currencyExponent('EUR')).toBe(2);
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('KWD')).toBe(3);
  });

  it.each(['usd', 'XYZ', 'US', '', 'DOLLAR'])('given currency %j, then UNKNOWN_CURRENCY', (c) => {
    expect(code(() => currencyExponent(c))).toBe('UNKNOWN_CURRENCY');
  });

  it('parses and formats per currency exponent', () => {
    expect(parseMoney('12.5', 'USD')).toEqual({ amountMinor: 1250n, currency: 'USD' });
    expect(parseMoney('1200', 'JPY')).toEqual({ amountMinor: 1200n, currency: 'JPY' });
    expect(parseMoney('-1.234', 'KWD').amountMinor).toBe(-1234n);
    expect(code(() => parseMoney('12.345', 'USD'))).toBe('TOO_MANY_DECIMALS');
    expect(code(() => parseMoney('1.5', 'JPY'))).toBe('TOO_MANY_DECIMALS');
    expect(formatMoney(money(1250n, 'USD'))).toBe('12.50');
    expect(formatMoney(money(-5n, 'USD'))).toBe('-0.05');
    expect(formatMoney(money(1200n, 'JPY'))).toBe('1200');
    expect(formatMoneyWithCurrency(money(1234n, 'KWD'))).toBe('1.234 KWD');
    expect(moneyFromMinorString('995', 'EUR')).toEqual({ amountMinor: 995n, currency: 'EUR' });
  });

  it('adds and subtracts only within one currency', () => {
    expect(addMoney(money(100n, 'USD'), money(250n, 'USD')).amountMinor).toBe(350n);
    expect(subtractMoney(money(100n, 'USD'), money(250n, 'USD')).amountMinor).toBe(-150n);
    expect(code(() => addMoney(money(1n, 'USD'), money(1n, 'EUR')))).toBe('CURRENCY_MISMATCH');
    expect(code(() => subtractMoney(money(1n, 'USD'), money(1n, 'JPY')))).toBe('CURRENCY_MISMATCH');
  });

  it('takes a percentage with one half-up rounding', () => {
    expect(percentOfMoney(money(1000n, 'EUR'), '19').amountMinor).toBe(190n);
    expect(percentOfMoney(money(1050n, 'EUR'), '19').amountMinor).toBe(200n); // 199.5 → 200
    expect(percentOfMoney(money(-1050n, 'EUR'), '19').amountMinor).toBe(-200n); // half away from zero
    expect(percentOfMoney(money(999n, 'USD'), '7.25').amountMinor).toBe(72n); // 72.4275
    expect(percentOfMoney(money(1000n, 'USD'), '0').amountMinor).toBe(0n);
  });

  it('property: allocation parts always sum to the whole (seeded)', () => {
    const rnd = new SeededRandom(99n);
    for (let i = 0; i < 500; i++) {
      const whole = money(rnd.bigint(15), 'USD');
      const weights = Array.from({ length: rnd.int(5) + 1 }, () => rnd.below(1000n) + 1n);
      const parts = allocateMoney(whole, weights);
      expect(parts.reduce((s, p) => s + p.amountMinor, 0n)).toBe(whole.amountMinor);
    }
  });

  it('property: parseMoney(formatMoney(m)) round-trips (seeded)', () => {
    const rnd = new SeededRandom(3n);
    for (const currency of ['USD', 'JPY', 'KWD']) {
      for (let i = 0; i < 500; i++) {
        const m = money(rnd.bigint(25), currency);
        expect(parseMoney(formatMoney(m), currency)).toEqual(m);
      }
    }
  });
});
