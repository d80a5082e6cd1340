import { createProgress } from './progress';

function output(isTTY: boolean): { chunks: string[]; write(c: string): void; isTTY: boolean } {
  const chunks: string[] = [];
  return { chunks, isTTY, write: (c: string) => void chunks.push(c) };
}

describe('createProgress (long commands: migrate, rebuild, verify, apply)', () => {
  it('given a terminal, then one bar is redrawn in place and ends with a newline', () => {
    const out = output(true);
    const p = createProgress(out, 'verify');
    p.update(0.5, '5/10 accounts');
    p.done('10 accounts');
    expect(out.chunks[0]).toBe(`\rverify [${'#'.repeat(15)}${'-'.repeat(15)}]  50% 5/10 accounts`);
    expect(out.chunks[1].startsWith(`\rverify [${'#'.repeat(30)}] 100% 10 accounts`)).toBe(true);
    expect(out.chunks[1].endsWith('\n')).toBe(true);
  });

  it('given a log file, then plain lines at most one per interval, and the end always', () => {
    const out = output(false);
    let now = 0;
    const p = createProgress(out, 'rebuild', () => now);
    p.update(0.1, 'a');
    now = 500;
    p.update(0.2, 'b'); // too soon: dropped
    now = 2500;
    p.update(1.7, 'c'); // clamped to 100 %
    p.done('done');
    expect(out.chunks).toEqual(['rebuild: 10% a\n', 'rebuild: 100% c\n', 'rebuild: 100% done\n']);
  });
});
