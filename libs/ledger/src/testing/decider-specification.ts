import { deepStrictEqual, fail } from 'node:assert/strict';
import { Decider, DomainError, isDomainError } from '@tollgate/event-store';

/**
 * Given/When/Then for deciders (after Emmett's DeciderSpecification), framework-free (node:assert):
 *
 *   spec.given([...events]).when(command).then([...events])
 *   spec.given([...events]).when(command).thenThrows('INSUFFICIENT_CREDITS', { ...details subset })
 *   spec.given([...events]).when(command).thenNothing()
 *   spec.given([...events]).when(command).thenTypes(['CreditsAdjusted'])  // then inspect the result
 *
 * Every case also checks that `decide` did not mutate the state, and (when `parse` is given) that each
 * produced event passes its schema and folds through `evolve`.
 */
export interface DeciderSpecOptions<TEvent> {
  /** Validates a produced event, e.g. parseAccountEvent; must return it (or throw). */
  parse?: (type: string, data: unknown) => TEvent | null;
}

export interface DeciderThen<TEvent> {
  then(expected: readonly TEvent[]): readonly TEvent[];
  /** Events whose exact content the test checks itself (only their types are asserted here). */
  thenTypes(types: readonly string[]): readonly TEvent[];
  thenThrows(code: string, details?: Record<string, unknown>): DomainError;
  thenNothing(): void;
}

export interface DeciderWhen<TCommand, TEvent> {
  when(command: TCommand): DeciderThen<TEvent>;
}

export interface DeciderSpec<TCommand, TEvent> {
  given(events: readonly TEvent[]): DeciderWhen<TCommand, TEvent>;
}

export function DeciderSpecification<TCommand, TEvent extends { type: string; data: unknown }, TState>(
  decider: Decider<TCommand, TEvent, TState>,
  options: DeciderSpecOptions<TEvent> = {},
): DeciderSpec<TCommand, TEvent> {
  return {
    given(givenEvents) {
      return {
        when(command) {
          const run = () => {
            let state = decider.initialState();
            for (const e of givenEvents) state = decider.evolve(state, e);
            const before = snapshot(state);
            const result = decider.decide(command, state);
            if (snapshot(state) !== before) fail('decide must not mutate the state');
            return { state, result };
          };
          const produced = (): { state: TState; events: readonly TEvent[] } => {
            const { state, result } = run();
            if (isDomainError(result))
              fail(`expected events, got DomainError ${result.code}: ${result.message}`);
            let folded = state;
            for (const e of result) {
              if (options.parse) {
                const parsed = options.parse(e.type, e.data);
                if (!parsed) fail(`produced event of unknown type ${e.type}`);
                deepStrictEqual(parsed, e, `produced ${e.type} changes when parsed`);
              }
              folded = decider.evolve(folded, e);
            }
            return { state: folded, events: result };
          };
          return {
            then(expected) {
              const { events } = produced();
              deepStrictEqual(events, expected);
              return events;
            },
            thenTypes(types) {
              const { events } = produced();
              deepStrictEqual(
                events.map((e) => e.type),
                [...types],
              );
              return events;
            },
            thenNothing() {
              const { events } = produced();
              deepStrictEqual(events, [], 'expected no new events');
            },
            thenThrows(code, details) {
              const { result } = run();
              if (!isDomainError(result))
                fail(
                  `expected DomainError ${code}, got events: ${JSON.stringify(result.map((e) => e.type))}`,
                );
              deepStrictEqual(result.code, code, `expected ${code}, got ${result.code}: ${result.message}`);
              if (details) {
                const subset: Record<string, unknown> = {};
                for (const k of Object.keys(details)) subset[k] = result.details[k];
                deepStrictEqual(subset, details, 'error details');
              }
              return result;
            },
          };
        },
      };
    },
  };
}

/** Order-preserving text image of a state (Maps, Sets, bigints included) to detect mutation. */
function snapshot(value: unknown, depth = 0): string {
  if (depth > 50) return '…';
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Map)
    return `Map{${[...value].map(([k, v]) => `${snapshot(k, depth + 1)}=>${snapshot(v, depth + 1)}`).join(',')}}`;
  if (value instanceof Set) return `Set{${[...value].map((v) => snapshot(v, depth + 1)).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map((v) => snapshot(v, depth + 1)).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}:${snapshot(v, depth + 1)}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? String(value);
}
