import type { Pool, PoolClient } from 'pg';

/**
 * Runs `fn` with a client checked out of `pool`. While a client is checked out pg-pool does not listen
 * for its 'error' event, so a connection Postgres drops meanwhile (restart, pg_terminate_backend, network)
 * would emit an unhandled 'error' and crash the process. This listens for the whole hold, turns such an
 * error into the failure of `fn` (the pending query rejects as well), and releases a broken client with
 * the error so the pool destroys it instead of handing it out again.
 */
export async function withClient<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (err: Error): void => {
    broken ??= err;
  };
  client.on('error', onError);
  try {
    const result = await fn(client);
    if (broken) throw broken;
    return result;
  } catch (err) {
    broken ??= err instanceof Error && isConnectionError(err) ? err : undefined;
    throw err;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/** Errors after which the connection cannot be reused (as opposed to a failed statement). */
function isConnectionError(err: Error): boolean {
  const code = (err as { code?: unknown }).code;
  if (
    typeof code === 'string' &&
    (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03')
  )
    return true;
  return /Connection terminated|connection.*(closed|ended)|ECONNRESET|EPIPE|Client has encountered a connection error/i.test(
    err.message,
  );
}

/** `withClient` inside BEGIN … COMMIT; rolled back (when the connection still allows) on any failure. */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  return withClient(pool, async (client) => {
    await client.query('BEGIN');
    try {
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  });
}
