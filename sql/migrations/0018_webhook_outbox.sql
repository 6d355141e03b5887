-- Signed webhooks (issue 20): the outbox. Frozen once applied.
-- One row per (endpoint, event): an event is recorded in the same transaction as the fact it reports
-- (a tier change, an alert, a completed task, a decided renewal, a stored forecast), once for each
-- configured endpoint that subscribes to its type. The event id is derived from the fact's natural key,
-- so recording it twice is a no-op and a receiver sees the same id on every retry (it dedupes on it).
-- Delivery claims rows with FOR UPDATE SKIP LOCKED and a lease (next_attempt_at moved past the
-- request's timeout), so no two deliverers send one event at once.
CREATE TABLE webhook_outbox (
  outbox_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  endpoint_id      text NOT NULL CHECK (endpoint_id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  event_id         text NOT NULL CHECK (event_id ~ '^evt_[0-9a-f]{32}$'),
  event_type       text NOT NULL CHECK (event_type IN ('tier.changed', 'alert.created', 'task.completed', 'renewal.decided', 'forecast.published')),
  -- Events of one account are delivered in outbox order; NULL: not about one account (forecasts).
  account_id       bigint REFERENCES accounts (account_id),
  data             jsonb NOT NULL,
  occurred_at      timestamptz NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
  attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  last_attempt_at  timestamptz,
  last_status      integer,
  last_error       text,
  delivered_at     timestamptz,
  dead_at          timestamptz,
  UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_outbox_pending_idx ON webhook_outbox (endpoint_id, account_id, outbox_id) WHERE status = 'pending';
CREATE INDEX webhook_outbox_dead_idx ON webhook_outbox (dead_at) WHERE status = 'dead';
