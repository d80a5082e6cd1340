/** Nest's own start-up contexts: at info level they print a line per module loaded and route mapped. */
export const FRAMEWORK_CHATTER_CONTEXTS: ReadonlySet<string> = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestFactory',
  'NestApplication',
]);

/** The shape of a Nest LoggerService, without importing Nest into a lib. */
export interface FrameworkLogger {
  log(message: unknown, ...rest: unknown[]): unknown;
  error(message: unknown, ...rest: unknown[]): unknown;
  warn(message: unknown, ...rest: unknown[]): unknown;
  debug?(message: unknown, ...rest: unknown[]): unknown;
  verbose?(message: unknown, ...rest: unknown[]): unknown;
  fatal?(message: unknown, ...rest: unknown[]): unknown;
}

/**
 * Drops Nest's start-up chatter (info lines whose context is one of FRAMEWORK_CHATTER_CONTEXTS) unless
 * `keep` (debug level): the start banner with the URLs and logins stays readable. Warnings, errors and
 * every other context pass through unchanged.
 */
export function quietFrameworkChatter(inner: FrameworkLogger, keep: boolean): FrameworkLogger {
  if (keep) return inner;
  const isChatter = (rest: unknown[]): boolean => {
    const context = rest[rest.length - 1];
    return typeof context === 'string' && FRAMEWORK_CHATTER_CONTEXTS.has(context);
  };
  return {
    log: (message, ...rest) => (isChatter(rest) ? undefined : inner.log(message, ...rest)),
    error: (message, ...rest) => inner.error(message, ...rest),
    warn: (message, ...rest) => inner.warn(message, ...rest),
    debug: (message, ...rest) => inner.debug?.(message, ...rest),
    verbose: (message, ...rest) => inner.verbose?.(message, ...rest),
    fatal: (message, ...rest) => (inner.fatal ?? inner.error).call(inner, message, ...rest),
  };
}
