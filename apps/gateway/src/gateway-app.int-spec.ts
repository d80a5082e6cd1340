import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { startStandaloneGateway } from './gateway-app';

jest.setTimeout(60_000);

describe('standalone gateway shutdown without telemetry', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('given a gateway started without telemetry, when it closes, then HTTP is drained while credit admission still accepts, and admission closes after', async () => {
    const gateway = await startStandaloneGateway({
      databaseUrl: db.url,
      masterKey: randomBytes(32),
      port: 0,
      host: '127.0.0.1',
      shutdownHooks: false,
      runProjections: false,
      drainMs: 2_000,
    });
    const served = await fetch(`${gateway.url}/v1/models`);
    expect(served.status).toBe(401); // up and answering (no key)

    // A request reaching the gateway during shutdown must meet a closing HTTP server (503 / refused),
    // never a closed admission (402): so the listener is closed before admission stops accepting.
    let acceptingWhenHttpClosed: boolean | undefined;
    gateway.app.getHttpServer().once('close', () => {
      acceptingWhenHttpClosed = gateway.admission.stats().accepting;
    });
    await gateway.close();

    expect(acceptingWhenHttpClosed).toBe(true);
    expect(gateway.admission.stats().accepting).toBe(false);
    await expect(fetch(`${gateway.url}/v1/models`)).rejects.toThrow();
  });
});
