// `radar review`: what the alerts of a period achieved, by tier, playbook and CSM, and which indicators
// drove the false alarms. Pure: it takes the rows sql/review.ts reads and the number of drivers an alert
// shows; the save-rate statistics are alerts/outcomes.ts's (Wilson, Newcombe), not a copy of them.
import type { ReviewAlertRow, ReviewTaskCount } from '../sql/review.ts';
import { daysBetween } from './dates.ts';
import { outcomeReport, type AlertOutcome, type DecidedCase, type OutcomeReport } from './outcomes.ts';
import { parseDrivers, topDrivers } from './plan.ts';
import { isTier, tierRank } from './tiers.ts';

export type ReviewDimension = 'tier' | 'playbook' | 'csm';

export interface ReviewGroup {
  /** The tier, playbook key or CSM email ('(no CSM)' without one); 'all' for the overall row. */
  readonly key: string;
  /** Delivered alerts (sent or dry run). */
  readonly alertsSent: number;
  /** Holdout decisions the group is compared with. */
  readonly heldOut: number;
  /** Save rates of the alerted renewals (treated) and of the holdout's (control), with the lift's interval. */
  readonly outcomes: OutcomeReport;
  /** Median days from a delivered alert to its renewal date; null without delivered alerts. */
  readonly medianLeadDays: number | null;
  readonly tasks: { readonly total: number; readonly done: number };
  /** Delivered alerts marked "Not a risk", and by reason. */
  readonly notRisk: number;
  readonly notRiskReasons: Readonly<Record<string, number>>;
}

export interface IndicatorReview {
  readonly indicator: string;
  /** Delivered alerts that showed this indicator among their drivers. */
  readonly alerts: number;
  /** Of those, alerts whose renewal was decided renewed or expanded. */
  readonly renewed: number;
  /** Of those, alerts marked "Not a risk". */
  readonly notRisk: number;
  /** Renewed or marked "Not a risk" (an alert that is both counts once). */
  readonly falseAlarms: number;
  readonly notRiskReasons: Readonly<Record<string, number>>;
}

export interface Review {
  readonly from: string;
  readonly to: string;
  readonly overall: ReviewGroup;
  readonly byTier: readonly ReviewGroup[];
  readonly byPlaybook: readonly ReviewGroup[];
  readonly byCsm: readonly ReviewGroup[];
  /** Most false alarms first. */
  readonly indicators: readonly IndicatorReview[];
}

const NO_CSM = '(no CSM)';

/** alerts.outcome to the three classes outcomeReport counts ('expanded' is a save). */
function alertOutcome(outcome: string): AlertOutcome {
  if (outcome === 'saved' || outcome === 'expanded') return 'saved';
  if (outcome === 'lost' || outcome === 'downgraded') return outcome;
  throw new Error(`unknown alert outcome "${outcome}"`);
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const sum = (tasks: readonly ReviewTaskCount[], field: 'total' | 'done') => tasks.reduce((total, entry) => total + entry[field], 0);

function countBy(keys: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of [...keys].sort()) counts[key] = (counts[key] ?? 0) + 1;
  return counts;
}

/**
 * One case per (account, decided renewal) among the rows, as outcomeReport expects: control when every
 * decision on it was a holdout; an account alerted several times before one renewal counts once.
 */
function decidedCases(rows: readonly ReviewAlertRow[]): DecidedCase[] {
  const cases = new Map<string, DecidedCase>();
  for (const row of rows) {
    if (row.renewalId === null || row.outcome === null) continue;
    const key = `${row.accountId}:${row.renewalId}`;
    const seen = cases.get(key);
    cases.set(key, {
      accountId: row.accountId,
      renewalId: row.renewalId,
      control: (seen?.control ?? true) && row.holdout,
      outcome: alertOutcome(row.outcome),
      tasksTotal: (seen?.tasksTotal ?? 0) + sum(row.tasks, 'total'),
      tasksDone: (seen?.tasksDone ?? 0) + sum(row.tasks, 'done'),
    });
  }
  return [...cases.values()];
}

