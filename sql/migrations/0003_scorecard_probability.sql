-- The rule scorecard's probability beside the model's, per score, so reports can compare the two on
-- the same renewals (model health in the weekly report). NULL for scores written before this column.
ALTER TABLE risk_scores
  ADD COLUMN scorecard_probability double precision
  CHECK (scorecard_probability IS NULL OR (scorecard_probability >= 0 AND scorecard_probability <= 1));
