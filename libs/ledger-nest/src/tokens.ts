/** Injection token for the EventStore (Postgres or EventStoreDB adapter); the app provides it. */
export const EVENT_STORE = Symbol.for('tollgate.EVENT_STORE');
