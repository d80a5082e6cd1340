import type { Pool } from 'pg';

export { runTollgate } from '../../support/tollgate-cli';

/** Each client gives up after this many requests (bounds a test if the stop never comes). */
const MAX_REQUESTS_PER_CLIENT = 400;

export interface Outcome {
  status: number | 'network_error';
  requestId?: string;
  /** performance.now() when the request was sent and when its answer (or error) was complete. */
  sentAt: number;
  doneAt: number;
}

/** One client: demo-chat requests (every third one streamed) until `stop.now` or the bound. */
export async function loadClient(
  url: string,
  apiKey: string,
  outcomes: Outcome[],
  stop: { now: boolean },
): Promise<void> {
  for (let i = 0; i < MAX_REQUESTS_PER_CLIENT && !stop.now; i++) {
    const sentAt = performance.now();
    try {
      const stream = i % 3 === 0;
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'demo-chat',
          stream,
          max_tokens: 50,
          messages: [{ role: 'user', content: `load ${i}` }],
        }),
        signal: AbortSignal.timeout(15_000),
      });
      const body = await res.text();
      // A 200 counts as served only if its whole body arrived (a stream ends with [DONE]).
      const complete = res.status !== 200 || !stream || body.includes('data: [DONE]');
      outcomes.push({
        status: complete ? res.status : 'network_error',
        requestId: res.headers.get('x-request-id') ?? undefined,
        sentAt,
        doneAt: performance.now(),
      });
    } catch {
      outcomes.push({ status: 'network_error', sentAt, doneAt: performance.now() });
      // Refused connections come back at once: do not spin.
      await new Promise((ok) => setTimeout(ok, 20));
    }
  }
}

/** Polls /readyz right after a signal until it answers 503 (bounded); its body, or undefined. */
export async function firstNotReady(url: string, withinMs = 2_000): Promise<string | undefined> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    const res = await fetch(`${url}/readyz`).catch(() => undefined);
    if (res?.status === 503) return res.text();
    await new Promise((ok) => setTimeout(ok, 20));
  }
  return undefined;
}

/** UsageRecorded per request id: how many, and the charge. */
export async function usageByRequest(pool: Pool): Promise<Map<string, { n: number; price: bigint }>> {
  const { rows } = await pool.query<{ rid: string; n: string; price: string }>(
    `SELECT data->>'requestId' AS rid, count(*)::text AS n, max((data->>'priceNanocredits')::numeric)::text AS price
       FROM events WHERE type = 'UsageRecorded' GROUP BY 1`,
  );
  return new Map(rows.map((r) => [r.rid, { n: Number(r.n), price: BigInt(r.price) }]));
}

/** Leases reserved (optionally by one holder) and whether each was settled or expired. */
export async function leasesClosed(
  pool: Pool,
): Promise<{ lease: string; holder: string; closed: boolean }[]> {
  const { rows } = await pool.query<{ lease: string; holder: string; closed: boolean }>(
    `SELECT r.data->>'leaseId' AS lease, r.data->>'holder' AS holder,
            EXISTS (SELECT 1 FROM events c
                     WHERE c.type IN ('CreditLeaseSettled', 'CreditLeaseExpired')
                       AND c.stream_id = r.stream_id AND c.data->>'leaseId' = r.data->>'leaseId') AS closed
       FROM events r WHERE r.type = 'CreditLeaseReserved'`,
  );
  return rows;
}

/**
 * The money outcome of a stop under load: every request answered 200 was charged exactly once (with a
 * price), no request was charged twice, and every lease reserved was settled or expired.
 */
export async function expectServedChargedOnceAndLeasesClosed(
  pool: Pool,
  outcomes: readonly Outcome[],
): Promise<void> {
  const usage = await usageByRequest(pool);
  for (const o of outcomes.filter((x) => x.status === 200)) {
    const u = usage.get(o.requestId!);
    expect({ requestId: o.requestId, recorded: u?.n }).toEqual({ requestId: o.requestId, recorded: 1 });
    expect(u!.price).toBeGreaterThan(0n);
  }
  expect([...usage].filter(([, u]) => u.n !== 1)).toEqual([]);
  const leases = await leasesClosed(pool);
  expect(leases.length).toBeGreaterThan(0);
  expect(leases.filter((l) => !l.closed)).toEqual([]);
}
