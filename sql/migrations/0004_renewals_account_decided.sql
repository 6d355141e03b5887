-- "The last renewal decided before D" per account (indicator scope, ARR as of D) must be one index probe
-- per account. With only renewals_decided_idx the planner, lacking fresh statistics right after a bulk
-- load, walked every decided renewal backwards for each account: 14 s instead of 0.6 s per as-of day
-- on 10k accounts.
CREATE INDEX renewals_account_decided_idx ON renewals (account_id, decided_at);
