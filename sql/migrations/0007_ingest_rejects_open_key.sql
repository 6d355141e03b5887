-- Reliability of quarantine (issue 16, F3/F7). Frozen once applied: change it with a new numbered file.

-- Rejects that cannot be retried as stored: structural ones (a CSV row with the wrong field count, a broken
-- JSON line) and rows whose raw form had to be altered to be stored (NUL bytes, which jsonb cannot hold).
-- `radar ingest retry-rejects` skips them and says why; fixing the file and loading it again is the way.
ALTER TABLE ingest_rejects ADD COLUMN retryable boolean NOT NULL DEFAULT true;

UPDATE ingest_rejects SET retryable = false
WHERE reason LIKE 'row has % fields, the header has %' OR reason LIKE 'not valid JSON%' OR reason = 'line is not a JSON object';

-- Every rerun of a source used to add another copy of each open reject. Keep the newest open reject per
-- (source, location) and mark the older copies resolved (kept, not deleted: nothing is dropped silently).
UPDATE ingest_rejects AS older SET resolved_at = now()
WHERE older.resolved_at IS NULL
  AND EXISTS (
    SELECT 1 FROM ingest_rejects AS newer
    WHERE newer.source = older.source AND newer.location = older.location
      AND newer.resolved_at IS NULL AND newer.reject_id > older.reject_id
  );

-- From now on a load upserts its rejects on this key: a rerun replaces an open reject, never duplicates it.
CREATE UNIQUE INDEX ingest_rejects_open_location_key ON ingest_rejects (source, location) WHERE resolved_at IS NULL;
