import { buildSpendChart, chartDays } from './spend-chart';

describe('spend chart', () => {
  it('given a clock, when listing chart days, then 30 UTC days end today', () => {
    const days = chartDays(new Date('2026-03-01T23:30:00Z'), 30);
    expect(days).toHaveLength(30);
    expect(days[0]).toBe('2026-01-31');
    expect(days[29]).toBe('2026-03-01');
  });

  it('given spend on two models, when built, then totals are exact decimals and the busiest model gets the first colour', () => {
    const chart = buildSpendChart(
      [
        { day: '2026-03-01', model: 'small', requests: 1n, priceNanocredits: 1n },
        { day: '2026-03-01', model: 'big', requests: 2n, priceNanocredits: 123_456_789_012n },
        { day: '2026-02-28', model: 'big', requests: 1n, priceNanocredits: 100_000_000_000n },
      ],
      ['2026-02-28', '2026-03-01'],
    );
    expect(chart.totalCredits).toBe('223.456789013');
    expect(chart.legend).toEqual([
      { model: 'big', colour: '#0072b2', totalCredits: '223.456789012' },
      { model: 'small', colour: '#e69f00', totalCredits: '0.000000001' },
    ]);
    expect(chart.days).toEqual([
      { day: '2026-02-28', totalCredits: '100', perModel: [{ model: 'big', credits: '100' }] },
      {
        day: '2026-03-01',
        totalCredits: '123.456789013',
        perModel: [
          { model: 'small', credits: '0.000000001' },
          { model: 'big', credits: '123.456789012' },
        ],
      },
    ]);
    // The busiest day's bar fills the plot height.
    expect(chart.svg).toMatch(/<rect [^>]*y="0.00" [^>]*fill="#e69f00"/);
    expect(chart.svg.match(/>03-01</g)).toHaveLength(1);
  });

  it('given a model name with markup, when built, then the SVG carries it escaped', () => {
    const chart = buildSpendChart(
      [{ day: '2026-03-01', model: '<script>"x"</script>', requests: 1n, priceNanocredits: 5n }],
      ['2026-03-01'],
    );
    expect(chart.svg).not.toContain('<script>');
    expect(chart.svg).toContain('&#60;script&#62;');
  });

  it('given no usage, when built, then no bars and a zero total', () => {
    const chart = buildSpendChart([], ['2026-03-01']);
    expect(chart.svg).not.toContain('<rect');
    expect(chart.totalCredits).toBe('0');
    expect(chart.days).toEqual([]);
  });
});
