// Where should an indicator's thresholds sit? Pure: from one row per decided renewal (the indicator's
// value as of renewal − leadDays, churned or not, ARR before), the churn rate by value band, and for
// candidate thresholds what flagging at them would have caught; then warning and critical suggested by
// the `tune` config rule. The rows come from the training-set builder (models/tune-run.ts), so the
// values are exactly what the model and the flags saw lead days ahead.
import type { TuneConfig } from '../config/tune.ts';
import type { RiskDirection, Thresholds } from '../indicators/types.ts';
import { rocAuc } from './metrics.ts';

export interface TuneRow {
  /** null = no data as of the lead date (never flagged). */
  readonly value: number | null;
  readonly label: 0 | 1;
  readonly arrCents: number;
}

export interface ValueBand {
  /** Smallest and largest value in the band; both null for the no-data band. */
  readonly from: number | null;
  readonly to: number | null;
  readonly renewals: number;
  readonly churned: number;
  readonly churnRate: number;
}

export type Level = 'warning' | 'critical';

export interface ThresholdRow {
  readonly threshold: number;
  readonly flagged: number;
  /** flagged / all renewals (no-data ones included: they are never flagged). */
  readonly flaggedShare: number;
  readonly churnedFlagged: number;
  /** Churners among the flagged; null when nothing is flagged. */
  readonly precision: number | null;
  /** Churners flagged / all churners; null without churners. */
  readonly recall: number | null;
  /** precision / base rate; null when either is undefined or the base rate is 0. */
  readonly lift: number | null;
  /** Churned ARR flagged / all churned ARR; null without churned ARR. */
  readonly arrRecall: number | null;
  readonly current: readonly Level[];
  readonly suggested: readonly Level[];
}

export type Separation = 'separates' | 'does-not-separate' | 'reversed' | 'one-class';

export interface IndicatorTuning {
  readonly renewals: number;
  readonly churned: number;
  readonly withValue: number;
  readonly baseRate: number | null;
  /** ROC AUC of the value alone (oriented so that riskier = higher), over renewals with a value. */
  readonly auc: number | null;
  readonly separation: Separation;
  readonly bands: readonly ValueBand[];
  /** Least extreme first (most flagged first). */
  readonly thresholds: readonly ThresholdRow[];
  readonly current: Thresholds;
  /** null when the indicator does not separate churn or no candidate meets the warning rule. */
  readonly suggested: Thresholds | null;
  /** The rule that produced `suggested`, or why nothing is suggested, in words. */
  readonly reason: string;
}

/** Candidate thresholds are rounded to this many significant digits so a suggestion is a number a person writes. */
const SIGNIFICANT = 3;
/** Candidates at every 5% of renewals with a value, in risk order. */
const CANDIDATE_STEPS = 20;

export function roundSignificant(value: number, digits = SIGNIFICANT): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  return Number(value.toPrecision(digits));
}

const reaches = (value: number, threshold: number, direction: RiskDirection) => (direction === 'higher' ? value >= threshold : value <= threshold);

/** Equal-count bands over the values (ties never split), ascending, then the no-data band when any row lacks a value. */
export function valueBands(rows: readonly TuneRow[], bandCount: number): ValueBand[] {
  const known = rows.filter((row): row is TuneRow & { value: number } => row.value !== null).sort((a, b) => a.value - b.value);
  const bands: ValueBand[] = [];
  const push = (members: readonly TuneRow[], from: number | null, to: number | null) => {
    const churned = members.reduce((sum, row) => sum + row.label, 0);
    bands.push({ from, to, renewals: members.length, churned, churnRate: churned / members.length });
  };
  // A band starts at the value found at each k/bandCount of the sorted values; equal cut values merge.
  const cuts = [...new Set(Array.from({ length: bandCount - 1 }, (_, k) => known[Math.floor(((k + 1) * known.length) / bandCount)]?.value).filter((v) => v !== undefined))];
  let start = 0;
  for (const cut of [...cuts, Number.POSITIVE_INFINITY]) {
    let end = start;
    while (end < known.length && known[end]!.value < cut) end++;
    if (end > start) push(known.slice(start, end), known[start]!.value, known[end - 1]!.value);
    start = end;
  }
  const missing = rows.filter((row) => row.value === null);
  if (missing.length > 0) push(missing, null, null);
  return bands;
}

