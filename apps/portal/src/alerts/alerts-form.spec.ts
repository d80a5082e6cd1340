import { parseThresholds } from './alerts-pages.controller';

describe('alerts form thresholds', () => {
  it('given credits typed with commas and spaces, when parsed, then they become exact nanocredits in the order given', () => {
    expect(parseThresholds(' 50, 10.5 ,0.000000001,, ')).toEqual([50_000_000_000n, 10_500_000_000n, 1n]);
    expect(parseThresholds('')).toEqual([]);
  });

  it('given bad input, when parsed, then a sentence names the problem', () => {
    expect(parseThresholds('ten')).toContain('"ten" is not an amount of credits');
    expect(parseThresholds('1.0000000001')).toContain('is not an amount of credits');
    expect(parseThresholds('-5')).toMatch(/negative|not an amount/);
    expect(parseThresholds('5, 5.0')).toContain('listed twice');
    expect(parseThresholds(Array.from({ length: 11 }, (_, i) => String(i + 1)).join(','))).toContain(
      'at most 10',
    );
  });
});
