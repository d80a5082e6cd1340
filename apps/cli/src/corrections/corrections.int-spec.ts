import type { NewEvent } from '@tollgate/event-store';
import { marginsProjection, rebuildProjections } from '@tollgate/projections';
import {
  correctCost,
  cost,
  costProfileSet,
  sellPriceSet,
  usageRecorded,
} from '../../../../libs/projections/src/margins/margins-fixtures';
import { projectionTestEnv, type ProjectionTestEnv } from '../../../../libs/projections/src/testing/test-env';
import { correctionsApplyCommand, correctionsPreviewCommand } from './corrections.command';

class Buffer {
  text = '';
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

describe('tollgate corrections preview / apply', () => {
  let env: ProjectionTestEnv;
  const put = (stream: string, events: NewEvent[]) =>
    env.store.append(stream, events, { expectedRevision: 'any' });

  beforeAll(async () => {
    env = await projectionTestEnv();
    await put('cost-profile-p1-gpt.x', [costProfileSet(1, '2026-01-01T00:00:00.000Z', cost('2', '8'))]);
    await put('sell-price-fast', [
      sellPriceSet(1, '2026-01-01T00:00:00.000Z', { kind: 'markup', markupPercent: '50' }),
    ]);
    await put(
      'usage-a1-l1',
      ['2026-02-10T11:00:00.000Z', '2026-02-10T12:30:00.000Z', '2026-02-10T19:00:00.000Z'].map(
        (occurredAt, i) =>
          usageRecorded({
            accountId: 'a1',
            leaseId: 'l1',
            requestId: `r${i}`,
            occurredAt,
            priceNanocredits: 9_000_000n,
          }),
      ),
    );
    // Appends become readable once no older transaction in the cluster is open.
    for (let i = 0; i < 600 && (await env.store.readAll({ maxCount: 10 })).length < 5; i++)
      await new Promise((ok) => setTimeout(ok, 50));
    const built = await rebuildProjections(env.pool, env.store, [marginsProjection]);
    expect(built.map((r) => r.error ?? 'ok')).toEqual(['ok']);
  });
  afterAll(() => env.close());

  it('given usage in the window, when previewing, then it prints requests, cost, price and margin before → after and writes nothing', async () => {
    const out = new Buffer();
    const err = new Buffer();
    expect(await correctionsPreviewCommand(env, correctCost(), {}, out, err)).toBe(0);
    expect(out.text).toContain(
      'correction corr-1: cost profile p1/gpt-x over [2026-02-10T12:00:00.000Z, 2026-02-10T18:00:00.000Z)',
    );
    expect(out.text).toContain('requests affected  1\n');
    expect(out.text).toContain('provider cost      0.006000000 → 0.003000000');
    expect(out.text).toContain('margin             0.003000000 → 0.006000000');
    expect(err.text).toContain('preview: 100% 1 requests');
    expect(await env.store.readStream('correction-corr-1')).toHaveLength(0);
  });

  it('given a bad window, then a clear message and exit 2, nothing written', async () => {
    const out = new Buffer();
    expect(
      await correctionsPreviewCommand(env, correctCost({ to: '2026-02-10T11:00:00.000Z' }), {}, out),
    ).toBe(2);
    expect(out.text).toContain('the window must end after it starts (INVALID_CORRECTION_WINDOW)');
  });

  it('when applying, then the correction is appended, the margins rebuilt with progress, and a second apply says so', async () => {
    const out = new Buffer();
    const err = new Buffer();
    expect(await correctionsApplyCommand(env, correctCost(), { json: true }, out, err)).toBe(0);
    const result = JSON.parse(out.text) as { appended: boolean; rebuild: { name: string; ok: boolean }[] };
    expect(result.appended).toBe(true);
    expect(result.rebuild).toEqual([expect.objectContaining({ name: 'margins', ok: true })]);
    expect(err.text).toMatch(/rebuild margins: 100% \d+ events in/);
    const { rows } = await env.pool.query<{ cost: string }>(
      `SELECT cost_nanocredits::text AS cost FROM margin_requests ORDER BY occurred_at`,
    );
    expect(rows.map((r) => r.cost)).toEqual(['6000000', '3000000', '6000000']);

    const again = new Buffer();
    expect(await correctionsApplyCommand(env, correctCost(), { rebuild: false }, again, new Buffer())).toBe(
      0,
    );
    expect(again.text).toContain('correction corr-1 was already applied: nothing appended');
  });
});
