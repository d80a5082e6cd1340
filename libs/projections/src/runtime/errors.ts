import { formatPosition, type RecordedEvent } from '@tollgate/event-store';

/** Errors carry stable codes so the CLI and the projector can report them in one place. */
export class ProjectionError extends Error {
  constructor(
    readonly code:
      | 'PROJECTION_EVENT_MALFORMED'
      | 'PROJECTION_CHECKPOINT_MOVED'
      | 'PROJECTION_VERSION_SWITCHED'
      | 'PROJECTION_UNKNOWN'
      | 'PROJECTION_REBUILD_IN_PROGRESS'
      | 'PROJECTION_FAILED',
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ProjectionError';
  }
}

/** A known event type whose payload does not validate: the projection must stop rather than skip money. */
export function malformedEventError(
  projection: string,
  event: RecordedEvent,
  cause: unknown,
): ProjectionError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new ProjectionError(
    'PROJECTION_EVENT_MALFORMED',
    `projection ${projection} stopped: malformed ${event.type} event ${event.id} in stream ${event.streamId}` +
      ` at position ${formatPosition(event.position)}: ${reason}`,
    {
      projection,
      eventId: event.id,
      eventType: event.type,
      streamId: event.streamId,
      position: formatPosition(event.position),
    },
  );
}
