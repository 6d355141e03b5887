-- Renewal Radar core schema. Frozen once applied: change the schema with a new numbered file.
-- Money is integer cents; days are `date`; instants are `timestamptz`. Every table that holds
-- per-account facts carries account_id so it can be distributed on that key later (Citus).

CREATE TABLE accounts (
  account_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  external_id      text NOT NULL UNIQUE CHECK (length(external_id) BETWEEN 1 AND 200),
  name             text NOT NULL CHECK (length(name) >= 1),
  segment          text NOT NULL DEFAULT 'unassigned' CHECK (length(segment) >= 1),
  industry         text,
  plan             text,
  arr_cents        bigint NOT NULL CHECK (arr_cents >= 0),
  currency         char(3) NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
  csm_email        text,
  csm_slack_id     text,
  contract_start   date NOT NULL,
  renewal_date     date NOT NULL CHECK (renewal_date > contract_start),
  status           text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'churned', 'inactive')),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX accounts_renewal_date_idx ON accounts (renewal_date) WHERE status = 'active';
CREATE INDEX accounts_segment_idx ON accounts (segment);

CREATE TABLE usage_daily (
  account_id       bigint NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
  day              date NOT NULL,
  active_users     integer NOT NULL CHECK (active_users >= 0),
  sessions         integer NOT NULL DEFAULT 0 CHECK (sessions >= 0),
  events           integer NOT NULL DEFAULT 0 CHECK (events >= 0),
  minutes          integer NOT NULL DEFAULT 0 CHECK (minutes >= 0),
  licensed_seats   integer CHECK (licensed_seats IS NULL OR licensed_seats >= 0),
  PRIMARY KEY (account_id, day)
);

CREATE TABLE support_contacts (
  contact_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  external_id      text NOT NULL UNIQUE,
  account_id       bigint NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
  opened_at        timestamptz NOT NULL,
  closed_at        timestamptz CHECK (closed_at IS NULL OR closed_at >= opened_at),
  channel          text NOT NULL DEFAULT 'other' CHECK (channel IN ('email', 'chat', 'phone', 'web', 'social', 'other')),
  priority         text NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
  category         text,
  -- 1 (very unsatisfied) .. 5 (very satisfied); helpdesks with good/bad ratings map to 5/1.
  satisfaction     smallint CHECK (satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5)
);
CREATE INDEX support_contacts_account_opened_idx ON support_contacts (account_id, opened_at);

CREATE TABLE invoices (
  invoice_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  external_id      text NOT NULL UNIQUE,
  account_id       bigint NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
  issued_on        date NOT NULL,
  due_on           date NOT NULL,
  paid_at          timestamptz,
  amount_cents     bigint NOT NULL CHECK (amount_cents >= 0),
  currency         char(3) NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
  status           text NOT NULL CHECK (status IN ('open', 'paid', 'void', 'uncollectible')),
  failed_attempts  integer NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
  CHECK (due_on >= issued_on),
  CHECK (status <> 'paid' OR paid_at IS NOT NULL)
);
CREATE INDEX invoices_account_due_idx ON invoices (account_id, due_on);

CREATE TABLE renewals (
  renewal_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id       bigint NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
  renewal_date     date NOT NULL,
  outcome          text NOT NULL CHECK (outcome IN ('renewed', 'churned', 'downgraded', 'expanded')),
  arr_before_cents bigint NOT NULL CHECK (arr_before_cents >= 0),
  arr_after_cents  bigint NOT NULL CHECK (arr_after_cents >= 0),
  decided_at       timestamptz NOT NULL,
  UNIQUE (account_id, renewal_date),
  CHECK (outcome <> 'churned' OR arr_after_cents = 0),
  CHECK (outcome <> 'downgraded' OR arr_after_cents < arr_before_cents),
  CHECK (outcome <> 'expanded' OR arr_after_cents > arr_before_cents)
);
CREATE INDEX renewals_decided_idx ON renewals (decided_at);

CREATE TABLE market_events (
  event_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_date       date NOT NULL,
  competitor       text NOT NULL CHECK (length(competitor) >= 1),
  kind             text NOT NULL CHECK (kind IN ('launch', 'feature', 'price_cut', 'acquisition', 'funding', 'other')),
  -- The scope the event touches; both NULL means the whole market.
  segment          text,
  industry         text,
  title            text,
  UNIQUE NULLS NOT DISTINCT (event_date, competitor, kind, segment, industry)
);
CREATE INDEX market_events_date_idx ON market_events (event_date);

-- Bookkeeping -------------------------------------------------------------------------------

CREATE TABLE ingestion_runs (
  run_id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source           text NOT NULL,
  entity           text NOT NULL,
  started_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz,
  status           text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
  rows_read        integer NOT NULL DEFAULT 0 CHECK (rows_read >= 0),
  rows_inserted    integer NOT NULL DEFAULT 0 CHECK (rows_inserted >= 0),
  rows_updated     integer NOT NULL DEFAULT 0 CHECK (rows_updated >= 0),
  rows_unchanged   integer NOT NULL DEFAULT 0 CHECK (rows_unchanged >= 0),
  rows_rejected    integer NOT NULL DEFAULT 0 CHECK (rows_rejected >= 0),
  duration_ms      integer CHECK (duration_ms IS NULL OR duration_ms >= 0),
  error            text
);
CREATE INDEX ingestion_runs_source_idx ON ingestion_runs (source, started_at DESC);

