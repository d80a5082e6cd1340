import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type { AuditRow } from './audit-read';

export const AUDIT_CSV_HEADER = [
  'occurred_at',
  'actor',
  'actor_email',
  'action',
  'category',
  'workspace_id',
  'subject',
  'summary',
  'before',
  'after',
  'event_id',
  'stream_id',
] as const;

/** RFC 4180 as the statement CSV writes it: CRLF, quoted where needed; cells are strings already. */
const STRINGIFY_OPTIONS = { record_delimiter: '\r\n', cast: { string: (value: string) => value } } as const;

export function auditCsvCells(r: AuditRow): string[] {
  return [
    r.occurredAt.toISOString(),
    r.actor,
    r.actorEmail ?? '',
    r.action,
    r.category,
    r.workspaceId ?? '',
    r.subject,
    r.summary,
    r.before ? JSON.stringify(r.before) : '',
    r.after ? JSON.stringify(r.after) : '',
    r.eventId,
    r.streamId,
  ];
}

/** Writes the header then each chunk of rows, honouring backpressure. Returns the number of rows. */
export async function writeAuditCsv(chunks: AsyncIterable<AuditRow[]>, out: Writable): Promise<number> {
  let n = 0;
  const write = async (text: string): Promise<void> => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(stringify([[...AUDIT_CSV_HEADER]], STRINGIFY_OPTIONS));
  for await (const rows of chunks) {
    if (rows.length === 0) continue;
    n += rows.length;
    await write(stringify(rows.map(auditCsvCells), STRINGIFY_OPTIONS));
  }
  return n;
}
