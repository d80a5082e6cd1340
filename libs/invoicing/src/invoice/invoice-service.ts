import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DomainError,
  isConcurrencyError,
  type EventMetadata,
  type EventStore,
  type ExpectedRevision,
} from '@tollgate/event-store';
import { loadState, runCommand } from '../command-handler';
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
import { decodeInvoiceEvent, invoiceStreamId, type InvoiceEvent } from './events';
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
const DEFAULT_MAX_BACKOFF_MS = 25;
const RECOVERY_PAGE = 200;
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
 * Numbering: the invoice first records which slot it claims (`InvoiceNumberClaimed`), then fills that
 * slot of the series/year sequence stream (`InvoiceNumberAllocated`, appended at the expected revision,
 * so a slot is filled once), then appends `InvoiceFinalized` with the number. A claim moves to a new
 * slot only after its slot was seen filled by another invoice, so an invoice owns at most one slot;
 * every filled slot belongs to an invoice claiming it, and any later attempt (or `finalizePending`)
 * finishes that invoice with that number. Hence no duplicates and no gaps, also across crashes.
 */
export class InvoiceService {
  private readonly store: EventStore;
  private readonly seller: SellerSnapshot;
  private readonly series: Map<string, InvoiceSeries>;
  private readonly defaultSeries: InvoiceSeries;
  private readonly clock: () => Date;
  private readonly maxFinalizeAttempts: number;
  private readonly maxBackoffMs: number;

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
    return runCommand({
      store: this.store,
      streamId: invoiceStreamId(command.invoiceId),
      decider: invoiceDecider,
      command,
      decode: decodeInvoiceEvent,
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
    for (let attempt = 1; attempt <= this.maxFinalizeAttempts; attempt++) {
      const { state, revision } = await this.load(invoiceId);
      if (state.finalized) return this.finalizedNumber(state);
      if (state.status === 'none' || revision === null)
        throw new DomainError('INVOICE_NOT_FOUND', `invoice ${invoiceId} does not exist`, { invoiceId });
      const series = this.seriesOf(state);
      const now = this.clock().toISOString();
      let claim = state.claim;
      let invoiceRevision = revision;
      let claimedState = state;
      if (claim) {
        const slot = await this.readSlot(claim.seriesId, claim.year, claim.sequence);
        if (slot && slot.data.invoiceId === invoiceId) {
          const done = await this.appendFinalized(streamId, state, revision, claim, series, now, metadata);
          if (done) return done;
          continue;
        }
        if (slot) claim = null; // someone else owns that slot: claim a new one
      }
      if (!claim) {
        const year = utcYear(now);
        const last = await this.lastAllocation(series.id, year);
        const sequence = last ? last.data.sequence + 1 : 1;
        const claimed = await this.appendDecided(
          streamId,
          state,
          revision,
          { type: 'ClaimInvoiceNumber', invoiceId, seriesId: series.id, year, sequence, claimedAt: now },
          metadata,
        );
        if (!claimed) {
          await this.backoff();
          continue;
        }
        claim = { seriesId: series.id, year, sequence };
        invoiceRevision = claimed.revision;
        claimedState = claimed.state;
      }
      const filled = await this.fillSlot(series, claim.year, claim.sequence, invoiceId, now, metadata);
      if (!filled) {
        await this.backoff();
        continue;
      }
      const done = await this.appendFinalized(
        streamId,
        claimedState,
        invoiceRevision,
        claim,
        series,
        now,
        metadata,
      );
      if (done) return done;
    }
    throw new DomainError('NUMBERING_CONTENDED', `could not number invoice ${invoiceId}; retry later`, {
      invoiceId,
      attempts: this.maxFinalizeAttempts,
    });
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
    claim: { seriesId: string; year: number; sequence: number },
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
        seriesId: claim.seriesId,
        year: claim.year,
        sequence: claim.sequence,
        number: formatInvoiceNumber(series, claim.year, claim.sequence),
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

  private async readSlot(
    seriesId: string,
    year: number,
    sequence: number,
  ): Promise<InvoiceNumberAllocated | null> {
    const [recorded] = await this.store.readStream(numberStreamId(seriesId, year), {
      fromRevision: BigInt(sequence - 1),
      maxCount: 1,
    });
    if (!recorded || recorded.revision !== BigInt(sequence - 1)) return null;
    return decodeNumberAllocated(recorded.type, recorded.data);
  }

  /** Only the stream's last event: contention stays cheap however long the year's stream gets. */
  private async lastAllocation(seriesId: string, year: number): Promise<InvoiceNumberAllocated | null> {
    const [recorded] = await this.store.readStream(numberStreamId(seriesId, year), {
      direction: 'backwards',
      maxCount: 1,
    });
    return recorded ? decodeNumberAllocated(recorded.type, recorded.data) : null;
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
