import pino, { type DestinationStream, type Logger } from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/**
 * Paths pino blanks out wherever they appear in a log object: credentials, session material and
 * anything that could carry a prompt or a completion. The request log never puts them there in the
 * first place; this is the second line of defence for objects logged elsewhere (errors, HTTP requests).
 */
export const REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["stripe-signature"]',
  'req.body',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  'apiKey',
  'password',
  'secret',
  'token',
  'messages',
  'prompt',
  'input',
  'body',
  '*.authorization',
  '*.apiKey',
  '*.password',
  '*.secret',
  '*.token',
  '*.messages',
  '*.prompt',
  '*.input',
  '*.body',
];

export interface LoggerOptions {
  level: LogLevel;
  /** Which process part writes (gateway, portal, projector, all-in-one). */
  service: string;
  /** Defaults to stdout (asynchronous writes are not used, so a crash loses nothing). */
  destination?: DestinationStream;
  /**
   * Blank out REDACT_PATHS (default true). Off only for loggers whose every line is built from known
   * fields (the /v1 request log): redaction costs ~10 µs a line, a third of the hot path's CPU budget.
   */
  redact?: boolean;
}

/** One JSON object per line on stdout, with timestamps in ISO 8601 and levels as words. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: options.redact === false ? undefined : { paths: [...REDACT_PATHS], censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

export type { Logger };
