import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';

import { CLI_MAIN as MAIN, REPO_ROOT as ROOT, TS_REGISTER as REGISTER } from '../../support/tollgate-cli';

const START_TIMEOUT_MS = 60_000;

export interface SpawnedTollgate {
  child: ChildProcess;
  url: string;
  apiKey: string;
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/**
 * The real `tollgate start` in its own process (TypeScript via swc, no build needed): what an operator
 * runs, with real signal handling. Resolves once it printed its URL and the demo API key.
 */
export function spawnTollgateStart(
  env: Record<string, string>,
  options: { ownProcessGroup?: boolean } = {},
): Promise<SpawnedTollgate> {
  const child = spawn(process.execPath, ['-r', REGISTER, MAIN, 'start'], {
    cwd: ROOT,
    // Its own group, so a test can signal the group the way a terminal's Ctrl-C does.
    detached: options.ownProcessGroup ?? false,
    env: { ...process.env, TOLLGATE_SEED_DEMO: 'true', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`tollgate start did not come up in ${START_TIMEOUT_MS} ms:\n${out}`));
    }, START_TIMEOUT_MS);
    const check = (): void => {
      const url = /Tollgate is running at (http:\/\/\S+)/.exec(out)?.[1];
      const apiKey = /API key:\s+(\S+)/.exec(out)?.[1];
      if (url && apiKey) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        ok({ child, url, apiKey, output: () => out, exited });
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`tollgate start exited (${code}) before it was up:\n${out}`));
    });
  });
}

export interface SpawnedApp {
  name: string;
  child: ChildProcess;
  url: string;
  output(): string;
  exited: Promise<number | null>;
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => ok(port));
    });
  });
}

/** One app alone (`apps/<name>/src/main.ts`) on a free port; resolves once its /readyz answers 200. */
export async function spawnApp(
  name: 'gateway' | 'portal' | 'projector',
  env: Record<string, string>,
): Promise<SpawnedApp> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', REGISTER, join(ROOT, `apps/${name}/src/main.ts`)], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
  const app: SpawnedApp = { name, child, url: `http://127.0.0.1:${port}`, output: () => out, exited };
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (true) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}):\n${out}`);
    const res = await fetch(`${app.url}/readyz`).catch(() => undefined);
    if (res?.status === 200) return app;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} was not ready in ${START_TIMEOUT_MS} ms:\n${out}`);
    }
    await new Promise((ok) => setTimeout(ok, 100));
  }
}
