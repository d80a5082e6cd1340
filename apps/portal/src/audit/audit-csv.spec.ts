import { PassThrough } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { AUDIT_CSV_HEADER, writeAuditCsv } from './audit-csv';
import type { AuditRow } from './audit-read';
import { changedFields } from './audit-read';
import { AuditQuerySchema, auditPeriod, auditQueryString } from './audit-query';

const row = (over: Partial<AuditRow> = {}): AuditRow => ({
  eventId: 'e1',
  occurredAt: new Date('2026-11-27T09:00:00.000Z'),
  actor: 'user:1',
  actorEmail: 'owner@example.com',
  action: 'ApiKeyRevoked',
  category: 'keys',
  workspaceId: 'ws-1',
  subject: 'key k1',
  summary: 'Revoked API key',
  before: { name: 'ci', revoked: false },
  after: { name: 'ci', revoked: true },
  streamId: 'api-key-k1',
  ...over,
});

async function* chunks(...rows: AuditRow[][]): AsyncGenerator<AuditRow[]> {
  for (const r of rows) yield r;
}

describe('audit CSV and filters', () => {
  it('given rows with commas, quotes and line breaks, when written, then the CSV is CRLF RFC 4180 and parses back to the same cells', async () => {
    const tricky = row({
      eventId: 'e2',
      summary: 'Refund "goodwill", part 1\nsecond line',
      before: { reason: 'a,b "c"' },
      after: null,
    });
    const out = new PassThrough();
    const parts: Buffer[] = [];
    out.on('data', (c: Buffer) => parts.push(c));
    const n = await writeAuditCsv(chunks([row()], [], [tricky]), out);
    out.end();
    const text = Buffer.concat(parts).toString('utf8');
    expect(n).toBe(2);
    expect(text.startsWith(`${AUDIT_CSV_HEADER.join(',')}\r\n`)).toBe(true);
    const records: string[][] = parse(text, { relax_column_count: false });
    expect(records).toHaveLength(3);
    const col = (name: (typeof AUDIT_CSV_HEADER)[number]) => AUDIT_CSV_HEADER.indexOf(name);
    expect(records[2][col('summary')]).toBe('Refund "goodwill", part 1\nsecond line');
    expect(JSON.parse(records[2][col('before')])).toEqual({ reason: 'a,b "c"' });
    expect(records[2][col('after')]).toBe('');
    expect(JSON.parse(records[1][col('after')])).toEqual({ name: 'ci', revoked: true });
    expect(records[1][col('occurred_at')]).toBe('2026-11-27T09:00:00.000Z');
  });

  it('given before and after states, when compared, then only the fields that differ are listed, absent ones as —', () => {
    expect(changedFields({ a: 1, b: [1], c: 'x' }, { a: 1, b: [1, 2], d: null })).toEqual([
      { field: 'b', before: '[1]', after: '[1,2]' },
      { field: 'c', before: '"x"', after: '—' },
      { field: 'd', before: '—', after: 'null' },
    ]);
    expect(changedFields(null, null)).toEqual([]);
  });

  it('given query text, when parsed, then unknown actions, bad days, reversed ranges and unknown keys are refused and days become [start, end)', () => {
    expect(AuditQuerySchema.safeParse({ action: 'DropTables' }).success).toBe(false);
    expect(AuditQuerySchema.safeParse({ from: '2026-02-30' }).success).toBe(false);
    expect(AuditQuerySchema.safeParse({ from: '2026-03-02', to: '2026-03-01' }).success).toBe(false);
    expect(AuditQuerySchema.safeParse({ sort: 'x' }).success).toBe(false);
    expect(AuditQuerySchema.safeParse({ perPage: '101' }).success).toBe(false);
    const q = AuditQuerySchema.parse({
      action: 'CreditsGranted',
      from: '2026-03-01',
      to: '2026-03-01',
      actor: '',
    });
    expect(q).toMatchObject({ action: 'CreditsGranted', page: 1, perPage: 50, actor: undefined });
    expect(auditPeriod(q)).toEqual({
      start: new Date('2026-03-01T00:00:00Z'),
      end: new Date('2026-03-02T00:00:00Z'),
    });
    expect(auditQueryString(q, { page: 2 })).toBe(
      'action=CreditsGranted&from=2026-03-01&to=2026-03-01&page=2',
    );
  });
});
