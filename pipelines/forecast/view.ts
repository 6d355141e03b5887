// The weekly report's "Next quarter" section: forecast tables and the forecast-vs-actual chart, as the
// report's view-model (every renderer shows them the same way). Pure.
import { count, money, moneyShort, percent } from '../report/format.ts';
import type { ViewRow, ViewSection, ViewTable } from '../report/view.ts';
import { intervalAt, type GroupForecast, type Interval } from './maths.ts';
import type { ForecastReportFigures } from './report.ts';

export const FORECAST_DEFINITIONS: readonly string[] = [
  'Renewals due in a period: renewals dated in it, as known at the end of the as-of day — those already decided count with their outcome; each open one renews with 1 − its latest churn probability (its latest risk score on or before the day); an account with no score counts at its segment’s churn rate over the renewals decided by then, (churned + 1) ÷ (decided + 2).',
  'Renewed logos: the exact distribution of the count (Poisson-binomial, each renewal independent). Renewed ARR: ARR due of the renewals that do not churn, its distribution simulated with a fixed seed. Downgrades and expansions are not forecast: GRR here = expected renewed ARR ÷ ARR due (churn only).',
  'Intervals are equal-tailed: the 80% interval runs from the 10th to the 90th percentile, the 95% one from the 2.5th to the 97.5th.',
  'Forecast vs actual: each closed month’s forecast made at its start (the latest kept from the 31 days before its first day) beside what happened to the same renewals; a month with renewals still undecided is not counted in the calibration. T−30/60/90: the forecast kept in the week up to 30, 60 and 90 days before the month.',
  'Top contributors: open renewals of the quarter ranked by churn probability × ARR due.',
];

const range = (interval: Pick<Interval, 'low' | 'high'>, show: (value: number) => string) => `${show(interval.low)} … ${show(interval.high)}`;

function groupCells(group: GroupForecast, m: (cents: number) => string): string[] {
  const ratio = (cents: number) => percent(group.arrDueCents === 0 ? null : cents / group.arrDueCents);
  const arr80 = intervalAt(group.renewedCents, 0.8);
  return [
    count(group.accounts),
    m(group.arrDueCents),
    m(group.expectedRenewedCents),
    range(arr80, m),
    range(intervalAt(group.renewedCents, 0.95), m),
    `${percent(group.grossRevenueRetention)} (${range(arr80, ratio)})`,
    `${group.expectedRenewedLogos.toFixed(1)} (${range(intervalAt(group.renewedLogos, 0.8), String)})`,
  ];
}

const GROUP_COLUMNS = ['Renewals', 'ARR due', 'Expected renewed ARR', '80% interval', '95% interval', 'GRR (80%)', 'Renewed logos (80%)'];

/** "Actual inside the 80% interval in 7 of 9 months (95%: 9 of 9)". */
export function calibrationText(calibration: ForecastReportFigures['calibration']): string {
  if (calibration.months === 0) return 'no closed month with a forecast made at its start yet';
  const months = calibration.months === 1 ? 'month' : 'months';
  return `actual inside the 80% interval in ${calibration.inside80} of ${calibration.months} ${months} (95%: ${calibration.inside95} of ${calibration.months})`;
}

/** The Slack summary's line: the next quarter's renewed ARR with its 80% interval, and the track record. */
export function forecastHeadline(figures: ForecastReportFigures, currency: string): string {
  const m = (cents: number) => money(cents, currency);
  const { period, forecast } = figures.upcoming[0]!.figures;
  const arr80 = intervalAt(forecast.total.renewedCents, 0.8);
  return `Forecast ${period.id}: renewed ARR ${m(forecast.total.expectedRenewedCents)} of ${m(forecast.total.arrDueCents)} due (80%: ${range(arr80, m)}), GRR ${percent(forecast.total.grossRevenueRetention)}; past forecasts: ${calibrationText(figures.calibration)}.`;
}