/** `playbook`: count only that playbook's tasks. */
function group(key: string, delivered: readonly ReviewAlertRow[], control: readonly ReviewAlertRow[], playbook?: string): ReviewGroup {
  const tasks = delivered.flatMap((row) => row.tasks.filter((entry) => playbook === undefined || entry.playbook === playbook));
  const reasons = delivered.flatMap((row) => (row.notRiskReason === null ? [] : [row.notRiskReason]));
  return {
    key,
    alertsSent: delivered.length,
    heldOut: control.length,
    outcomes: outcomeReport(decidedCases([...delivered, ...control])),
    medianLeadDays: median(delivered.map((row) => daysBetween(row.asOf, row.renewalDate))),
    tasks: { total: sum(tasks, 'total'), done: sum(tasks, 'done') },
    notRisk: reasons.length,
    notRiskReasons: countBy(reasons),
  };
}

/**
 * Groups by one dimension. A holdout decision has a tier and a CSM but no playbook (it made no tasks),
 * so each playbook is compared with the whole holdout, each tier and CSM with the holdout's own.
 */
function groupsBy(rows: readonly ReviewAlertRow[], dimension: ReviewDimension): ReviewGroup[] {
  const keysOf = (row: ReviewAlertRow): readonly string[] =>
    dimension === 'tier' ? [row.tier] : dimension === 'csm' ? [row.csm ?? NO_CSM] : row.tasks.map((entry) => entry.playbook);
  const delivered = rows.filter((row) => !row.holdout);
  const held = rows.filter((row) => row.holdout);
  const keys = [...new Set(delivered.flatMap(keysOf))];
  return keys.map((key) =>
    group(
      key,
      delivered.filter((row) => keysOf(row).includes(key)),
      dimension === 'playbook' ? held : held.filter((row) => keysOf(row).includes(key)),
      dimension === 'playbook' ? key : undefined,
    ),
  );
}

function indicatorReviews(delivered: readonly ReviewAlertRow[], shownDrivers: number): IndicatorReview[] {
  const byIndicator = new Map<string, ReviewAlertRow[]>();
  for (const row of delivered) {
    for (const driver of topDrivers(parseDrivers(row.drivers), shownDrivers)) {
      byIndicator.set(driver.indicator, [...(byIndicator.get(driver.indicator) ?? []), row]);
    }
  }
  const renewed = (row: ReviewAlertRow) => row.outcome !== null && alertOutcome(row.outcome) === 'saved';
  return [...byIndicator]
    .map(([indicator, alerts]) => {
      const reasons = alerts.flatMap((row) => (row.notRiskReason === null ? [] : [row.notRiskReason]));
      return {
        indicator,
        alerts: alerts.length,
        renewed: alerts.filter(renewed).length,
        notRisk: reasons.length,
        falseAlarms: alerts.filter((row) => renewed(row) || row.notRiskReason !== null).length,
        notRiskReasons: countBy(reasons),
      };
    })
    .sort((a, b) => b.falseAlarms - a.falseAlarms || b.alerts - a.alerts || a.indicator.localeCompare(b.indicator));
}

/** The review of the alerts dated in [from, to]; `shownDrivers` is routing.topDrivers (what the CSM saw). */
export function reviewAlerts(rows: readonly ReviewAlertRow[], options: { from: string; to: string; shownDrivers: number }): Review {
  const delivered = rows.filter((row) => !row.holdout);
  const tierOrder = (key: string) => (isTier(key) ? -tierRank(key) : 0);
  return {
    from: options.from,
    to: options.to,
    overall: group('all', delivered, rows.filter((row) => row.holdout)),
    byTier: groupsBy(rows, 'tier').sort((a, b) => tierOrder(a.key) - tierOrder(b.key)),
    byPlaybook: groupsBy(rows, 'playbook').sort((a, b) => a.key.localeCompare(b.key)),
    byCsm: groupsBy(rows, 'csm').sort((a, b) => a.key.localeCompare(b.key)),
    indicators: indicatorReviews(delivered, options.shownDrivers),
  };
}
