export * from './decider';
export * from './event-store';
export * from './postgres/migrations';
export { migrateEventStore, PostgresEventStore } from './postgres/postgres-event-store';
export type { PostgresEventStoreOptions } from './postgres/postgres-event-store';
export { EVENT_STORE_MIGRATIONS } from './postgres/schema';
export * from './command-handler';
export { EventStoreDbEventStore } from './eventstoredb/eventstoredb-event-store';
export type { EventStoreDbEventStoreOptions } from './eventstoredb/eventstoredb-event-store';
