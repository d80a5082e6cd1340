import type { History } from './corrections/history';
import { versionsInForce } from './in-force';

const H = 3_600_000;
const correction = (fromMs: number, toMs: number | null, value: string) => ({
  correctionId: `c-${value}`,
  fromMs,
  toMs,
  value,
  reason: 'invoice',
  rerate: false,
  actor: 'admin',
  atMs: 0,
});
/** What the gateway does with the list: the first version whose effective time has come. */
const pick = (list: { effectiveAtMs: number; value: string }[], atMs: number) =>
  list.find((v) => v.effectiveAtMs <= atMs)?.value ?? null;

describe('versions in force with corrections (the gateway snapshot)', () => {
  const history: History<string> = {
    versions: [
      { version: 1, effectiveAtMs: 0, value: 'v1' },
      { version: 2, effectiveAtMs: 10 * H, value: 'v2' },
      { version: 3, effectiveAtMs: 100 * H, value: 'v3-scheduled' },
    ],
    corrections: [],
  };

  it('given no correction, when listed, then the plain versions newest first', () => {
    expect(versionsInForce(history, 20 * H).map((v) => v.value)).toEqual(['v3-scheduled', 'v2', 'v1']);
  });

  it('given a correction covering now, when the gateway picks a version now, then it gets the corrected value; a later scheduled version still takes over', () => {
    const corrected = { ...history, corrections: [correction(5 * H, null, 'fixed')] };
    const list = versionsInForce(corrected, 20 * H);
    expect(pick(list, 20 * H)).toBe('fixed');
    expect(pick(list, 100 * H)).toBe('v3-scheduled');
  });

  it('given a correction that ended before now, when listed, then it changes nothing going forward', () => {
    const past = { ...history, corrections: [correction(1 * H, 2 * H, 'old-fix')] };
    expect(pick(versionsInForce(past, 20 * H), 20 * H)).toBe('v2');
  });

  it('given two corrections covering now, when listed, then the later applied one wins', () => {
    const both = {
      ...history,
      corrections: [correction(5 * H, null, 'first'), correction(15 * H, null, 'second')],
    };
    expect(pick(versionsInForce(both, 20 * H), 20 * H)).toBe('second');
  });

  it('given versions out of order, when a correction covers now, then they are sorted before use', () => {
    const shuffled: History<string> = {
      versions: [history.versions[1], history.versions[0]],
      corrections: [correction(0, null, 'fixed')],
    };
    expect(pick(versionsInForce(shuffled, 20 * H), 20 * H)).toBe('fixed');
  });
});
