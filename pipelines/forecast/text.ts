// `radar forecast` as a person reads it at a terminal. Pure.
import { money, percent } from '../report/format.ts';
import { intervalAt, type GroupForecast } from './maths.ts';
import type { StoredForecast } from './run.ts';

const ratio = (part: number, whole: number) => (whole === 0 ? null : part / whole);

function groupLine(label: string, group: GroupForecast, currency: string): string {
  const m = (cents: number) => money(cents, currency);
  const arr80 = intervalAt(group.renewedCents, 0.8);
  const logos80 = intervalAt(group.renewedLogos, 0.8);
  return `  ${label.padEnd(28)} ${String(group.accounts).padStart(5)}  ${m(group.arrDueCents).padStart(16)}  ${m(group.expectedRenewedCents).padStart(16)}  ${`${m(arr80.low)} … ${m(arr80.high)}`.padStart(34)}  ${percent(group.grossRevenueRetention).padStart(6)}  ${group.expectedRenewedLogos.toFixed(1).padStart(7)} (${logos80.low}–${logos80.high})`;
}

export function forecastLines(stored: StoredForecast, options: { topContributors: number; created: boolean }): string[] {
  const { figures } = stored;
  const { forecast, period, currency } = figures;
  const m = (cents: number) => money(cents, currency);
  const total = forecast.total;
  const line = (interval: { low: number; high: number }) => `${m(interval.low)} … ${m(interval.high)}`;
  const grr = (interval: { low: number; high: number }) => `${percent(ratio(interval.low, total.arrDueCents))} … ${percent(ratio(interval.high, total.arrDueCents))}`;
  const logos95 = intervalAt(total.renewedLogos, 0.95);
  const logos80 = intervalAt(total.renewedLogos, 0.8);
  const header = `  ${'group'.padEnd(28)} ${'accts'.padStart(5)}  ${'ARR due'.padStart(16)}  ${'expected renewed'.padStart(16)}  ${'80% interval'.padStart(34)}  ${'GRR'.padStart(6)}  logos (80%)`;
  const lines = [
    `Renewal forecast ${period.id} (${period.from} … ${period.to}), as of ${figures.asOf}${options.created ? '' : ' (stored earlier; unchanged)'}`,
    `  renewals due: ${total.accounts} accounts, ${m(total.arrDueCents)} ARR — ${forecast.scored.accounts} scored, ${forecast.unscored.accounts} at their segment's historical rate, ${forecast.decided.accounts} already decided`,
    `  renewed ARR:   expected ${m(total.expectedRenewedCents)}; 80% ${line(intervalAt(total.renewedCents, 0.8))}; 95% ${line(intervalAt(total.renewedCents, 0.95))}`,
    `  GRR (churn only, no downgrades): expected ${percent(total.grossRevenueRetention)}; 80% ${grr(intervalAt(total.renewedCents, 0.8))}; 95% ${grr(intervalAt(total.renewedCents, 0.95))}`,
    `  renewed logos: expected ${total.expectedRenewedLogos.toFixed(1)} of ${total.accounts} (${percent(total.logoRetention)}); 80% ${logos80.low} … ${logos80.high}; 95% ${logos95.low} … ${logos95.high}`,
    '',
    header,
    groupLine('scored', forecast.scored, currency),
    groupLine("unscored (segment's rate)", forecast.unscored, currency),
    groupLine('already decided', forecast.decided, currency),
    '',
    header.replace('group', 'segment'),
    ...forecast.segments.map((group) => groupLine(group.key, group, currency)),
    '',
    header.replace('group', 'CSM  '),
    ...forecast.csms.map((group) => groupLine(group.key, group, currency)),
    '',
    `  top contributors to the expected loss (churn probability × ARR):`,
    ...forecast.accounts
      .filter((account) => account.source !== 'decided' && account.expectedLossCents > 0)
      .slice(0, options.topContributors)
      .map((account, i) => `  ${String(i + 1).padStart(3)}. ${account.name} (${account.segment}, renews ${account.renewalDate}): ${m(account.expectedLossCents)} = ${percent(account.churnProbability)} × ${m(account.arrCents)}${account.source === 'segment_rate' ? " (segment's rate)" : ''}`),
    '',
    `  renewed logos: exact Poisson-binomial; renewed ARR: ${figures.method.simulations} simulations, seed ${figures.method.seed}; model ${stored.modelVersion ?? 'none'}; config ${stored.configHash}`,
  ];
  return lines;
}
