import type { RecordedEvent } from '@tollgate/event-store';

/** One SQL statement a projection wants run inside the batch transaction. */
export interface SqlStatement {
  sql: string;
  params?: readonly unknown[];
}

/** Maps a table's stable base name (`balances`) to its physical name in one version (`balances_v3`). */
export type TableNamer = (base: string) => string;

export interface TableSpec {
  /** Stable name; readers query a view of this name that points at the live version's table. */
  base: string;
  /** DDL creating the table (and its indexes) under the physical name `t(base)`. */
  ddl(t: TableNamer): readonly string[];
  /**
   * Secondary indexes, created after a rebuild has loaded the table (cheaper than maintaining them
   * row by row), and with the table otherwise.
   */
  indexes?(t: TableNamer): readonly string[];
  /** Columns that order the table for dumps and equality checks (`account_id, seq`). */
  orderBy: string;
  /** Internal tables (projection state) get no reader view. */
  internal?: boolean;
}

/** An event the projection understood, paired with where it came from. */
export interface DecodedEvent<TEvent> {
  event: TEvent;
  recorded: RecordedEvent;
}

export interface ProjectionContext {
  /** Physical table name of this run's version. */
  t: TableNamer;
  /** Reads inside the batch transaction (for state such as the previous running balance). */
  query<R extends Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** True while rebuilding from position 0: side effects (none in read models) must be suppressed. */
  rebuilding: boolean;
}

/**
 * A read model built from `$all`. The runner hands it whole batches so a batch compiles to a few
 * set-based statements instead of one round trip per event.
 */
export interface Projection<TEvent = unknown> {
  name: string;
  /** Schema/logic version of the code; a change makes the projector rebuild into fresh tables. */
  version: number;
  tables: readonly TableSpec[];
  /** Cheap filter on the event type; unhandled types are skipped without decoding. */
  handles(eventType: string): boolean;
  /**
   * Every type `handles` accepts, when the list is known: the runner then reads only these from the
   * store. Derive both from one set so they cannot drift; omitted, the runner reads every event.
   */
  eventTypes?: readonly string[];
  /**
   * Validates a handled event. Returns null for a type it does not know (skipped); throws for a
   * malformed event of a known type (the projection stops, loudly: money is never skipped silently).
   */
  decode(event: RecordedEvent): TEvent | null;
  projectBatch(events: readonly DecodedEvent<TEvent>[], ctx: ProjectionContext): Promise<SqlStatement[]>;
}

/**
 * The types to read for a set of projections: the union of their declared types, or undefined (read
 * everything) when one of them declares none. Throws when a declared type is not handled (drift).
 */
export function eventTypesOf(projections: readonly AnyProjection[]): string[] | undefined {
  const types = new Set<string>();
  for (const p of projections) {
    if (!p.eventTypes) return undefined;
    for (const type of p.eventTypes) {
      if (!p.handles(type)) throw new Error(`projection ${p.name} declares ${type} but does not handle it`);
      types.add(type);
    }
  }
  return [...types].sort();
}

/** Erases the event type so projections of different events live in one list. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyProjection = Projection<any>;

const SAFE_IDENT = /^[a-z][a-z0-9_]{0,40}$/;

export function assertSafeIdentifier(name: string): string {
  if (!SAFE_IDENT.test(name)) throw new Error(`unsafe SQL identifier: ${JSON.stringify(name)}`);
  return name;
}

/** Physical table names carry the version as a suffix: `balances_v2`. */
export function tableNamer(version: number): TableNamer {
  if (!Number.isInteger(version) || version < 1) throw new Error(`invalid projection version ${version}`);
  return (base) => `${assertSafeIdentifier(base)}_v${version}`;
}
