-- Partitioned history (issue 21): usage_daily, usage_metrics_daily and indicator_values become declarative
-- range partitions by calendar month of their day column (day, day, as_of), so every window query reads
-- only the months it needs and old months can be detached by the retention setting (docs/scaling.md,
-- "Partitioned history"). The primary keys already lead with account_id and contain the day column, so
-- they stay as they were and every ON CONFLICT target is unchanged.
--
-- Each table gets a DEFAULT partition: a write for a month without its own partition (old history, a
-- backfill) lands there instead of failing. The daily job creates the months ahead and moves any month
-- found in the default partition into its own partition (radar_month_partition below).
--
-- An existing database is converted in this one transaction: the old table is renamed, the partitioned
-- table created under the old name with a partition per month of existing data (plus this month and the
-- next three), the rows copied, the old table dropped, keys and indexes built once on the filled tables.

-- The partition of `parent` for the month holding `month`, named <table>_YYYY_MM in the parent's schema.
-- Creates it when missing, moving that month's rows out of the default partition first (a default
-- partition holding rows of a range refuses a new partition for it). Returns whether it created one.
-- Takes SHARE UPDATE EXCLUSIVE on the parent (one maintainer at a time; reads and writes go on) and,
-- when attaching, ACCESS EXCLUSIVE on the default partition for the rest of the transaction.
CREATE FUNCTION radar_month_partition(parent regclass, month date) RETURNS boolean
LANGUAGE plpgsql AS $fn$
DECLARE
  lo date := date_trunc('month', month)::date;
  hi date := (date_trunc('month', month) + interval '1 month')::date;
  schema_name text;
  partition_name text;
  key_column text;
  default_partition oid;
  existing oid;
BEGIN
  SELECT n.nspname, c.relname || '_' || to_char(lo, 'YYYY_MM') INTO schema_name, partition_name
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = parent;
  SELECT a.attname, p.partdefid INTO key_column, default_partition
  FROM pg_partitioned_table p JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
  WHERE p.partrelid = parent;
  IF key_column IS NULL THEN
    RAISE EXCEPTION 'radar_month_partition: % is not a partitioned table', parent;
  END IF;
  EXECUTE format('LOCK TABLE %s IN SHARE UPDATE EXCLUSIVE MODE', parent);
  SELECT c.oid INTO existing FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = schema_name AND c.relname = partition_name;
  IF existing IS NOT NULL THEN
    IF NOT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = existing AND inhparent = parent) THEN
      RAISE EXCEPTION 'radar_month_partition: %.% exists but is not a partition of % (a detached month? rename or drop it)', schema_name, partition_name, parent;
    END IF;
    RETURN false;
  END IF;
  EXECUTE format('CREATE TABLE %I.%I (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', schema_name, partition_name, parent);
  IF default_partition <> 0 THEN
    EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', default_partition::regclass);
    EXECUTE format('WITH moved AS (DELETE FROM %s WHERE %I >= %L AND %I < %L RETURNING *) INSERT INTO %I.%I SELECT * FROM moved',
                   default_partition::regclass, key_column, lo, key_column, hi, schema_name, partition_name);
  END IF;
  -- The range as a CHECK lets ATTACH skip scanning the new partition; it is redundant once attached.
  EXECUTE format('ALTER TABLE %I.%I ADD CONSTRAINT radar_month_range CHECK (%I >= %L AND %I < %L)',
                 schema_name, partition_name, key_column, lo, key_column, hi);
  EXECUTE format('ALTER TABLE %s ATTACH PARTITION %I.%I FOR VALUES FROM (%L) TO (%L)', parent, schema_name, partition_name, lo, hi);
  EXECUTE format('ALTER TABLE %I.%I DROP CONSTRAINT radar_month_range', schema_name, partition_name);
  RETURN true;
END
$fn$;

-- The view reads indicator_values by oid: dropped here, recreated unchanged at the end.
DROP VIEW indicator_values_readable;

-- usage_daily ---------------------------------------------------------------------------------------

ALTER TABLE usage_daily RENAME TO usage_daily_unpartitioned;
ALTER INDEX usage_daily_pkey RENAME TO usage_daily_unpartitioned_pkey;
CREATE TABLE usage_daily (
  account_id       bigint NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
  day              date NOT NULL,
  active_users     integer NOT NULL CHECK (active_users >= 0),
  sessions         integer NOT NULL DEFAULT 0 CHECK (sessions >= 0),
  events           integer NOT NULL DEFAULT 0 CHECK (events >= 0),
  minutes          integer NOT NULL DEFAULT 0 CHECK (minutes >= 0),
  licensed_seats   integer CHECK (licensed_seats IS NULL OR licensed_seats >= 0)
) PARTITION BY RANGE (day);
CREATE TABLE usage_daily_default PARTITION OF usage_daily DEFAULT;
SELECT radar_month_partition('usage_daily', month)
FROM (SELECT DISTINCT date_trunc('month', day)::date AS month FROM usage_daily_unpartitioned
      UNION SELECT (date_trunc('month', current_date) + ahead * interval '1 month')::date FROM generate_series(0, 3) ahead) months
