import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import pino from 'pino';
import { closeListener } from './shutdown';

const log = pino({ level: 'silent' });

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('closeListener (graceful stop of an HTTP listener)', () => {
  it('given a request in flight and a busy kept-alive client, then the in-flight one completes, the busy connection is told to close, and the stop is quick', async () => {
    const { server, url } = await listen((req, res) => {
      // The busy client's requests take a while, so its connection is hardly ever idle.
      const delayMs = req.url === '/slow' ? 300 : 100;
      setTimeout(() => res.end('ok'), delayMs);
    });
    const agent = new Agent({ keepAliveTimeout: 60_000, connections: 1 });
    // A client hammering one kept-alive connection, back to back.
    let busy = true;
    const statuses: (number | 'error')[] = [];
    const connectionHeaders: (string | undefined)[] = [];
    const hammer = (async () => {
      while (busy) {
        try {
          const res = await request(`${url}/fast`, { dispatcher: agent });
          await res.body.text();
          statuses.push(res.statusCode);
          connectionHeaders.push(res.headers.connection as string | undefined);
        } catch {
          statuses.push('error');
          await new Promise((ok) => setTimeout(ok, 10));
        }
      }
    })();
    await new Promise((ok) => setTimeout(ok, 100));
    const slow = fetch(`${url}/slow`).then(async (r) => ({ status: r.status, body: await r.text() }));
    await new Promise((ok) => setTimeout(ok, 50));

    const started = performance.now();
    await closeListener(server, () => new Promise((ok) => server.close(ok)), { drainMs: 5_000, log });
    const tookMs = performance.now() - started;
    busy = false;
    await hammer;
    await agent.close();

    expect(await slow).toEqual({ status: 200, body: 'ok' });
    // Well before the 5 s cut: the busy connection was closed after its next answer, not waited for.
    expect(tookMs).toBeLessThan(2_000);
    expect(connectionHeaders.includes('close') || statuses.includes('error')).toBe(true);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
  });

  it('given a request that never finishes, then it is cut after the drain time', async () => {
    const { server, url } = await listen(() => undefined); // never answers
    const hung = fetch(url).then(
      () => 'answered',
      () => 'cut',
    );
    await new Promise((ok) => setTimeout(ok, 50));
    const started = performance.now();
    await closeListener(server, () => new Promise((ok) => server.close(ok)), { drainMs: 200, log });
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(await hung).toBe('cut');
  });
});
