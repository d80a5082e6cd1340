import { calendarWindow, formatResetDuration, minuteWindow } from './calendar';

const iso = (ms: number) => new Date(ms).toISOString();

describe('calendar windows for credit quotas', () => {
  it('given Europe/Berlin in winter (UTC+1), the day starts at 23:00 UTC the evening before', () => {
    const w = calendarWindow('day', 'Europe/Berlin', Date.parse('2026-01-15T22:30:00Z'));
    expect(iso(w.startMs)).toBe('2026-01-14T23:00:00.000Z');
    expect(iso(w.endMs)).toBe('2026-01-15T23:00:00.000Z');
  });

  it('given an instant just after local midnight, it belongs to the new local day', () => {
    const w = calendarWindow('day', 'Europe/Berlin', Date.parse('2026-01-15T23:00:00Z'));
    expect(iso(w.startMs)).toBe('2026-01-15T23:00:00.000Z');
  });

  it('given the spring-forward day in Berlin, the day lasts 23 hours', () => {
    const w = calendarWindow('day', 'Europe/Berlin', Date.parse('2026-03-29T12:00:00Z'));
    expect(iso(w.startMs)).toBe('2026-03-28T23:00:00.000Z');
    expect(iso(w.endMs)).toBe('2026-03-29T22:00:00.000Z');
    expect(w.endMs - w.startMs).toBe(23 * 3_600_000);
  });

  it('given America/New_York, the month runs from local midnight on the 1st to the next 1st', () => {
    const w = calendarWindow('month', 'America/New_York', Date.parse('2026-03-31T03:59:00Z'));
    expect(iso(w.startMs)).toBe('2026-03-01T05:00:00.000Z');
    expect(iso(w.endMs)).toBe('2026-04-01T04:00:00.000Z');
  });

  it('given December in Asia/Tokyo, the month ends at the new year (year rolls over)', () => {
    const w = calendarWindow('month', 'Asia/Tokyo', Date.parse('2026-12-20T00:00:00Z'));
    expect(iso(w.startMs)).toBe('2026-11-30T15:00:00.000Z');
    expect(iso(w.endMs)).toBe('2026-12-31T15:00:00.000Z');
  });

  it('minute windows are fixed and aligned to the minute', () => {
    const w = minuteWindow(Date.parse('2026-01-01T00:00:59.999Z'));
    expect(iso(w.startMs)).toBe('2026-01-01T00:00:00.000Z');
    expect(w.endMs - w.startMs).toBe(60_000);
  });

  it('reset durations are written as OpenAI writes them', () => {
    expect(formatResetDuration(20)).toBe('20ms');
    expect(formatResetDuration(1000)).toBe('1s');
    expect(formatResetDuration(17_500)).toBe('17.5s');
    expect(formatResetDuration(360_000)).toBe('6m0s');
    expect(formatResetDuration(3 * 3_600_000 + 2 * 60_000 + 1000)).toBe('3h2m1s');
  });
});
