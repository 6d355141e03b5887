-- Alert delivery bookkeeping (issue 6). Frozen once applied.

-- CSM email → Slack user id, resolved once with users.lookupByEmail. A miss is cached too
-- (slack_id NULL, error set) so an unknown email is not looked up on every run.
CREATE TABLE slack_users (
  email            text PRIMARY KEY CHECK (email = lower(email)),
  slack_id         text,
  looked_up_at     timestamptz NOT NULL DEFAULT now(),
  error            text,
  CHECK (slack_id IS NOT NULL OR error IS NOT NULL)
);

-- The config hash that produced an alert (shown in the message footer).
ALTER TABLE alerts ADD COLUMN config_version text;
-- When the row was last marked 'sending': the duplicate check reads Slack history from shortly before.
ALTER TABLE alerts ADD COLUMN sending_at timestamptz;
-- A per-account alert delivered inside a daily digest points at the digest row.
ALTER TABLE alerts ADD COLUMN digest_alert_id bigint REFERENCES alerts (alert_id) ON DELETE SET NULL;
-- A 'risk reduced' reply points at the alert whose thread it answers.
ALTER TABLE alerts ADD COLUMN parent_alert_id bigint REFERENCES alerts (alert_id) ON DELETE CASCADE;
-- An escalation names the overdue task; unique, so a task is escalated once.
ALTER TABLE alerts ADD COLUMN task_id bigint UNIQUE REFERENCES tasks (task_id) ON DELETE CASCADE;
CREATE INDEX alerts_digest_idx ON alerts (digest_alert_id) WHERE digest_alert_id IS NOT NULL;
CREATE INDEX alerts_recipient_idx ON alerts (recipient, as_of) WHERE kind = 'risk';
