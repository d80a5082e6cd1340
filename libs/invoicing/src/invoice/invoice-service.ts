import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DomainError,
  handleCommand,
  isConcurrencyError,
  type EventMetadata,
  type EventStore,
  type ExpectedRevision,
} from '@tollgate/event-store';
import { loadState } from '../stream-state';
import { decodeNumberAllocated, type InvoiceNumberAllocated } from '../numbering/events';
import {
  DEFAULT_SERIES,
  formatInvoiceNumber,
  numberStreamId,
  utcYear,
  validateSeries,
  type InvoiceSeries,
} from '../numbering/series';
import { decideInvoice, invoiceDecider, type InvoiceCommand, type InvoiceState } from './decider';
import { decodeInvoiceEvent, invoiceStreamId, parseInvoiceEvent, type InvoiceEvent } from './events';
import type { ConfirmedOrder, SellerSnapshot } from './inputs';

export interface InvoiceServiceOptions {
  store: EventStore;
  seller: SellerSnapshot;
  /** Series by id; the first is the default for new invoices. */
  series?: readonly InvoiceSeries[];
  clock?: () => Date;
  /** Bounded retries of the numbering loop under contention (each with jittered backoff). */
  maxFinalizeAttempts?: number;
  /** Upper bound of the jittered backoff between numbering attempts. */
  maxBackoffMs?: number;
}

export interface FinalizedNumber {
  invoiceId: string;
  number: string;
  sequence: number;
  year: number;
  seriesId: string;
}

const DEFAULT_MAX_FINALIZE_ATTEMPTS = 200;
const DEFAULT_MAX_BACKOFF_MS = 10;
const RECOVERY_PAGE = 200;
const SCAN_PAGE = 500;
const MAX_CACHED_ALLOCATIONS = 20_000;
const MAX_RECOVERY_SCAN = 1_000_000;

