-- Bring your own signals (issue 14): named usage metrics per account and day, and timestamped account
-- signals (NPS, CSAT, sponsor changes). Both carry account_id first, like every per-account table.

-- One row per (account, day, metric). Fed by raw event exports (aggregated on load), wide daily files
-- (several columns mapped to metric names) and readable alongside usage_daily's own columns.
-- A missing row is a day without that metric (zero), from the account's first covered day on.
CREATE TABLE usage_metrics_daily (
  account_id       bigint NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
  day              date NOT NULL,
  metric           text NOT NULL CHECK (metric ~ '^[a-z][a-z0-9_]{0,62}$'),
  -- Event counts are whole numbers (exact in double precision up to 2^53, so sums are exact in any order);
  -- summed property values may be fractional.
  value            double precision NOT NULL CHECK (value >= 0 AND value < 'Infinity'::double precision),
  -- Distinct users that day for that metric, when the export maps a user column; NULL otherwise.
  users            integer CHECK (users IS NULL OR users >= 0),
  -- The source that wrote the row: a later load of that source replaces its (account, day, metric) totals.
  source           text NOT NULL CHECK (length(source) BETWEEN 1 AND 200),
  PRIMARY KEY (account_id, day, metric)
);
CREATE INDEX usage_metrics_daily_metric_day_idx ON usage_metrics_daily (metric, day);

-- Timestamped facts that are not daily usage. Text answers map to numbers through the source's value map.
CREATE TABLE account_signals (
  account_id       bigint NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
  name             text NOT NULL CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
  observed_at      timestamptz NOT NULL,
  value            double precision NOT NULL CHECK (value > '-Infinity'::double precision AND value < 'Infinity'::double precision),
  source           text NOT NULL CHECK (length(source) BETWEEN 1 AND 200),
  PRIMARY KEY (account_id, name, observed_at)
);
