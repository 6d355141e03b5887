// Drivers in plain words: the sentence a CSM reads next to a risk score, built from the indicator's value
// and the counts in its detail ("Usage down 46% vs the prior quarter"). Pure.
import { priorWindow } from '../indicators/format.ts';
import { findIndicator } from '../indicators/registry.ts';
import type { IndicatorDetail } from '../indicators/types.ts';
import type { ConfiguredIndicator } from '../indicators/statement.ts';

export interface Driver {
  readonly indicator: string;
  /** Push on the log-odds relative to an average account (positive: raises the risk). */
  readonly contribution: number;
  readonly sentence: string;
}

const num = (detail: IndicatorDetail, key: string): number | null => {
  const value = detail[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
};
// One formatter for every sentence: the same text as toLocaleString('en-US'), without building a formatter per call.
const EN_US = new Intl.NumberFormat('en-US');
const whole = (value: number) => EN_US.format(Math.round(value));
const percent = (fraction: number) => `${Math.round(Math.abs(fraction) * 100)}%`;
const plural = (count: number, word: string, many = `${word}s`) => `${whole(count)} ${Math.round(count) === 1 ? word : many}`;
const dollars = (cents: number) => `$${EN_US.format(Math.round(cents / 100))}`;


function change(value: number): string {
  return value < 0 ? `down ${percent(value)}` : `up ${percent(value)}`;
}

/**
 * One sentence about an indicator's value for an account, in the words a CSM would use. An indicator that
 * words its own drivers (custom ones, `definition.driver`) is asked when its configured definition is given.
 */
export function driverSentence(indicator: string, value: number | null, detail: IndicatorDetail, configured?: ConfiguredIndicator): string {
  if (configured?.definition.driver) return configured.definition.driver(value, detail, configured.config);
  const title = findIndicator(indicator)?.title ?? indicator;
  if (value === null) return missingSentence(indicator, detail);
  switch (indicator) {
    case 'usageDecline':
      return `Usage ${change(value)} vs ${priorWindow(num(detail, 'baselineDays'))}`;
    case 'usageTrend':
      return `Usage trending ${value < 0 ? 'down' : 'up'} ${percent(value)} a month over the last ${num(detail, 'days') ?? 90} days`;
    case 'activeDays':
      return `Active on only ${whole(value)} of the last ${num(detail, 'recentDays') ?? 30} days`;
    case 'seatUtilisation': {
      const seats = num(detail, 'avgLicensedSeats');
      return `Only ${percent(value)} of ${seats === null ? 'the' : whole(seats)} licensed seats in use`;
    }
    case 'supportChange':
      return `Support contacts ${change(value)} (${plural(num(detail, 'recentContacts') ?? 0, 'contact')} in the last ${num(detail, 'recentDays') ?? 30} days vs ${whole(num(detail, 'baselineContacts') ?? 0)} in the ${num(detail, 'baselineDays') ?? 90} before)`;
    case 'supportEscalations':
      return `${plural(value, 'escalated or poorly rated support contact')} in the last ${num(detail, 'recentDays') ?? 30} days`;
    case 'paymentDelay':
      return value === 0 ? 'Recent invoices all paid on time' : `An invoice paid ${plural(value, 'day')} late among the last ${plural(num(detail, 'invoices') ?? 0, 'invoice')}`;
    case 'paymentDelayAverage':
      return `Invoices paid ${whole(value)} days late on average`;
    case 'oldestUnpaidOverdueDays':
      return value === 0 ? 'No invoice overdue' : `Oldest unpaid invoice ${plural(value, 'day')} overdue`;
    case 'overdueAmount':
      return value === 0 ? 'Nothing overdue' : `${dollars(value)} overdue on ${plural(num(detail, 'overdueInvoices') ?? 0, 'invoice')}`;
    case 'failedPayments':
      return `${plural(value, 'failed payment attempt')} in the last ${num(detail, 'windowDays') ?? 90} days`;
    case 'competitorReleases': {
      const names = Array.isArray(detail.competitors) ? detail.competitors.filter((name) => typeof name === 'string').join(', ') : '';
      return `${plural(value, 'competitor launch', 'competitor launches')} in the account's market in the last ${num(detail, 'windowDays') ?? 90} days${names ? ` (${names})` : ''}`;
    }
    case 'daysToRenewal':
      return `Renews in ${plural(value, 'day')}`;
    case 'tenure':
      return value < 365 ? `Customer for only ${plural(Math.floor(value / 30.44), 'month')}` : `Customer for ${(value / 365.25).toFixed(1)} years`;
    case 'arr':
      return `Contract worth ${dollars(value)} a year`;
    case 'recentDowngrade':
      return value === 1 ? `Downgraded at the ${String(detail.renewalDate)} renewal` : 'No recent downgrade';
    default:
      return `${title}: ${value}`;
  }
}

function missingSentence(indicator: string, detail: IndicatorDetail): string {
  const title = findIndicator(indicator)?.title ?? indicator;
  if (detail.enoughHistory === false) return `${title} unknown: too little history since the contract started`;
  if (detail.fullWindow === false) return `${title} unknown: the contract started within the window`;
  switch (indicator) {
    case 'usageDecline':
    case 'usageTrend':
    case 'activeDays':
      return 'No product usage reported recently';
    case 'seatUtilisation':
      return 'No licensed seats reported recently';
    case 'supportChange':
      return 'No support contacts in the baseline window to compare with';
    default:
      return `${title} unknown: no data`;
  }
}

/**
 * The sentence, followed by "(enterprise thresholds)" when the account's segment has its own levels for the
 * indicator (indicators.<id>.segments): the flag a CSM or the scorecard sees was set by those.
 */
export function withSegmentThresholds(sentence: string, configured: ConfiguredIndicator | undefined, segment: string | null): string {
  if (segment === null || configured?.config.segments?.[segment] === undefined) return sentence;
  return `${sentence} (${segment} thresholds)`;
}

/** A driver before it is put in words: the indicator and its contribution rounded to 4 decimals. */
export type RankedDriver = Omit<Driver, 'sentence'>;

/** The top `count` risk-raising contributions, largest first (ties by indicator id); contributions ≤ 0 never appear. */
export function rankDrivers(contributions: readonly { indicator: string; contribution: number }[], count = 3): RankedDriver[] {
  return [...contributions]
    .filter((item) => item.contribution > 0)
    .sort((a, b) => b.contribution - a.contribution || (a.indicator < b.indicator ? -1 : 1))
    .slice(0, count)
    .map((item) => ({ indicator: item.indicator, contribution: Math.round(item.contribution * 1e4) / 1e4 }));
}

/** The top `count` risk-raising contributions, as drivers; contributions ≤ 0 never appear. */
export function topDrivers(
  contributions: readonly { indicator: string; contribution: number }[],
  describe: (indicator: string) => string,
  count = 3,
): Driver[] {
  return rankDrivers(contributions, count).map((item) => ({ ...item, sentence: describe(item.indicator) }));
}
