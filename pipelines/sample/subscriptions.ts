// The sample company's billing export (`radar sample --subscriptions`): one subscription period per
// contract term, as a billing system would list them on the sample's last day, so loading it derives the
// renewals (docs/subscriptions.md) instead of reading renewals.csv. Terms are annual (two-year for some
// enterprise accounts): the generator has no monthly contracts, so neither does this export.
import type { SampleWindow } from './accounts.ts';
import { csvLineOf } from './csv.ts';
import { formatDay, formatInstant, instantOf } from './days.ts';
import type { AccountLife } from './lifecycle.ts';

export const SUBSCRIPTIONS_FILE = 'subscriptions.csv';
const COLUMNS = ['account_id', 'subscription_id', 'period_start', 'period_end', 'interval', 'interval_count', 'amount_cents', 'quantity', 'status', 'canceled_at', 'cancel_at_period_end'];

/**
 * The periods the billing system holds on the last day: every term that had started by then and ends on or
 * after the first day of records (the renewals renewals.csv covers). A churn's notice is the cancellation,
 * known from its decision instant if that came by the end of records.
 */
export function subscriptionLines(life: AccountLife, window: SampleWindow): string[] {
  const endOfRecords = instantOf(window.end + 1);
  const { account } = life;
  return life.periods
    .filter((period) => period.start <= window.end && period.renewal >= window.start)
    .map((period) => {
      const cancelled = period.outcome === 'churned' && period.decidedAt < endOfRecords;
      return csvLineOf(
        {
          account_id: account.id,
          subscription_id: `sub_${account.id}`,
          period_start: formatDay(period.start),
          period_end: formatDay(period.renewal),
          interval: 'year',
          interval_count: account.termYears,
          // Per period: a two-year term bills two years' ARR.
          amount_cents: period.arrCents * account.termYears,
          quantity: 1,
          status: cancelled && period.renewal <= window.end ? 'canceled' : 'active',
          canceled_at: cancelled ? formatInstant(period.decidedAt) : null,
          cancel_at_period_end: cancelled ? 'true' : 'false',
        },
        COLUMNS,
      );
    });
}

export function subscriptionsCsv(lives: readonly AccountLife[], window: SampleWindow): string {
  return `${[COLUMNS.join(','), ...lives.flatMap((life) => subscriptionLines(life, window))].join('\n')}\n`;
}
