import { Client, type ClientConfig } from 'pg';

export type Log = (message: string, error?: unknown) => void;

const RECONNECT_MIN_MS = 100;
/** Shows the LISTEN session in pg_stat_activity. */
export const LISTEN_APPLICATION_NAME = 'tollgate-event-store-listen';
const RECONNECT_MAX_MS = 5_000;

/**
 * One LISTEN connection shared by every subscription of a store instance. It connects when the first
 * listener arrives and disconnects when the last leaves; a lost connection is re-established with
 * backoff, and listeners are woken after a reconnect (a notification may have been missed meanwhile).
 */
export class PgNotifier {
  private readonly listeners = new Set<() => void>();
  private client: Client | null = null;
  private connecting: Promise<void> | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private reconnectDelayMs = RECONNECT_MIN_MS;
  private stopped = false;

  constructor(
    private readonly config: ClientConfig,
    private readonly channel: string,
    private readonly log: Log,
  ) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`unsafe channel name: ${channel}`);
  }

  /** Registers a listener; resolves once LISTEN is active (or failed: the caller's poll covers it). */
  async listen(listener: () => void): Promise<() => void> {
    this.listeners.add(listener);
    await this.ensureConnected();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) void this.disconnect();
    };
  }

  /** Wakes local listeners directly (appends made by this process). */
  wakeLocal(): void {
    this.emit();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.listeners.clear();
    await this.disconnect();
  }

  private emit(): void {
    for (const l of [...this.listeners]) {
      try {
        l();
      } catch (err) {
        this.log('event-store notifier: listener failed', err);
      }
    }
  }

  private ensureConnected(): Promise<void> {
    if (this.client || this.stopped) return Promise.resolve();
    if (!this.connecting) {
      this.connecting = this.connect().finally(() => {
        this.connecting = null;
      });
    }
    return this.connecting;
  }

  private async connect(): Promise<void> {
    const client = new Client({ application_name: LISTEN_APPLICATION_NAME, ...this.config });
    client.on('error', (err) => this.onLost(client, err));
    client.on('end', () => this.onLost(client, new Error('connection ended')));
    client.on('notification', () => this.emit());
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
    } catch (err) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      this.log('event-store notifier: LISTEN failed; retrying', err);
      this.scheduleReconnect();
      return;
    }
    if (this.stopped || this.listeners.size === 0) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.reconnectDelayMs = RECONNECT_MIN_MS;
    // Anything committed while we were not listening is found by this wake-up's re-read.
    this.emit();
  }

  private onLost(client: Client, err: unknown): void {
    if (this.client !== client) return;
    this.client = null;
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    if (this.stopped || this.listeners.size === 0) return;
    this.log('event-store notifier: connection lost; reconnecting', err);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer || this.stopped || this.listeners.size === 0) return;
    const delay = this.reconnectDelayMs;
    this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, RECONNECT_MAX_MS);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.ensureConnected();
    }, delay);
    this.reconnectTimer.unref();
  }

  private async disconnect(): Promise<void> {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    if (this.connecting) await this.connecting;
    if (this.listeners.size > 0 && !this.stopped) return;
    const client = this.client;
    this.client = null;
    if (!client) return;
    client.removeAllListeners('end');
    await client.end().catch(() => undefined);
  }
}
