-- Subscriptions from the billing system (issue 15). A billing API lists only each subscription's CURRENT
-- period, so every load upserts the period it sees and the periods accumulate into a history, from which
-- the renewals are derived (sql/subscriptions.ts).

CREATE TABLE subscription_periods (
  account_id           bigint NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
  subscription_id      text NOT NULL CHECK (length(subscription_id) BETWEEN 1 AND 200),
  period_start         date NOT NULL,
  period_end           date NOT NULL,
  -- Billed every interval_count × billing_interval; ARR = amount_cents × quantity × periods per year.
  billing_interval     text NOT NULL CHECK (billing_interval IN ('day', 'week', 'month', 'year')),
  interval_count       integer NOT NULL DEFAULT 1 CHECK (interval_count >= 1),
  -- Per unit and period, in the currency's smallest unit; 0 for trials and free plans.
  amount_cents         bigint NOT NULL CHECK (amount_cents >= 0),
  quantity             integer NOT NULL DEFAULT 1 CHECK (quantity >= 0),
  currency             char(3) NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
  -- The subscription's status when this period was last seen (Stripe's vocabulary).
  status               text NOT NULL DEFAULT 'active'
                       CHECK (status IN ('active', 'trialing', 'past_due', 'unpaid', 'canceled', 'incomplete', 'incomplete_expired', 'paused', 'ended')),
  canceled_at          timestamptz,
  cancel_at_period_end boolean NOT NULL DEFAULT false,
  ended_at             timestamptz,
  PRIMARY KEY (account_id, subscription_id, period_start),
  CHECK (period_end > period_start)
);

-- Which renewals were derived from subscription periods: a later load may update or delete those (a
-- correction in the billing system), never the rows a renewals source wrote.
ALTER TABLE renewals ADD COLUMN derived_from_subscriptions boolean NOT NULL DEFAULT false;