/** uuid-shaped id derived from a name, so a reactor re-deriving it for the same order gets the same one. */
export function deterministicId(namespace: string, name: string): string {
  const h = createHash('sha256').update(`${namespace}:${name}`).digest('hex');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function invoiceIdForOrder(orderId: string): string {
  return deterministicId('invoice', orderId);
}

export function creditNoteIdForRefund(refundId: string): string {
  return deterministicId('credit-note', refundId);
}

/**
 * Invoice commands against the event store, including gap-free numbering.
 *
 * Numbering: the invoice first records `InvoiceNumberRequested` with the sequence stream's last revision
 * R (once; conflicts on the invoice stream serialize this). A slot is then filled with
 * `InvoiceNumberAllocated` at the expected revision the filler has just read, after checking every
 * allocation since R: so a slot is filled once, and an invoice fills at most one slot (any slot filled
 * for it in between would have moved the revision and failed the append). Then `InvoiceFinalized`
 * carries the number. Every filled slot belongs to an invoice that requested a number; a retry,
 * `finalizePending` or the reactor finds that slot by scanning from R and finishes the invoice with it.
 * Hence no duplicates and no gaps, also across crashes. Under contention a retry costs one read of the
 * new allocations and one append.
 */
export class InvoiceService {
  private readonly store: EventStore;
  private readonly seller: SellerSnapshot;
  private readonly series: Map<string, InvoiceSeries>;
  private readonly defaultSeries: InvoiceSeries;
  private readonly clock: () => Date;
  private readonly maxFinalizeAttempts: number;
  private readonly maxBackoffMs: number;
  /** Numbering counters since start (metrics; contention shows as conflicts per finalized invoice). */
  readonly numberingStats = { finalized: 0, attempts: 0, slotConflicts: 0 };
  private readonly slotTurns = new Map<string, Promise<void>>();
  /** Allocations already read per sequence stream (immutable facts, so safe to keep). */
  private readonly scanCache = new Map<string, { from: bigint; last: bigint; owners: Map<string, number> }>();

  constructor(options: InvoiceServiceOptions) {
    this.store = options.store;
    this.seller = options.seller;
    const list = (options.series ?? [DEFAULT_SERIES]).map(validateSeries);
    if (list.length === 0) throw new Error('at least one invoice series is needed');
    this.series = new Map(list.map((s) => [s.id, s]));
    this.defaultSeries = list[0];
    this.clock = options.clock ?? (() => new Date());
    this.maxFinalizeAttempts = options.maxFinalizeAttempts ?? DEFAULT_MAX_FINALIZE_ATTEMPTS;
    this.maxBackoffMs = options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
  }

  async load(invoiceId: string): Promise<{ state: InvoiceState; revision: bigint | null }> {
    return loadState(this.store, invoiceStreamId(invoiceId), invoiceDecider, decodeInvoiceEvent);
  }

  async readEvents(invoiceId: string): Promise<InvoiceEvent[]> {
    const recorded = await this.store.readStream(invoiceStreamId(invoiceId), { maxCount: 10_000 });
    return recorded
      .map((r) => decodeInvoiceEvent(r.type, r.data))
      .filter((e): e is InvoiceEvent => e !== null);
  }

  private execute(command: InvoiceCommand, metadata?: EventMetadata) {
    return handleCommand({
      store: this.store,
      streamId: invoiceStreamId(command.invoiceId),
      decider: invoiceDecider,
      command,
      parse: parseInvoiceEvent,
      metadata,
    });
  }

  /** Drafts the invoice of a confirmed order; the same order again is a no-op. */
  async draftFromOrder(
    invoiceId: string,
    order: ConfirmedOrder,
    options: { seriesId?: string; metadata?: EventMetadata } = {},
  ): Promise<InvoiceState> {
    const seriesId = options.seriesId ?? this.defaultSeries.id;
    if (!this.series.has(seriesId)) throw new DomainError('UNKNOWN_SERIES', `unknown series ${seriesId}`);
    const result = await this.execute(
      {
        type: 'DraftInvoice',
        invoiceId,
        seriesId,
        order,
        seller: this.seller,
        draftedAt: this.clock().toISOString(),
      },
      options.metadata,
    );
    return result.state;
  }

  async void(invoiceId: string, reason: string, metadata?: EventMetadata): Promise<InvoiceState> {
    const result = await this.execute(
      { type: 'VoidInvoice', invoiceId, reason, voidedAt: this.clock().toISOString() },
      metadata,
    );
    return result.state;
  }

  async issueCreditNote(
    invoiceId: string,
    input: { creditNoteId: string; refundId: string; grossMinor: bigint; reason: string | null },
    metadata?: EventMetadata,
  ): Promise<InvoiceState> {
    const result = await this.execute(
      { type: 'IssueCreditNote', invoiceId, ...input, issuedAt: this.clock().toISOString() },
      metadata,
    );
    return result.state;
  }

  /** Gives a drafted invoice its number and finalizes it; idempotent (returns the number it has). */
  async finalize(invoiceId: string, metadata?: EventMetadata): Promise<FinalizedNumber> {
    const streamId = invoiceStreamId(invoiceId);
    let { state, revision } = await this.load(invoiceId);
    let attempts = 0;
    while (attempts < this.maxFinalizeAttempts) {
      attempts++;
      this.numberingStats.attempts++;
      if (state.finalized) return this.finalizedNumber(state);
      if (state.status === 'none' || revision === null)
        throw new DomainError('INVOICE_NOT_FOUND', `invoice ${invoiceId} does not exist`, { invoiceId });
      const series = this.seriesOf(state);
      const now = this.clock().toISOString();
      if (!state.numberRequest) {
        const year = utcYear(now);
        const tail = await this.store.readStream(numberStreamId(series.id, year), {
          direction: 'backwards',
          maxCount: 1,
        });
        const requested = await this.appendDecided(
          streamId,
          state,
          revision,
          {
            type: 'RequestInvoiceNumber',
            invoiceId,
            seriesId: series.id,
            year,
            afterRevision: tail.length > 0 ? Number(tail[0].revision) : -1,
            requestedAt: now,
          },
          metadata,
        );
        if (!requested) {
          ({ state, revision } = await this.load(invoiceId));
          continue;
        }
        ({ state, revision } = requested);
      }
      const request = state.numberRequest as NonNullable<InvoiceState['numberRequest']>;
      const slot = await this.takeSlot(series, request, invoiceId, now, metadata, () => attempts++);
      if (!slot) break;
      const done = await this.appendFinalized(
        streamId,
        state,
        revision,
        request,
        slot,
        series,
        now,
        metadata,
      );
      if (done) {
        this.numberingStats.finalized++;
        return done;
      }
      ({ state, revision } = await this.load(invoiceId)); // someone else finished it; the loop returns that
    }
    throw new DomainError('NUMBERING_CONTENDED', `could not number invoice ${invoiceId}; retry later`, {
      invoiceId,
      attempts: this.maxFinalizeAttempts,
    });
  }

  /**
   * The slot this invoice owns after its request, filling the next free one if it owns none. Scans the
   * sequence stream from the request on (incrementally: after a lost race only the new events are
   * read) and fills at the revision it saw last, so nobody can have filled a slot for it in between.
   */
  private async takeSlot(
    series: InvoiceSeries,
    request: NonNullable<InvoiceState['numberRequest']>,
    invoiceId: string,
    now: string,
    metadata: EventMetadata | undefined,
    countAttempt: () => number,
  ): Promise<number | null> {
    const streamId = numberStreamId(request.seriesId, request.year);
    // This process's workers take turns per stream: they never race each other for a slot, only
    // other processes (the expected-revision append still decides those races).
    const previous = this.slotTurns.get(streamId) ?? Promise.resolve();
    let release = (): void => undefined;
    const turn = new Promise<void>((resolve) => (release = resolve));
    const chained = previous.then(() => turn);
    this.slotTurns.set(streamId, chained);
    await previous;
    try {
      return await this.takeSlotInTurn(streamId, series, request, invoiceId, now, metadata, countAttempt);
    } finally {
      release();
      if (this.slotTurns.get(streamId) === chained) this.slotTurns.delete(streamId);
    }
  }

  private async takeSlotInTurn(
    streamId: string,
    series: InvoiceSeries,
    request: NonNullable<InvoiceState['numberRequest']>,
    invoiceId: string,
    now: string,
    metadata: EventMetadata | undefined,
    countAttempt: () => number,
  ): Promise<number | null> {
    const from = BigInt(request.afterRevision);
    let cache = this.scanCache.get(streamId);
    // The cache holds every allocation in (cache.from, cache.last]; usable when it covers the request.
    if (!cache || cache.from > from || cache.owners.size > MAX_CACHED_ALLOCATIONS) {
      cache = { from, last: from, owners: new Map() };
      this.scanCache.set(streamId, cache);
    }
    for (let pages = 0; pages < MAX_RECOVERY_SCAN / SCAN_PAGE; pages++) {
      const page = await this.store.readStream(streamId, {
        fromRevision: cache.last + 1n,
        maxCount: SCAN_PAGE,
      });
      for (const recorded of page) {
        const allocated = decodeNumberAllocated(recorded.type, recorded.data);
        if (allocated) cache.owners.set(allocated.data.invoiceId, allocated.data.sequence);
        cache.last = recorded.revision;
      }
      const owned = cache.owners.get(invoiceId);
      if (owned !== undefined && owned - 1 > request.afterRevision) return owned;
      if (page.length === SCAN_PAGE) continue;
      const sequence = Number(cache.last) + 2;
      if (await this.fillSlot(series, request.year, sequence, invoiceId, now, metadata)) {
        cache.owners.set(invoiceId, sequence);
        cache.last += 1n;
        return sequence;
      }
      this.numberingStats.slotConflicts++;
      if (countAttempt() >= this.maxFinalizeAttempts) return null;
      await this.backoff();
    }
    return null;
  }

  /**
   * Recovery after a crash between filling a slot and finalizing: finishes every invoice that owns a
   * number of this series/year but is not finalized yet. Returns how many it finalized.
   */
  async finalizePending(seriesId: string, year: number, fromSequence = 1): Promise<number> {
    const streamId = numberStreamId(seriesId, year);
    let from = BigInt(Math.max(1, fromSequence) - 1);
    let finalized = 0;
    for (let scanned = 0; scanned < MAX_RECOVERY_SCAN; scanned += RECOVERY_PAGE) {
      const page = await this.store.readStream(streamId, { fromRevision: from, maxCount: RECOVERY_PAGE });
      for (const recorded of page) {
        const allocated = decodeNumberAllocated(recorded.type, recorded.data);
        if (!allocated) continue;
        const { state } = await this.load(allocated.data.invoiceId);
        if (state.status === 'draft') {
          await this.finalize(allocated.data.invoiceId, {
            causationId: recorded.id,
            actor: 'invoicing-recovery',
          });
          finalized++;
        }
      }
      if (page.length < RECOVERY_PAGE) return finalized;
      from = page[page.length - 1].revision + 1n;
    }
    return finalized;
  }

  private seriesOf(state: InvoiceState): InvoiceSeries {
    const id = state.drafted?.seriesId ?? this.defaultSeries.id;
    const series = this.series.get(id);
    if (!series) throw new DomainError('UNKNOWN_SERIES', `unknown series ${id}`, { seriesId: id });
    return series;
  }

  private finalizedNumber(state: InvoiceState): FinalizedNumber {
    const f = state.finalized as NonNullable<InvoiceState['finalized']>;
    return {
      invoiceId: f.invoiceId,
      number: f.number,
      sequence: f.sequence,
      year: f.year,
      seriesId: f.seriesId,
    };
  }

  private async appendFinalized(
    streamId: string,
    state: InvoiceState,
    revision: bigint,
    request: NonNullable<InvoiceState['numberRequest']>,
    sequence: number,
    series: InvoiceSeries,
    now: string,
    metadata?: EventMetadata,
  ): Promise<FinalizedNumber | null> {
    const invoiceId = (state.drafted as NonNullable<InvoiceState['drafted']>).invoiceId;
    const result = await this.appendDecided(
      streamId,
      state,
      revision,
      {
        type: 'FinalizeInvoice',
        invoiceId,
        seriesId: request.seriesId,
        year: request.year,
        sequence,
        number: formatInvoiceNumber(series, request.year, sequence),
        finalizedAt: now,
      },
      metadata,
    );
    return result ? this.finalizedNumber(result.state) : null;
  }

  /** Decide on a known state and append at its revision; null on a concurrency conflict. */
  private async appendDecided(
    streamId: string,
    state: InvoiceState,
    revision: bigint,
    command: InvoiceCommand,
    metadata?: EventMetadata,
  ): Promise<{ state: InvoiceState; revision: bigint } | null> {
    const events = decideInvoice(command, state);
    if (events instanceof DomainError) throw events;
    if (events.length === 0) return { state, revision };
    try {
      const appended = await this.store.append(
        streamId,
        events.map((e) => ({ id: randomUUID(), type: e.type, data: e.data, metadata })),
        { expectedRevision: revision },
      );
      return { state: events.reduce(invoiceDecider.evolve, state), revision: appended.nextExpectedRevision };
    } catch (err) {
      if (isConcurrencyError(err)) return null;
      throw err;
    }
  }

  /** Appends slot `sequence` for the invoice at the revision before it; false if the slot is not next. */
  private async fillSlot(
    series: InvoiceSeries,
    year: number,
    sequence: number,
    invoiceId: string,
    now: string,
    metadata?: EventMetadata,
  ): Promise<boolean> {
    const expectedRevision: ExpectedRevision = sequence === 1 ? 'no_stream' : BigInt(sequence - 2);
    const event: InvoiceNumberAllocated = {
      type: 'InvoiceNumberAllocated',
      data: {
        seriesId: series.id,
        year,
        sequence,
        number: formatInvoiceNumber(series, year, sequence),
        invoiceId,
        allocatedAt: now,
      },
    };
    try {
      await this.store.append(numberStreamId(series.id, year), [{ id: randomUUID(), ...event, metadata }], {
        expectedRevision,
      });
      return true;
    } catch (err) {
      if (isConcurrencyError(err)) return false;
      throw err;
    }
  }

  private async backoff(): Promise<void> {
    await sleep(1 + Math.floor(Math.random() * this.maxBackoffMs));
  }
}
