// Save rate vs holdout per period (and tier) for /api/v1/save-rate: the decided cases grouped by the
// UTC month or quarter of their decision, each group through alerts/outcomes.ts's outcomeReport (the
// Wilson intervals and the Newcombe lift of `radar outcomes`). Pure.
import { outcomeReport, type AlertOutcome, type OutcomeReport } from '../../alerts/outcomes.ts';
import type { OutcomeCaseRow } from '../../sql/api-outcomes.ts';

export type SaveRateInterval = 'all' | 'quarter' | 'month';

export interface SaveRatePeriod {
  readonly label: string;
  /** First and last day of the period; null for 'all' without a bound in the query. */
  readonly from: string | null;
  readonly to: string | null;
}

export interface SaveRateGroup {
  readonly period: SaveRatePeriod;
  readonly tier: string | null;
  readonly report: OutcomeReport;
}

const TIER_ORDER: readonly (string | null)[] = [null, 'low', 'medium', 'high', 'critical'];

const lastDayOfMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10);

/** The period holding a decision: '2026-01' (month), '2026-Q1' (quarter) or 'all'. */
export function periodOf(decidedAt: Date, interval: SaveRateInterval, bounds: { from?: string; to?: string } = {}): SaveRatePeriod {
  if (interval === 'all') return { label: 'all', from: bounds.from ?? null, to: bounds.to ?? null };
  const year = decidedAt.getUTCFullYear();
  const month = decidedAt.getUTCMonth() + 1;
  if (interval === 'month') {
    const mm = String(month).padStart(2, '0');
    return { label: `${year}-${mm}`, from: `${year}-${mm}-01`, to: lastDayOfMonth(year, month) };
  }
  const quarter = Math.ceil(month / 3);
  const first = String(quarter * 3 - 2).padStart(2, '0');
  return { label: `${year}-Q${quarter}`, from: `${year}-${first}-01`, to: lastDayOfMonth(year, quarter * 3) };
}

/** One group per period (oldest first) and, with byTier, per tier within it (low → critical). */
export function saveRates(cases: readonly OutcomeCaseRow[], options: { interval: SaveRateInterval; byTier: boolean; from?: string; to?: string }): SaveRateGroup[] {
  const groups = new Map<string, { period: SaveRatePeriod; tier: string | null; cases: OutcomeCaseRow[] }>();
  for (const row of cases) {
    const period = periodOf(row.decidedAt, options.interval, options);
    const tier = options.byTier ? row.tier : null;
    const key = `${period.label}\u0000${TIER_ORDER.indexOf(tier)}`;
    const group = groups.get(key) ?? { period, tier, cases: [] };
    group.cases.push(row);
    groups.set(key, group);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, group]) => ({
      period: group.period,
      tier: group.tier,
      report: outcomeReport(group.cases.map((row) => ({ accountId: row.accountId, renewalId: row.renewalId, control: row.holdout, outcome: row.outcome as AlertOutcome, tasksTotal: row.tasksTotal, tasksDone: row.tasksDone }))),
    }));
}

