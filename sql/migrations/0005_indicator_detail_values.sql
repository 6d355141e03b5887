-- Indicator details packed as double precision[] (indicators/detail.ts): jsonb_build_object was a fifth
-- of the time to compute 16 indicators for 10k accounts. `detail` keeps the fields that are not numbers
-- (competitor names); rows written before this migration keep their whole detail there and read as before.
ALTER TABLE indicator_values ADD COLUMN detail_values double precision[];

-- The names behind each position of detail_values, copied from the indicator files by every indicator
-- write, so SQL can read the details too (indicator_values_readable).
CREATE TABLE indicator_detail_fields (
  indicator text NOT NULL,
  position integer NOT NULL CHECK (position >= 1),
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('number', 'boolean', 'date', 'timestamp', 'words')),
  -- kind 'words': the list a stored position indexes (0-based).
  words jsonb,
  PRIMARY KEY (indicator, position)
);

-- indicator_values with the detail as one jsonb object, as radar reads it (readIndicatorValues).
CREATE VIEW indicator_values_readable AS
SELECT v.account_id, v.as_of, v.indicator, v.value, v.flag, v.computed_at,
       CASE WHEN v.detail_values IS NULL THEN v.detail
            ELSE coalesce((
              SELECT jsonb_object_agg(f.name, CASE f.kind
                       WHEN 'boolean' THEN to_jsonb(x.value <> 0)
                       WHEN 'date' THEN to_jsonb(DATE '1970-01-01' + x.value::integer)
                       WHEN 'timestamp' THEN to_jsonb(to_char(to_timestamp(x.value) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
                       WHEN 'words' THEN f.words -> x.value::integer
                       ELSE to_jsonb(x.value) END)
              FROM unnest(v.detail_values) WITH ORDINALITY AS x(value, position)
              JOIN indicator_detail_fields f ON f.indicator = v.indicator AND f.position = x.position
            ), '{}'::jsonb) || v.detail
       END AS detail
FROM indicator_values v;
