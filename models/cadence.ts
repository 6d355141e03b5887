// Whether the configured lead days fit the data's billing cadence (`radar config check --data`). Pure.
// Training rows are built as of renewal date − leadDays; when that reaches back past the previous renewal,
// the model predicts a renewal before the one before it was even decided, and the first renewals of every
// account fall before its contract start and are skipped (see models/training-skips.ts).

import type { TypicalPeriod } from '../sql/subscriptions.ts';

export function leadDaysWarning(leadDays: number, typical: TypicalPeriod | undefined): string | undefined {
  if (!typical || leadDays <= typical.days) return undefined;
  const suggestion = Math.max(1, Math.floor(typical.days * 0.7));
  return (
    `leadDays ${leadDays} exceeds the typical billing period in the data (${typical.days} days, the median of ${typical.count} ${typical.basis}): ` +
    `training skips renewals that come within leadDays of the contract start, and scores look past the previous renewal. ` +
    `Set leadDays to about ${suggestion} (and horizonDays near ${Math.round(typical.days)}); see docs/subscriptions.md "Monthly vs annual business".`
  );
}
