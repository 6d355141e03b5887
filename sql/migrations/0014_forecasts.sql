-- Renewal forecasts (issue 19), stored when made and never rewritten: the report sets the forecast made
-- at a period's start beside what happened, so a later load, score or config must not move it. A second
-- forecast for the same day, period and scope is a no-op (ON CONFLICT DO NOTHING in sql/forecasts.ts).
CREATE TABLE forecasts (
  forecast_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  as_of          date NOT NULL,
  -- '2027-Q1' (calendar quarter) or '2027-01' (month).
  period         text NOT NULL CHECK (period ~ '^\d{4}-(Q[1-4]|0[1-9]|1[0-2])$'),
  period_from    date NOT NULL,
  period_to      date NOT NULL CHECK (period_to >= period_from),
  -- 'all' (the whole book); room for narrower forecasts later.
  scope          text NOT NULL DEFAULT 'all' CHECK (length(scope) >= 1),
  -- The model behind most of the scores used (NULL: no account had a score).
  model_version  text REFERENCES models (version),
  config_hash    text NOT NULL,
  figures        jsonb NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (as_of, period, scope)
);
CREATE INDEX forecasts_period_idx ON forecasts (period, as_of);