function thresholdRow(rows: readonly TuneRow[], threshold: number, direction: RiskDirection, totals: { churned: number; churnedArr: number; baseRate: number | null }): Omit<ThresholdRow, 'current' | 'suggested'> {
  let flagged = 0;
  let churnedFlagged = 0;
  let churnedArrFlagged = 0;
  for (const row of rows) {
    if (row.value === null || !reaches(row.value, threshold, direction)) continue;
    flagged++;
    churnedFlagged += row.label;
    if (row.label === 1) churnedArrFlagged += row.arrCents;
  }
  const precision = flagged > 0 ? churnedFlagged / flagged : null;
  return {
    threshold,
    flagged,
    flaggedShare: rows.length > 0 ? flagged / rows.length : 0,
    churnedFlagged,
    precision,
    recall: totals.churned > 0 ? churnedFlagged / totals.churned : null,
    lift: precision !== null && totals.baseRate ? precision / totals.baseRate : null,
    arrRecall: totals.churnedArr > 0 ? churnedArrFlagged / totals.churnedArr : null,
  };
}

/** Candidates: the values flagging each 5% of the renewals with a value (rounded), plus the current levels; least extreme first. */
export function candidateThresholds(rows: readonly TuneRow[], direction: RiskDirection, current: Thresholds): number[] {
  const known = rows.flatMap((row) => (row.value === null ? [] : [row.value]));
  known.sort((a, b) => (direction === 'higher' ? b - a : a - b)); // riskiest first
  const candidates = new Set<number>();
  for (let k = 1; k <= CANDIDATE_STEPS && known.length > 0; k++) candidates.add(roundSignificant(known[Math.ceil((k * known.length) / CANDIDATE_STEPS) - 1]!));
  for (const level of [current.warning, current.critical]) if (level !== null) candidates.add(level);
  return [...candidates].sort((a, b) => (direction === 'higher' ? a - b : b - a));
}

function beyond(a: number, b: number, direction: RiskDirection): boolean {
  return direction === 'higher' ? a > b : a < b;
}

/** The band table, the threshold table and the suggestion for one indicator over one set of renewals. */
export function tuneIndicator(rows: readonly TuneRow[], direction: RiskDirection, current: Thresholds, rule: TuneConfig): IndicatorTuning {
  const churned = rows.reduce((sum, row) => sum + row.label, 0);
  const churnedArr = rows.reduce((sum, row) => sum + (row.label === 1 ? row.arrCents : 0), 0);
  const baseRate = rows.length > 0 ? churned / rows.length : null;
  const known = rows.filter((row): row is TuneRow & { value: number } => row.value !== null);
  const auc = known.length > 0 ? rocAuc(known.map((row) => row.label), known.map((row) => (direction === 'higher' ? row.value : -row.value))) : null;
  const separation: Separation = auc === null ? 'one-class' : auc < 0.5 - rule.separationMargin ? 'reversed' : auc <= 0.5 + rule.separationMargin ? 'does-not-separate' : 'separates';
  const table = candidateThresholds(rows, direction, current).map((threshold) => thresholdRow(rows, threshold, direction, { churned, churnedArr, baseRate }));

  const meets = (row: (typeof table)[number], lift: number) => row.flagged >= rule.minFlagged && row.lift !== null && row.lift >= lift;
  let suggested: Thresholds | null = null;
  let reason: string;
  const ruleText = `warning: the least extreme threshold flagging ≥ ${rule.minFlagged} renewals with lift ≥ ${rule.warningLift}; critical: the least extreme beyond it with lift ≥ ${rule.criticalLift}`;
  if (separation === 'one-class') reason = 'needs both churned and retained renewals with a value';
  else if (separation === 'does-not-separate') reason = `does not separate churn: AUC of the value alone ${auc!.toFixed(3)} is within ±${rule.separationMargin} of 0.5`;
  else if (separation === 'reversed') reason = `separates the wrong way: AUC ${auc!.toFixed(3)} (${direction === 'higher' ? 'lower' : 'higher'} values churn more)`;
  else {
    const warning = table.find((row) => meets(row, rule.warningLift));
    if (!warning) reason = `no candidate meets the warning rule (${ruleText})`;
    else {
      const critical = table.find((row) => beyond(row.threshold, warning.threshold, direction) && meets(row, rule.criticalLift));
      suggested = { warning: warning.threshold, critical: critical?.threshold ?? null };
      reason = critical ? ruleText : `${ruleText}; no candidate meets the critical rule, so critical is disabled`;
    }
  }
  const levelsAt = (threshold: number, levels: Thresholds | null): Level[] =>
    levels === null ? [] : (['warning', 'critical'] as const).filter((level) => levels[level] === threshold);
  return {
    renewals: rows.length,
    churned,
    withValue: known.length,
    baseRate,
    auc,
    separation,
    bands: valueBands(rows, rule.bands),
    thresholds: table.map((row) => ({ ...row, current: levelsAt(row.threshold, current), suggested: levelsAt(row.threshold, suggested) })),
    current,
    suggested,
    reason,
  };
}
