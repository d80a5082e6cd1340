/** A half-open interval [startMs, endMs) of UTC epoch milliseconds. */
export interface TimeWindow {
  startMs: number;
  endMs: number;
}

export type CalendarUnit = 'day' | 'month';

const MINUTE_MS = 60_000;
const formatters = new Map<string, Intl.DateTimeFormat>();
/** Bound on cached zones: a workspace picks one of a few hundred IANA zones. */
const MAX_ZONES = 1_000;

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    if (formatters.size >= MAX_ZONES) formatters.clear();
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

interface LocalDate {
  year: number;
  month: number;
  day: number;
}

/** The wall-clock fields at `ms` in `timeZone`, and the zone's offset from UTC then (ms). */
function local(timeZone: string, ms: number): LocalDate & { offsetMs: number } {
  const fields: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(ms))
    if (p.type !== 'literal') fields[p.type] = Number(p.value);
  const wallAsUtc = Date.UTC(
    fields.year,
    fields.month - 1,
    fields.day,
    fields.hour,
    fields.minute,
    fields.second,
  );
  return {
    year: fields.year,
    month: fields.month,
    day: fields.day,
    offsetMs: wallAsUtc - Math.floor(ms / 1000) * 1000,
  };
}

/** UTC instant of local midnight starting the given date (month/day may overflow: Date.UTC normalizes). */
function localMidnight(timeZone: string, year: number, month: number, day: number): number {
  const wall = Date.UTC(year, month - 1, day);
  // The offset at the guess, then once more at the corrected instant (DST changes near midnight).
  const first = wall - local(timeZone, wall).offsetMs;
  return wall - local(timeZone, first).offsetMs;
}

/**
 * The calendar day or month containing `nowMs` in `timeZone` (IANA), as UTC instants: what "credits per
 * day/month" count over. Daylight-saving days are 23 or 25 hours long, as the customer's calendar says.
 */
export function calendarWindow(unit: CalendarUnit, timeZone: string, nowMs: number): TimeWindow {
  const { year, month, day } = local(timeZone, nowMs);
  switch (unit) {
    case 'day':
      return {
        startMs: localMidnight(timeZone, year, month, day),
        endMs: localMidnight(timeZone, year, month, day + 1),
      };
    case 'month':
      return {
        startMs: localMidnight(timeZone, year, month, 1),
        endMs: localMidnight(timeZone, year, month + 1, 1),
      };
    default: {
      const never: never = unit;
      throw new Error(`unknown calendar unit ${String(never)}`);
    }
  }
}

/** The fixed one-minute window containing `nowMs` (per-minute limits). */
export function minuteWindow(nowMs: number): TimeWindow {
  const startMs = nowMs - (nowMs % MINUTE_MS);
  return { startMs, endMs: startMs + MINUTE_MS };
}

/**
 * A duration the way OpenAI's `x-ratelimit-reset-*` headers write it (Go style): `20ms`, `1s`,
 * `17.5s`, `6m0s`, `3h2m1s`.
 */
export function formatResetDuration(ms: number): string {
  const total = Math.max(0, Math.ceil(ms));
  if (total < 1000) return `${total}ms`;
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const secondsMs = total % 60_000;
  const seconds =
    secondsMs % 1000 === 0 ? `${secondsMs / 1000}` : (secondsMs / 1000).toFixed(3).replace(/0+$/, '');
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}
