import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from 'pino';

const IDLE_REAP_INTERVAL_MS = 50;

/**
 * Stops accepting and waits for in-flight requests: kept-alive connections are closed as soon as they
 * go idle (a client reusing one in between gets a 503 with `Connection: close`); whatever is still
 * running after `drainMs` is cut, so a stuck client cannot hold the stop forever.
 */
export async function closeListener(
  server: Server,
  close: () => Promise<unknown>,
  options: { drainMs: number; log: Logger },
): Promise<void> {
  // Requests still arriving on kept-alive connections (routes served from node's request event skip
  // the framework's own closing logic) are answered, then their connection is closed.
  const closeAfterResponse = (_req: IncomingMessage, res: ServerResponse): void => {
    if (!res.headersSent) res.setHeader('connection', 'close');
  };
  server.prependListener('request', closeAfterResponse);
  const reaper = setInterval(() => server.closeIdleConnections(), IDLE_REAP_INTERVAL_MS);
  const cut = setTimeout(() => {
    options.log.warn(
      { drainMs: options.drainMs },
      'requests still running after the drain time: cutting them',
    );
    server.closeAllConnections();
  }, options.drainMs);
  try {
    server.closeIdleConnections();
    await close();
  } finally {
    clearInterval(reaper);
    clearTimeout(cut);
    server.off('request', closeAfterResponse);
  }
}

/** Drain time for in-flight requests within a stop bounded by `shutdownTimeoutMs`. */
export function requestDrainMs(shutdownTimeoutMs: number): number {
  return Math.max(1_000, Math.floor(shutdownTimeoutMs / 2));
}

/** Nest's LoggerService shape over pino (structural: no Nest import here). */
export function nestLogger(logger: Logger): {
  log(message: unknown, ...rest: unknown[]): void;
  error(message: unknown, ...rest: unknown[]): void;
  warn(message: unknown, ...rest: unknown[]): void;
  debug(message: unknown, ...rest: unknown[]): void;
  verbose(message: unknown, ...rest: unknown[]): void;
} {
  const write =
    (level: 'info' | 'error' | 'warn' | 'debug') =>
    (message: unknown, ...rest: unknown[]): void => {
      const context =
        typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
      const err = message instanceof Error ? message : undefined;
      logger[level]({ context, err }, err ? err.message : String(message));
    };
  return {
    log: write('info'),
    error: write('error'),
    warn: write('warn'),
    debug: write('debug'),
    verbose: write('debug'),
  };
}
