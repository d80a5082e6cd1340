import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

/** The repository root, where the real processes run. */
export const REPO_ROOT = resolve(__dirname, '../../..');
/** Loads TypeScript through swc, so tests run the sources without a build. */
export const TS_REGISTER = join(REPO_ROOT, 'libs/invoicing/src/testing/ts-register.cjs');
/** The `tollgate` command's entry point. */
export const CLI_MAIN = join(REPO_ROOT, 'apps/cli/src/main.ts');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they arrived. */
  out: string;
}

/** Runs the real `tollgate` command against the given environment; killed after `timeoutMs`. */
export function runTollgate(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<CliResult> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, ['-r', TS_REGISTER, CLI_MAIN, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let out = '';
    child.stdout.on('data', (d: Buffer) => ((stdout += d.toString()), (out += d.toString())));
    child.stderr.on('data', (d: Buffer) => ((stderr += d.toString()), (out += d.toString())));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', fail);
    child.once('exit', (code) => {
      clearTimeout(timer);
      ok({ code, stdout, stderr, out });
    });
  });
}
