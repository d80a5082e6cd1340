/** Where progress goes: a bar redrawn in place on a TTY, plain lines (at most one per interval) otherwise. */
export interface ProgressOutput {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface ProgressReporter {
  update(fraction: number, detail: string): void;
  done(detail: string): void;
}

const BAR_WIDTH = 30;
const PLAIN_INTERVAL_MS = 2000;

export function createProgress(
  out: ProgressOutput,
  label: string,
  now: () => number = Date.now,
): ProgressReporter {
  const tty = out.isTTY === true;
  let lastPlain = -Infinity;
  let lastLen = 0;
  const pct = (f: number): string => `${Math.floor(Math.min(1, Math.max(0, f)) * 100)}%`.padStart(4);
  return {
    update(fraction, detail) {
      if (tty) {
        const filled = Math.round(Math.min(1, Math.max(0, fraction)) * BAR_WIDTH);
        const line = `${label} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${pct(fraction)} ${detail}`;
        out.write(`\r${line}${' '.repeat(Math.max(0, lastLen - line.length))}`);
        lastLen = line.length;
        return;
      }
      const t = now();
      if (t - lastPlain < PLAIN_INTERVAL_MS) return;
      lastPlain = t;
      out.write(`${label}: ${pct(fraction).trim()} ${detail}\n`);
    },
    done(detail) {
      if (tty) {
        const line = `${label} [${'#'.repeat(BAR_WIDTH)}] 100% ${detail}`;
        out.write(`\r${line}${' '.repeat(Math.max(0, lastLen - line.length))}\n`);
      } else out.write(`${label}: 100% ${detail}\n`);
    },
  };
}