CREATE TABLE ingest_rejects (
  reject_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id           bigint REFERENCES ingestion_runs (run_id) ON DELETE SET NULL,
  source           text NOT NULL,
  entity           text NOT NULL,
  location         text NOT NULL,
  raw              jsonb NOT NULL,
  reason           text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  resolved_at      timestamptz
);
CREATE INDEX ingest_rejects_open_idx ON ingest_rejects (source) WHERE resolved_at IS NULL;

CREATE TABLE source_watermarks (
  source           text PRIMARY KEY,
  cursor           text NOT NULL,
  run_id           bigint REFERENCES ingestion_runs (run_id) ON DELETE SET NULL,
  updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Results -----------------------------------------------------------------------------------

CREATE TABLE indicator_values (
  account_id       bigint NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
  as_of            date NOT NULL,
  indicator        text NOT NULL,
  value            double precision,
  flag             text NOT NULL CHECK (flag IN ('ok', 'warning', 'critical', 'no-data')),
  detail           jsonb NOT NULL DEFAULT '{}'::jsonb,
  computed_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, as_of, indicator),
  CHECK (flag = 'no-data' OR value IS NOT NULL)
);
CREATE INDEX indicator_values_as_of_idx ON indicator_values (as_of, indicator);

CREATE TABLE models (
  version          text PRIMARY KEY,
  created_at       timestamptz NOT NULL DEFAULT now(),
  engine           text NOT NULL,
  features         jsonb NOT NULL,
  coefficients     jsonb NOT NULL,
  intercept        double precision NOT NULL,
  scaling          jsonb NOT NULL,
  lead_days        integer NOT NULL CHECK (lead_days > 0),
  training_from    date NOT NULL,
  training_to      date NOT NULL CHECK (training_to >= training_from),
  class_balance    jsonb NOT NULL,
  metrics          jsonb NOT NULL,
  config_hash      text NOT NULL,
  is_promoted      boolean NOT NULL DEFAULT false,
  promoted_at      timestamptz
);
-- At most one promoted model at a time.
CREATE UNIQUE INDEX models_one_promoted_idx ON models (is_promoted) WHERE is_promoted;

CREATE TABLE risk_scores (
  account_id       bigint NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
  as_of            date NOT NULL,
  model_version    text NOT NULL REFERENCES models (version),
  probability      double precision NOT NULL CHECK (probability >= 0 AND probability <= 1),
  tier             text NOT NULL CHECK (tier IN ('low', 'medium', 'high', 'critical')),
  drivers          jsonb NOT NULL DEFAULT '[]'::jsonb,
  missing_indicators jsonb NOT NULL DEFAULT '[]'::jsonb,
  scored_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, as_of, model_version)
);
CREATE INDEX risk_scores_as_of_idx ON risk_scores (as_of, tier);

CREATE TABLE alerts (
  alert_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- e.g. 'risk:acme:2026-11-21:high'; the unique key is what makes a re-run never alert twice.
  dedup_key        text NOT NULL UNIQUE,
  kind             text NOT NULL DEFAULT 'risk' CHECK (kind IN ('risk', 'risk_reduced', 'escalation', 'digest', 'report')),
  account_id       bigint REFERENCES accounts (account_id) ON DELETE CASCADE,
  as_of            date NOT NULL,
  tier             text CHECK (tier IS NULL OR tier IN ('low', 'medium', 'high', 'critical')),
  model_version    text REFERENCES models (version),
  probability      double precision CHECK (probability IS NULL OR (probability >= 0 AND probability <= 1)),
  channel          text,
  recipient        text,
  payload          jsonb NOT NULL DEFAULT '{}'::jsonb,
  status           text NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'queued', 'holdout', 'suppressed', 'dry_run')),
  is_holdout       boolean NOT NULL DEFAULT false,
  slack_ts         text,
  thread_ts        text,
  attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  sent_at          timestamptz,
  outcome          text CHECK (outcome IS NULL OR outcome IN ('saved', 'lost', 'downgraded', 'expanded')),
  outcome_renewal_id bigint REFERENCES renewals (renewal_id),
  outcome_recorded_at timestamptz,
  CHECK (status <> 'sent' OR slack_ts IS NOT NULL)
);
CREATE INDEX alerts_account_idx ON alerts (account_id, as_of);
CREATE INDEX alerts_status_idx ON alerts (status) WHERE status IN ('pending', 'sending', 'failed', 'queued');

CREATE TABLE tasks (
  task_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  alert_id         bigint NOT NULL REFERENCES alerts (alert_id) ON DELETE CASCADE,
  account_id       bigint NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
  playbook         text NOT NULL,
  step             text NOT NULL,
  owner_role       text NOT NULL,
  owner            text,
  due_on           date NOT NULL,
  status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'snoozed', 'cancelled')),
  snoozed_until    date,
  note             text,
  completed_at     timestamptz,
  completed_by     text,
  escalated_at     timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (alert_id, playbook, step),
  CHECK (status <> 'snoozed' OR snoozed_until IS NOT NULL),
  CHECK (status <> 'done' OR completed_at IS NOT NULL)
);
CREATE INDEX tasks_open_idx ON tasks (owner, due_on) WHERE status IN ('open', 'snoozed');
