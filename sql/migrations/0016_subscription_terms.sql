-- Contract terms of subscriptions (issue 15): a plan billed monthly on an annual commitment renews at the
-- end of its term, not at every invoice. NULL: each billing period is its own term (a monthly plan without
-- a commitment renews every month). See docs/subscriptions.md "Billing periods and contract terms".
ALTER TABLE subscription_periods ADD COLUMN term_end date;
ALTER TABLE subscription_periods ADD CONSTRAINT subscription_periods_term_end_check CHECK (term_end IS NULL OR term_end > period_start);