export function forecastSection(figures: ForecastReportFigures, currency: string, topContributors: number): ViewSection {
  const m = (cents: number) => money(cents, currency);
  const quarter = figures.upcoming[0]!.figures;
  const groupTable = (id: string, caption: string, label: string, groups: readonly GroupForecast[]): ViewTable => ({
    id,
    caption,
    columns: [label, ...GROUP_COLUMNS],
    rows: groups.map((group) => ({ key: `${id}.${group.key}`, cells: [group.key, ...groupCells(group, m)] })),
    empty: 'No renewals due.',
  });
  const upcomingRows: ViewRow[] = figures.upcoming.map(({ figures: f }) => ({
    key: `forecast.${f.period.id}`,
    cells: [`${f.period.id} (${f.period.from} … ${f.period.to})`, ...groupCells(f.forecast.total, m), `${f.forecast.scored.accounts} / ${f.forecast.unscored.accounts} / ${f.forecast.decided.accounts}`],
  }));
  const checkRows: ViewRow[] = figures.checks.map((check) => ({
    key: `forecastCheck.${check.period.id}`,
    cells: [
      check.period.id,
      check.asOf,
      count(check.accounts),
      m(check.expectedRenewedCents),
      range(check.renewedCents80, m),
      check.undecided > 0 ? `${m(check.actualRenewedCents)} so far (${check.undecided} undecided)` : m(check.actualRenewedCents),
      check.inside80 === null ? 'pending' : check.inside80 ? 'yes' : 'no',
      check.inside95 === null ? 'pending' : check.inside95 ? 'yes' : 'no',
      ...check.earlier.map((earlier) => (earlier.expectedRenewedCents === null ? 'not kept' : m(earlier.expectedRenewedCents))),
    ],
    flagged: check.inside80 === false,
  }));
  const contributors = quarter.forecast.accounts.filter((account) => account.source !== 'decided' && account.expectedLossCents > 0).slice(0, topContributors);
  const chartMonths = [
    ...figures.checks.map((check) => ({ label: check.period.id, low: check.renewedCents80.low, high: check.renewedCents80.high, expected: check.expectedRenewedCents, actual: check.undecided > 0 ? null : check.actualRenewedCents })),
    ...figures.upcoming.slice(1).map(({ figures: f }) => {
      const arr80 = intervalAt(f.forecast.total.renewedCents, 0.8);
      return { label: f.period.id, low: arr80.low, high: arr80.high, expected: f.forecast.total.expectedRenewedCents, actual: null };
    }),
  ];
  return {
    id: 'forecast',
    title: `Next quarter: renewal forecast for ${quarter.period.id}`,
    definitions: FORECAST_DEFINITIONS,
    tables: [
      { id: 'forecast-upcoming', caption: `Forecast as of ${figures.asOf}`, columns: ['Period', ...GROUP_COLUMNS, 'Scored / segment rate / decided'], rows: upcomingRows },
      groupTable('forecast-segment', `${quarter.period.id} by segment`, 'Segment', quarter.forecast.segments),
      groupTable('forecast-csm', `${quarter.period.id} by CSM`, 'CSM', quarter.forecast.csms),
      {
        id: 'forecast-contributors',
        caption: `${quarter.period.id}: top ${contributors.length} contributors to the expected loss`,
        columns: ['#', 'Account', 'Segment', 'Owner', 'Renewal', 'ARR due', 'Churn probability', 'Expected loss'],
        rows: contributors.map((account, index) => ({
          key: `forecastTop.${account.accountId}`,
          cells: [String(index + 1), account.name, account.segment, account.csm ?? 'unassigned', account.renewalDate, m(account.arrCents), `${percent(account.churnProbability)}${account.source === 'segment_rate' ? ' (segment rate)' : ''}`, m(account.expectedLossCents)],
        })),
        empty: 'No open renewal with an expected loss.',
      },
      {
        id: 'forecast-vs-actual',
        caption: `Forecast at the start of each closed month vs actual: ${calibrationText(figures.calibration)}`,
        columns: ['Month', 'Forecast as of', 'Renewals', 'Expected renewed ARR', '80% interval', 'Actual renewed ARR', 'Inside 80%', 'Inside 95%', 'T−30 expected', 'T−60 expected', 'T−90 expected'],
        rows: checkRows,
        empty: 'No closed month has a forecast kept from its start yet: forecasts are kept by the daily run from its first day on.',
      },
    ],
    charts: [
      {
        kind: 'intervals',
        id: 'chart-forecast',
        title: 'Renewed ARR per month: forecast at the start (80% interval, expected) vs actual',
        rows: chartMonths.map((row) => ({ ...row, display: `expected ${m(row.expected)}, 80% ${m(row.low)} … ${m(row.high)}${row.actual === null ? '' : `, actual ${m(row.actual)}`}` })),
        axisLabel: (value: number) => moneyShort(Math.round(value), currency),
      },
    ],
  };
}