ORDER BY month;
INSERT INTO usage_daily (account_id, day, active_users, sessions, events, minutes, licensed_seats)
SELECT account_id, day, active_users, sessions, events, minutes, licensed_seats FROM usage_daily_unpartitioned;
DROP TABLE usage_daily_unpartitioned;
ALTER TABLE usage_daily ADD PRIMARY KEY (account_id, day);

-- usage_metrics_daily -------------------------------------------------------------------------------

ALTER TABLE usage_metrics_daily RENAME TO usage_metrics_daily_unpartitioned;
ALTER INDEX usage_metrics_daily_pkey RENAME TO usage_metrics_daily_unpartitioned_pkey;
ALTER INDEX usage_metrics_daily_metric_day_idx RENAME TO usage_metrics_daily_unpartitioned_metric_day_idx;
CREATE TABLE usage_metrics_daily (
  account_id       bigint NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
  day              date NOT NULL,
  metric           text NOT NULL CHECK (metric ~ '^[a-z][a-z0-9_]{0,62}$'),
  value            double precision NOT NULL CHECK (value >= 0 AND value < 'Infinity'::double precision),
  users            integer CHECK (users IS NULL OR users >= 0),
  source           text NOT NULL CHECK (length(source) BETWEEN 1 AND 200)
) PARTITION BY RANGE (day);
CREATE TABLE usage_metrics_daily_default PARTITION OF usage_metrics_daily DEFAULT;
SELECT radar_month_partition('usage_metrics_daily', month)
FROM (SELECT DISTINCT date_trunc('month', day)::date AS month FROM usage_metrics_daily_unpartitioned
      UNION SELECT (date_trunc('month', current_date) + ahead * interval '1 month')::date FROM generate_series(0, 3) ahead) months
ORDER BY month;
INSERT INTO usage_metrics_daily (account_id, day, metric, value, users, source)
SELECT account_id, day, metric, value, users, source FROM usage_metrics_daily_unpartitioned;
DROP TABLE usage_metrics_daily_unpartitioned;
ALTER TABLE usage_metrics_daily ADD PRIMARY KEY (account_id, day, metric);
CREATE INDEX usage_metrics_daily_metric_day_idx ON usage_metrics_daily (metric, day);

-- indicator_values ----------------------------------------------------------------------------------

ALTER TABLE indicator_values RENAME TO indicator_values_unpartitioned;
ALTER INDEX indicator_values_pkey RENAME TO indicator_values_unpartitioned_pkey;
ALTER INDEX indicator_values_as_of_idx RENAME TO indicator_values_unpartitioned_as_of_idx;
CREATE TABLE indicator_values (
  account_id       bigint NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
  as_of            date NOT NULL,
  indicator        text NOT NULL,
  value            double precision,
  flag             text NOT NULL CHECK (flag IN ('ok', 'warning', 'critical', 'no-data')),
  detail           jsonb NOT NULL DEFAULT '{}'::jsonb,
  computed_at      timestamptz NOT NULL DEFAULT now(),
  detail_values    double precision[],
  CHECK (flag = 'no-data' OR value IS NOT NULL)
) PARTITION BY RANGE (as_of);
CREATE TABLE indicator_values_default PARTITION OF indicator_values DEFAULT;
SELECT radar_month_partition('indicator_values', month)
FROM (SELECT DISTINCT date_trunc('month', as_of)::date AS month FROM indicator_values_unpartitioned
      UNION SELECT (date_trunc('month', current_date) + ahead * interval '1 month')::date FROM generate_series(0, 3) ahead) months
ORDER BY month;
INSERT INTO indicator_values (account_id, as_of, indicator, value, flag, detail, computed_at, detail_values)
SELECT account_id, as_of, indicator, value, flag, detail, computed_at, detail_values FROM indicator_values_unpartitioned;
DROP TABLE indicator_values_unpartitioned;
ALTER TABLE indicator_values ADD PRIMARY KEY (account_id, as_of, indicator);
CREATE INDEX indicator_values_as_of_idx ON indicator_values (as_of, indicator);

-- As in 0005_indicator_detail_values.sql.
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

-- The copied rows have no statistics yet; the next indicator run plans on them.
ANALYZE usage_daily, usage_metrics_daily, indicator_values;
