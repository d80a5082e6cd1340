import { DomainError, type Decider } from '@tollgate/event-store';
import {
  CostProfileCorrectedSchema,
  PriceCorrectedSchema,
  type CostProfileCorrected,
  type PriceCorrected,
} from '../events';
import { CorrectionCommandSchema, type CorrectionCommand } from './commands';

export type CorrectionEvent =
  | { type: 'CostProfileCorrected'; data: CostProfileCorrected }
  | { type: 'PriceCorrected'; data: PriceCorrected };

export type CorrectionState = { applied: null } | { applied: CorrectionEvent };

export const CORRECTION_EVENT_TYPES: ReadonlySet<string> = new Set([
  'CostProfileCorrected',
  'PriceCorrected',
]);

function rejected(code: string, message: string, details: Record<string, unknown> = {}): DomainError {
  return new DomainError(code, message, details);
}

/** Validates a stored correction event; null for other types, throws when malformed. */
export function parseCorrectionEvent(type: string, data: unknown): CorrectionEvent | null {
  if (type === 'CostProfileCorrected') return { type, data: CostProfileCorrectedSchema.parse(data) };
  if (type === 'PriceCorrected') return { type, data: PriceCorrectedSchema.parse(data) };
  return null;
}

/** What makes two applications "the same correction": everything but who sent it and when. */
function significant(e: CorrectionEvent): string {
  const d = e.data;
  const common = {
    type: e.type,
    fromMs: Date.parse(d.from),
    toMs: d.to === null ? null : Date.parse(d.to),
    reason: d.reason,
    rerate: d.rerate,
  };
  return JSON.stringify(
    e.type === 'CostProfileCorrected'
      ? { ...common, providerId: e.data.providerId, upstreamModel: e.data.upstreamModel, cost: e.data.cost }
      : { ...common, alias: e.data.alias, price: e.data.price },
  );
}

function eventFor(c: CorrectionCommand): CorrectionEvent {
  const common = {
    correctionId: c.correctionId,
    from: c.from,
    to: c.to,
    reason: c.reason,
    rerate: c.rerate,
    actor: c.actor,
    at: c.now,
  };
  switch (c.type) {
    case 'CorrectCostProfile':
      return {
        type: 'CostProfileCorrected',
        data: { ...common, providerId: c.providerId, upstreamModel: c.upstreamModel, cost: c.cost },
      };
    case 'CorrectPrice':
      return { type: 'PriceCorrected', data: { ...common, alias: c.alias, price: c.price } };
    default: {
      const never: never = c;
      throw new Error(`unknown correction command ${JSON.stringify(never)}`);
    }
  }
}

/**
 * One `correction-{id}` stream per correction: the first application writes the event; the same
 * correction again decides nothing; the same id with other data is a conflict. Corrections fix the
 * past: the window must start before `now` (future costs and prices are new versions instead).
 */
export const correctionDecider: Decider<CorrectionCommand, CorrectionEvent, CorrectionState> = {
  initialState: () => ({ applied: null }),

  decide(command, state) {
    const parsed = CorrectionCommandSchema.safeParse(command);
    if (!parsed.success)
      return rejected(
        'INVALID_CORRECTION',
        parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
      );
    const c = parsed.data;
    const fromMs = Date.parse(c.from);
    const toMs = c.to === null ? null : Date.parse(c.to);
    if (toMs !== null && toMs <= fromMs)
      return rejected('INVALID_CORRECTION_WINDOW', 'the window must end after it starts', {
        from: c.from,
        to: c.to,
      });
    if (fromMs >= Date.parse(c.now))
      return rejected(
        'INVALID_CORRECTION_WINDOW',
        'a correction must start in the past; set a new version for the future',
        {
          from: c.from,
        },
      );
    const event = eventFor(c);
    if (state.applied) {
      if (significant(state.applied) === significant(event)) return [];
      return rejected(
        'CORRECTION_CONFLICT',
        `correction ${c.correctionId} was already applied with other data`,
        {
          correctionId: c.correctionId,
        },
      );
    }
    return [event];
  },

  evolve(state, event) {
    switch (event.type) {
      case 'CostProfileCorrected':
      case 'PriceCorrected':
        // A correction stream holds one event; a second one would be a bug upstream, kept as the first.
        return state.applied ? state : { applied: event };
      default: {
        const never: never = event;
        throw new Error(`unknown correction event ${JSON.stringify(never)}`);
      }
    }
  },
};
