import { CommandBus } from '@nestjs/cqrs';
import type { Pool } from 'pg';
import { ReserveLeaseCommand } from '@tollgate/ledger-nest';
import type { RunningTollgate } from '../../../apps/cli/src/commands/start';
import { LeaseSweeper } from '../../../apps/cli/src/leases/lease-sweeper';
import { startAllInOne, type AllInOne } from '../support/all-in-one';

jest.setTimeout(60_000);

async function availableOf(pool: Pool, accountId: string, expected: bigint): Promise<bigint> {
  let last = -1n;
  for (let i = 0; i < 200; i++) {
    const { rows } = await pool.query('SELECT available_nanocredits FROM balances WHERE account_id = $1', [
      accountId,
    ]);
    last = rows[0] ? BigInt(rows[0].available_nanocredits) : -1n;
    if (last === expected) return last;
    await new Promise((ok) => setTimeout(ok, 50));
  }
  return last;
}

describe('lease sweeper (a gateway that died holding a lease)', () => {
  let app: AllInOne;
  let running: RunningTollgate;
  let pool: Pool;

  beforeAll(async () => {
    app = await startAllInOne();
    ({ running, pool } = app);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('given a lease whose holder vanished, when the sweeper runs before and after its expiry, then only the late sweep returns the slice to the account', async () => {
    const accountId = running.demo!.workspaceId;
    const start = await availableOf(pool, accountId, 25_000_000_000n);
    expect(start).toBe(25_000_000_000n);
    const reservedAt = new Date();
    await running.app.get(CommandBus).execute(
      new ReserveLeaseCommand({
        accountId,
        leaseId: 'lease-of-a-dead-gateway',
        holder: 'gw-dead',
        amountNanocredits: 4_000_000_000n,
        ttlMs: 60_000,
        idempotencyKey: 'dead-gateway-lease',
        now: reservedAt.toISOString(),
      }),
    );
    expect(await availableOf(pool, accountId, 21_000_000_000n)).toBe(21_000_000_000n);

    const sweeper = running.app.get(LeaseSweeper);
    expect(await sweeper.sweep(new Date(reservedAt.getTime() + 30_000))).toBe(0);
    expect(await sweeper.sweep(new Date(reservedAt.getTime() + 61_000))).toBe(1);
    expect(await availableOf(pool, accountId, 25_000_000_000n)).toBe(25_000_000_000n);
    // A second sweep finds the lease closed and changes nothing.
    expect(await sweeper.sweep(new Date(reservedAt.getTime() + 120_000))).toBe(0);
  });
});
