-- The renewal calendar (issue 19 item 4). Frozen once applied.
--
-- A milestone (T−90, T−60, T−30 … days before a renewal) reached by an account is recorded once per
-- account, renewal date and milestone: the unique key is what makes a repeated or caught-up run post
-- nothing twice. Each milestone has an alert row of kind 'milestone' (its playbook tasks hang off it,
-- as risk playbook tasks hang off a risk alert); the day's milestones of one CSM are delivered inside
-- one 'calendar' digest (alerts.digest_alert_id), through the same outbox as every alert.
ALTER TABLE alerts DROP CONSTRAINT alerts_kind_check;
ALTER TABLE alerts ADD CONSTRAINT alerts_kind_check
  CHECK (kind IN ('risk', 'risk_reduced', 'escalation', 'digest', 'report', 'milestone', 'calendar'));

CREATE TABLE renewal_milestones (
  milestone_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id       bigint NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
  renewal_date     date NOT NULL,
  -- The milestone: this many days before the renewal.
  days_before      integer NOT NULL CHECK (days_before BETWEEN 1 AND 365),
  -- The day the milestone was reached (renewal_date − days_before) and the run that posted it (a run
  -- after a missed day posts it later: as_of ≥ milestone_day).
  milestone_day    date NOT NULL CHECK (milestone_day = renewal_date - days_before),
  as_of            date NOT NULL CHECK (as_of >= milestone_day),
  alert_id         bigint NOT NULL UNIQUE REFERENCES alerts (alert_id) ON DELETE CASCADE,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, renewal_date, days_before)
);
CREATE INDEX renewal_milestones_as_of_idx ON renewal_milestones (as_of);
