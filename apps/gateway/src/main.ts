import 'reflect-metadata';
import { loadConfig } from '@tollgate/platform';
import { requestDrainMs, startProcessTelemetry } from '@tollgate/observability';
import { startStandaloneGateway } from './gateway-app';

/**
 * `node dist/apps/gateway/src/main.js`: the gateway alone (scaled out behind a load balancer). Needs
 * DATABASE_URL (no embedded default here). Serves /v1, /healthz, /readyz and /metrics; on SIGTERM it
 * turns not ready, finishes in-flight requests, flushes usage, settles its leases and exits 0.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.databaseUrl)
    throw new Error(
      'the standalone gateway needs DATABASE_URL (use `tollgate start` for the embedded all-in-one)',
    );
  const telemetry = startProcessTelemetry(config, 'gateway');
  const log = telemetry.logger;
  const gateway = await startStandaloneGateway({
    databaseUrl: config.databaseUrl,
    eventStoreUrl: config.eventStoreUrl,
    masterKey: config.masterKey,
    port: config.port,
    host: config.host,
    telemetry,
    drainMs: requestDrainMs(config.shutdownTimeoutMs),
    shutdownHooks: false,
  });
  log.info({ url: `${gateway.url}/v1` }, 'gateway listening');

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error({ timeoutMs: config.shutdownTimeoutMs }, 'graceful shutdown timed out');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    gateway.readiness?.markShuttingDown();
    if (config.shutdownDelayMs > 0) await new Promise((ok) => setTimeout(ok, config.shutdownDelayMs));
    try {
      await gateway.close();
    } catch (err) {
      log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
    log.info('stopped');
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
