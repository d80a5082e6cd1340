import { Readiness, withTimeout } from './readiness';

describe('Readiness', () => {
  it('given every check passes, then ready; given one fails, then not ready with that check’s reason', async () => {
    let dbUp = true;
    const readiness = new Readiness([
      {
        name: 'database',
        check: async () => {
          if (!dbUp) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        },
      },
      { name: 'event store', check: async () => undefined },
    ]);
    expect(await readiness.report()).toEqual({
      ready: true,
      checks: [
        { name: 'database', ok: true },
        { name: 'event store', ok: true },
      ],
    });
    dbUp = false;
    expect(await readiness.report()).toEqual({
      ready: false,
      checks: [
        { name: 'database', ok: false, reason: 'connect ECONNREFUSED 127.0.0.1:5432' },
        { name: 'event store', ok: true },
      ],
    });
  });

  it('given a stop has begun, then not ready first of all, with since when', async () => {
    const readiness = new Readiness([{ name: 'database', check: async () => undefined }]);
    readiness.markShuttingDown(new Date('2026-11-27T10:00:00Z'));
    readiness.markShuttingDown(new Date('2026-11-27T10:00:05Z')); // the first moment counts
    const report = await readiness.report();
    expect(report.ready).toBe(false);
    expect(report.checks[0]).toEqual({
      name: 'lifecycle',
      ok: false,
      reason: 'shutting down since 2026-11-27T10:00:00.000Z',
    });
  });

  it('given a check that hangs, then withTimeout fails it with a clear reason', async () => {
    const hung = withTimeout('database', () => new Promise(() => undefined), 20);
    await expect(hung.check()).rejects.toThrow('database did not answer in 20 ms');
  });
});
