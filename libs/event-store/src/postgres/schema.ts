import type { Migration } from './migrations';

/**
 * Global order: every row records its appending transaction's id (`transaction_id`) and a sequence
 * number (`seq`); `$all` is ordered by (transaction_id, seq) and readers only see rows whose transaction
 * id is below the snapshot's xmin, i.e. every transaction that could still commit in front of them has
 * finished. A late-committing writer can therefore never be skipped.
 *
 * Stream revisions: (stream_id, revision) is the primary key, so two appends can never both take a
 * revision. An append only writes revision r+1 after seeing revision r committed (the expected
 * revision must exist, or `any` reads the last one), and its transaction id is assigned only at that
 * insert, so it is always greater than its predecessor's: $all order agrees with revision order.
 * The adapter's fast path is one INSERT statement; when that collides or does not match, the
 * `append_events` function decides (under a per-stream advisory lock, with a fresh read):
 * conflict, idempotent retry, or append. Expected revision there: -1 = no_stream, -2 = any,
 * n >= 0 = the last revision. Status: 0 appended, 1 already appended (idempotent), 2 wrong expected
 * revision (revision = actual, -1 = no stream).
 * Events travel as four JSON arrays (ids, types, data, metadata): one JSON.stringify each on the client
 * instead of escaping every element into a Postgres array literal.
 *
 * Indexes are the two the reads need and nothing else: no per-stream row to update, and no global
 * unique index on random uuids (it would touch a random leaf page per insert, a full-page WAL image
 * after every checkpoint). Idempotency is checked where a retry would land: at the expected revision,
 * or for `any`, at the stream's tail (best effort, as in EventStoreDB). `streams` is a view for tools.
 */
export const EVENT_STORE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'events and append_events',
    sql: `
CREATE TABLE events (
  seq bigint GENERATED ALWAYS AS IDENTITY,
  transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
  stream_id text COLLATE "C" NOT NULL,
  revision bigint NOT NULL,
  event_id uuid NOT NULL,
  type text NOT NULL,
  data jsonb NOT NULL,
  metadata jsonb NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT events_pkey PRIMARY KEY (stream_id, revision)
);
CREATE INDEX events_global_order ON events (transaction_id, seq);

CREATE VIEW streams AS
  SELECT stream_id, max(revision) AS last_revision FROM events GROUP BY stream_id;

CREATE FUNCTION append_events(
  p_stream_id text,
  p_expected bigint,
  p_ids jsonb,
  p_types jsonb,
  p_data jsonb,
  p_metadata jsonb,
  OUT status smallint,
  OUT revision bigint,
  OUT transaction_id text,
  OUT seq bigint
) LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  n integer := jsonb_array_length(p_ids);
  v_ids uuid[] := ARRAY(SELECT x::uuid FROM jsonb_array_elements_text(p_ids) WITH ORDINALITY AS t(x, o) ORDER BY o);
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

  -- Serialize the slow path per stream; an advisory lock assigns no transaction id, and the read below
  -- takes a fresh snapshot after it, so it sees every earlier append of this stream committed.
  PERFORM pg_advisory_xact_lock(1952739182, hashtext(p_stream_id));
  SELECT e.revision INTO v_current FROM events e
    WHERE e.stream_id = p_stream_id ORDER BY e.revision DESC LIMIT 1;
  v_exists := FOUND;

  IF p_expected = -2 THEN
    v_from := coalesce(v_current, -1) + 1;
    -- any: an immediate retry is recognised when this batch is exactly the stream's last events
    IF v_exists AND v_current + 1 >= n THEN
      SELECT array_agg(e.event_id ORDER BY e.revision) INTO v_found
        FROM events e WHERE e.stream_id = p_stream_id AND e.revision > v_current - n;
      IF v_found = v_ids THEN
        SELECT 1::smallint, e.revision, e.transaction_id::text, e.seq
          INTO status, revision, transaction_id, seq
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
      IF v_found = v_ids THEN
        SELECT 1::smallint, e.revision, e.transaction_id::text, e.seq
          INTO status, revision, transaction_id, seq
          FROM events e WHERE e.stream_id = p_stream_id AND e.revision = v_from + n - 1;
        RETURN;
      END IF;
      status := 2;
      revision := coalesce(v_current, -1);
      RETURN;
    END IF;
  END IF;

  WITH ins AS (
    INSERT INTO events (stream_id, revision, event_id, type, data, metadata)
    SELECT p_stream_id, v_from + u.ord - 1, u.id::uuid, u.type, u.data, u.metadata
      FROM ROWS FROM (jsonb_array_elements_text(p_ids), jsonb_array_elements_text(p_types),
        jsonb_array_elements(p_data), jsonb_array_elements(p_metadata))
        WITH ORDINALITY AS u(id, type, data, metadata, ord)
    RETURNING events.seq
  )
  SELECT max(ins.seq) INTO seq FROM ins;
  status := 0;
  revision := v_from + n - 1;
  transaction_id := pg_current_xact_id()::text;
END
$fn$;
`,
  },
];
