-- Slack interactivity (issue 9): buttons on alerts, the "Not a risk" feedback and the slash command.
-- Frozen once applied.

-- Every interaction Slack delivered, once. `idempotency_key` is built from what stays the same when
-- Slack retries a delivery (X-Slack-Retry-Num) or a signed request is replayed: the action's
-- action_ts + action_id + user, a modal's view id, a slash command's trigger_id. The unique key is
-- what makes the second delivery change nothing.
CREATE TABLE slack_interactions (
  interaction_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  idempotency_key  text NOT NULL UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 500),
  kind             text NOT NULL CHECK (kind IN ('task_done', 'snooze', 'not_a_risk_prompt', 'not_a_risk', 'command')),
  slack_user_id    text NOT NULL,
  account_id       bigint REFERENCES accounts (account_id) ON DELETE CASCADE,
  alert_id         bigint REFERENCES alerts (alert_id) ON DELETE CASCADE,
  task_id          bigint REFERENCES tasks (task_id) ON DELETE CASCADE,
  received_at      timestamptz NOT NULL
);
CREATE INDEX slack_interactions_alert_idx ON slack_interactions (alert_id) WHERE alert_id IS NOT NULL;

-- "Snooze 7 days" on the alert as a whole (its open tasks are snoozed too, so escalation waits).
ALTER TABLE alerts ADD COLUMN snoozed_until date;
ALTER TABLE alerts ADD COLUMN snoozed_by text;
ALTER TABLE alerts ADD COLUMN snoozed_at timestamptz;

-- "Not a risk": feedback on the model, one verdict per alert (the first one stands).
CREATE TABLE alert_feedback (
  alert_id         bigint PRIMARY KEY REFERENCES alerts (alert_id) ON DELETE CASCADE,
  account_id       bigint NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
  verdict          text NOT NULL DEFAULT 'not_a_risk' CHECK (verdict IN ('not_a_risk')),
  reason           text NOT NULL CHECK (reason IN ('customer_fine', 'data_wrong', 'already_handled', 'other')),
  note             text CHECK (note IS NULL OR length(note) <= 3000),
  slack_user_id    text NOT NULL,
  recorded_at      timestamptz NOT NULL
);
CREATE INDEX alert_feedback_account_idx ON alert_feedback (account_id);
