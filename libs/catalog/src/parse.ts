import type { RecordedEvent } from '@tollgate/event-store';
import { CATALOG_EVENT_SCHEMAS, type CatalogEvent, type CatalogEventType } from './events';

export function isCatalogEventType(type: string): type is CatalogEventType {
  return Object.prototype.hasOwnProperty.call(CATALOG_EVENT_SCHEMAS, type);
}

/** Validates a catalog event; null for a type that is not a catalog event, throws when malformed. */
export function parseCatalogEvent(type: string, data: unknown): CatalogEvent | null {
  if (!isCatalogEventType(type)) return null;
  const parsed = CATALOG_EVENT_SCHEMAS[type].safeParse(data);
  if (!parsed.success)
    throw new Error(
      `malformed ${type}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return { type, data: parsed.data } as CatalogEvent;
}

/** For handleCommand: a stored event of the stream, validated. */
export function parseRecordedCatalogEvent<E extends CatalogEvent>(recorded: RecordedEvent): E {
  const parsed = parseCatalogEvent(recorded.type, recorded.data);
  if (!parsed) throw new Error(`stream ${recorded.streamId} holds a non-catalog event ${recorded.type}`);
  return parsed as E;
}
