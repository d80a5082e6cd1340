import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { Pool } from 'pg';
import { isDomainError } from '@tollgate/event-store';
import { ExpireLeaseCommand } from '@tollgate/ledger-nest';
import { readRegistry } from '@tollgate/projections';

export const LEASE_SWEEPER_OPTIONS = Symbol('LEASE_SWEEPER_OPTIONS');

export interface LeaseSweeperOptions {
  pool: Pool;
  intervalMs: number;
  /** Most leases looked at per sweep, so one sweep stays short. */
  maxLeasesPerSweep: number;
}

export const DEFAULT_LEASE_SWEEP = { intervalMs: 30_000, maxLeasesPerSweep: 500 };

/** Codes that mean "nothing to do for this lease now", not a failure. */
const SETTLED_OR_NOT_DUE = new Set(['LEASE_NOT_EXPIRED', 'LEASE_ALREADY_CLOSED', 'LEASE_NOT_FOUND']);

/**
 * Expires leases whose holder vanished (a crashed gateway): their usage stream is closed, the usage
 * already recorded stays charged and the rest of the slice returns to the account. The decider decides
 * whether a lease is due, so a sweep is safe from any number of processes at once.
 */
@Injectable()
export class LeaseSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('LeaseSweeper');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    @Inject(LEASE_SWEEPER_OPTIONS) private readonly options: LeaseSweeperOptions,
    @Inject(CommandBus) private readonly commandBus: CommandBus,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), this.options.intervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass; returns how many leases it expired. */
  sweep(now: Date = new Date()): Promise<number> {
    this.running ??= this.sweepOnce(now)
      .catch((err: unknown) => {
        this.log.error(`lease sweep failed: ${(err as Error).message}`);
        return 0;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async sweepOnce(now: Date): Promise<number> {
    const registry = await readRegistry(this.options.pool, 'balances');
    if (!registry?.live_version) return 0;
    const { rows } = await this.options.pool.query<{ account_id: string; lease_id: string }>(
      `SELECT account_id, lease_id FROM balance_leases_v${Number(registry.live_version)}
        WHERE open ORDER BY account_id, lease_id LIMIT $1`,
      [this.options.maxLeasesPerSweep],
    );
    let expired = 0;
    for (const lease of rows) {
      try {
        const result = await this.commandBus.execute(
          new ExpireLeaseCommand(
            {
              accountId: lease.account_id,
              leaseId: lease.lease_id,
              idempotencyKey: `expire-lease:${lease.account_id}:${lease.lease_id}`,
              now: now.toISOString(),
            },
            { actor: 'lease-sweeper' },
          ),
        );
        if (result.events.length > 0) expired++;
      } catch (err) {
        if (isDomainError(err) && SETTLED_OR_NOT_DUE.has(err.code)) continue;
        this.log.warn(`lease ${lease.lease_id} of ${lease.account_id}: ${(err as Error).message}`);
      }
    }
    if (expired > 0) this.log.log(`expired ${expired} abandoned lease(s)`);
    return expired;
  }
}
