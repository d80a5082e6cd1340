import type { Migration } from './migrations';

/**
 * Global order: every row records its appending transaction's id (`transaction_id`) and a sequence
 * number (`seq`); `$all` is ordered by (transaction_id, seq) and readers only see rows whose transaction
 * id is below the snapshot's xmin, i.e. every transaction that could still commit in front of them has
 * finished. A late-committing writer can therefore never be skipped.
 *
 * `append_events` does a whole append in one round trip: check and move the stream's revision, insert
 * the events, or recognise an idempotent retry. Expected revision is encoded as -1 = no_stream, -2 = any, n >= 0 = the last revision.
 * Status: 0 appended, 1 already appended (idempotent), 2 wrong expected revision (revision = actual,
 * -1 = no stream).
 *
 * Indexes are the two the reads need and nothing else: a global unique index on random uuids would
 * touch a random leaf page per insert (a full-page WAL image after every checkpoint) and cost most of
 * the append throughput. Idempotency is therefore checked where the retry would land: at the expected
 * revision, or for `any`, at the stream's tail (best effort, as in EventStoreDB).
 */
export const EVENT_STORE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'events, streams and append_events',
    sql: `
CREATE TABLE streams (
  stream_id text PRIMARY KEY,
  last_revision bigint NOT NULL
);

CREATE TABLE events (
  seq bigint GENERATED ALWAYS AS IDENTITY,
  transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
  stream_id text NOT NULL,
  revision bigint NOT NULL,
  event_id uuid NOT NULL,
  type text NOT NULL,
  data jsonb NOT NULL,
  metadata jsonb NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (stream_id, revision)
);
CREATE INDEX events_global_order ON events (transaction_id, seq);

CREATE FUNCTION append_events(
  p_stream_id text,
  p_expected bigint,
  p_ids uuid[],
  p_types text[],
  p_data jsonb[],
  p_metadata jsonb[]
) RETURNS TABLE (status smallint, revision bigint, transaction_id text, seq bigint, recorded_at timestamptz)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  n integer := cardinality(p_ids);
  v_current bigint;
  v_exists boolean;
  v_from bigint;
  v_found uuid[];
BEGIN
  IF n IS NULL OR n = 0 THEN
    RAISE EXCEPTION 'append_events: no events' USING ERRCODE = '22023';
  END IF;
  IF p_expected < -2 THEN
    RAISE EXCEPTION 'append_events: invalid expected revision %', p_expected USING ERRCODE = '22023';
  END IF;

  -- Serialize appends to this stream BEFORE the transaction gets its id (an advisory lock assigns
  -- none): the next appender's id is then always greater, so $all order matches revision order.
  PERFORM pg_advisory_xact_lock(1952739182, hashtext(p_stream_id));
  SELECT s.last_revision INTO v_current FROM streams s WHERE s.stream_id = p_stream_id;
  v_exists := FOUND;

  IF p_expected = -2 THEN
    v_from := coalesce(v_current, -1) + 1;
    -- any: an immediate retry is recognised when this batch is exactly the stream's last events
    IF v_exists AND v_current + 1 >= n THEN
      SELECT array_agg(e.event_id ORDER BY e.revision) INTO v_found
        FROM events e WHERE e.stream_id = p_stream_id AND e.revision > v_current - n;
      IF v_found = p_ids THEN
        RETURN QUERY SELECT 1::smallint, e.revision, e.transaction_id::text, e.seq, e.recorded_at
          FROM events e WHERE e.stream_id = p_stream_id AND e.revision = v_current;
        RETURN;
      END IF;
    END IF;
  ELSE
    v_from := p_expected + 1;
    IF v_exists IS DISTINCT FROM (p_expected >= 0) OR v_current <> p_expected THEN
      -- wrong expected revision, unless exactly these events already sit right after it
      SELECT array_agg(e.event_id ORDER BY e.revision) INTO v_found
        FROM events e
        WHERE e.stream_id = p_stream_id AND e.revision >= v_from AND e.revision < v_from + n;
      IF v_found = p_ids THEN
        RETURN QUERY SELECT 1::smallint, e.revision, e.transaction_id::text, e.seq, e.recorded_at
          FROM events e WHERE e.stream_id = p_stream_id AND e.revision = v_from + n - 1;
        RETURN;
      END IF;
      RETURN QUERY SELECT 2::smallint, coalesce(v_current, -1), NULL::text, NULL::bigint, NULL::timestamptz;
      RETURN;
    END IF;
  END IF;

  IF v_exists THEN
    UPDATE streams s SET last_revision = v_from + n - 1 WHERE s.stream_id = p_stream_id;
  ELSE
    INSERT INTO streams (stream_id, last_revision) VALUES (p_stream_id, n - 1);
  END IF;
  RETURN QUERY
    WITH ins AS (
      INSERT INTO events (stream_id, revision, event_id, type, data, metadata)
      SELECT p_stream_id, v_from + u.ord - 1, u.id, u.type, u.data, u.metadata
        FROM unnest(p_ids, p_types, p_data, p_metadata) WITH ORDINALITY AS u(id, type, data, metadata, ord)
      RETURNING events.seq
    )
    SELECT 0::smallint, v_from + n - 1, pg_current_xact_id()::text, max(ins.seq), now() FROM ins;
END
$fn$;
`,
  },
];
