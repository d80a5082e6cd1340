import {
  START,
  type AllPage,
  type GlobalPosition,
  type ReadAllOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from '../event-store';
import type { Log, PgNotifier } from './notifier';

/** What a subscription needs from its store. */
export interface AllReader {
  readAllPage(options: ReadAllOptions): Promise<AllPage>;
  hasPendingEvents(): Promise<boolean>;
  readonly pollIntervalMs: number;
  readonly pendingRepollMs: number;
}

const DEFAULT_BUFFER_SIZE = 1_000;
const MAX_PAGE_SIZE = 500;
const MAX_CONSECUTIVE_FAILURES = 5;
const FAILURE_BACKOFF_MS = 200;

/**
 * Catch-up then live subscription to `$all`. A background pump reads pages only while fewer than
 * `bufferSize` events wait unread (never more than `bufferSize` buffered), and when caught up sleeps
 * until a notification, the fallback poll, or — while an older transaction holds back newer commits —
 * a quick re-poll.
 */
export class PgAllSubscription implements Subscription {
  private readonly bufferSize: number;
  private buffer: RecordedEvent[] = [];
  private head = 0;
  private cursor: GlobalPosition;
  private closed = false;
  private failure: unknown = null;
  private pumping: Promise<void> | null = null;
  private wakePump: (() => void) | null = null;
  private woken = false;
  private waitingForRoom = false;
  private readonly lowWater: number;
  private wakeConsumer: (() => void) | null = null;
  private unlisten: (() => void) | null = null;
  private readonly onAbort = (): void => void this.close();

  constructor(
    private readonly reader: AllReader,
    private readonly notifier: PgNotifier,
    private readonly options: SubscribeOptions,
    private readonly log: Log,
    private readonly onClosed: () => void,
  ) {
    const size = options.bufferSize ?? DEFAULT_BUFFER_SIZE;
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`invalid bufferSize: ${size}`);
    this.bufferSize = size;
    this.lowWater = Math.floor(size / 2);
    this.cursor = options.after ?? START;
    if (options.signal?.aborted) this.closed = true;
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  get bufferedCount(): number {
    return this.buffer.length - this.head;
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return {
      next: () => this.next(),
      return: async () => {
        await this.close();
        return { value: undefined, done: true };
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed && !this.pumping && !this.unlisten) return;
    this.closed = true;
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.wake();
    this.wakeConsumer?.();
    const pumping = this.pumping;
    if (pumping) await pumping;
    this.unlisten?.();
    this.unlisten = null;
    this.buffer = [];
    this.head = 0;
    this.onClosed();
  }

  private async next(): Promise<IteratorResult<RecordedEvent>> {
    this.startPump();
    while (true) {
      if (this.head < this.buffer.length) {
        const value = this.buffer[this.head++];
        if (this.head === this.buffer.length) {
          this.buffer = [];
          this.head = 0;
        }
        if (this.waitingForRoom && this.bufferedCount <= this.lowWater) this.wakePump?.();
        return { value, done: false };
      }
      if (this.failure) {
        const failure = this.failure;
        await this.close();
        throw failure;
      }
      if (this.closed) return { value: undefined, done: true };
      await new Promise<void>((resolve) => {
        this.wakeConsumer = resolve;
      });
      this.wakeConsumer = null;
    }
  }

  private startPump(): void {
    if (this.pumping || this.closed) return;
    this.pumping = this.pump()
      .catch((err: unknown) => {
        this.failure = err;
      })
      .finally(() => {
        this.wakeConsumer?.();
      });
  }

  private wake(): void {
    this.woken = true;
    this.wakePump?.();
  }

  private async pump(): Promise<void> {
    this.unlisten = await this.notifier.listen(() => this.wake());
    let failures = 0;
    let pendingPolls = 0;
    while (!this.closed) {
      const room = this.bufferSize - this.bufferedCount;
      if (room <= 0) {
        // Backpressure: fetch again once the consumer has drained half the buffer.
        this.waitingForRoom = true;
        await this.sleep(this.reader.pollIntervalMs);
        this.waitingForRoom = false;
        continue;
      }
      const max = Math.min(room, MAX_PAGE_SIZE);
      this.woken = false;
      let page: RecordedEvent[];
      let scannedTo: GlobalPosition;
      let pending = false;
      try {
        ({ events: page, scannedTo } = await this.reader.readAllPage({
          after: this.cursor,
          maxCount: max,
          eventTypes: this.options.eventTypes,
        }));
        if (page.length < max) pending = await this.reader.hasPendingEvents();
        failures = 0;
      } catch (err) {
        if (++failures >= MAX_CONSECUTIVE_FAILURES) throw err;
        this.log('event-store subscription: read failed; retrying', err);
        await this.sleep(FAILURE_BACKOFF_MS * failures);
        continue;
      }
      if (this.closed) return;
      if (page.length > 0) {
        for (const e of page) this.buffer.push(e);
        this.wakeConsumer?.();
      }
      // Filtered: past the skipped events too, so the next read does not look at them again.
      this.cursor = scannedTo;
      if (page.length === max) continue;
      // Held back by an older open transaction: re-poll soon, backing off while it stays open (the
      // xmin horizon is server-wide, so a long transaction in any database can hold it).
      pendingPolls = pending && page.length === 0 ? pendingPolls + 1 : 0;
      const repollMs = Math.min(
        this.reader.pendingRepollMs * 2 ** Math.min(Math.max(pendingPolls - 1, 0), 10),
        this.reader.pollIntervalMs,
      );
      await this.sleep(pending ? repollMs : this.reader.pollIntervalMs);
    }
  }

  /** Sleeps until woken (notification, consumer progress, close) or the timeout. */
  private async sleep(ms: number): Promise<void> {
    if (this.woken || this.closed) {
      this.woken = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakePump = done;
    });
    this.wakePump = null;
    this.woken = false;
  }
}
