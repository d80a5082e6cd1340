import 'reflect-metadata';
import { loadConfig } from '@tollgate/platform';
import { startStandaloneGateway } from './gateway-app';

/** `node dist/apps/gateway/main.js`: the gateway alone. Needs DATABASE_URL (no embedded default here). */
async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.databaseUrl)
    throw new Error(
      'the standalone gateway needs DATABASE_URL (use `tollgate start` for the embedded all-in-one)',
    );
  const gateway = await startStandaloneGateway({
    databaseUrl: config.databaseUrl,
    masterKey: config.masterKey,
    port: config.port,
    host: config.host,
  });
  console.log(`Tollgate gateway listening at ${gateway.url}/v1`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
