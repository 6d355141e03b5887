// From indicator values to model inputs (pure): which indicators become features, how missing values
// are filled, and the rule scorecard's points. Shared by training, scoring and the backtest, so a row is
// turned into numbers one way only.
//
// Missing values (an indicator with no data, e.g. no invoices yet) are imputed with the feature's
// training mean, which standardises to 0: a missing value pushes the score neither way. When
// `model.missingFlags` is on (the default), every feature that is missing for at least MIN_MISSING_SHARE
// of the training rows (and not for all of them) also gets a 0/1 column `<indicator>:missing`, so the model
// can learn what absence itself means (no usage rows at all in the recent window is a strong churn sign
// in its own right). Measured on the sample company the flags raise held-out AUC; see models/README.md.
import type { ModelConfig } from '../config/model.ts';
import { findIndicator } from '../indicators/registry.ts';
import type { ComputedIndicatorValue } from '../indicators/statement.ts';
import type { Flag, IndicatorDetail, IndicatorUnit } from '../indicators/types.ts';
import { sampleCorrelation } from 'simple-statistics';
import type { DenseMatrix } from './dense-matrix.ts';

/** Indicators left out when `model.features` is empty, and why. */
export const EXCLUDED_BY_DEFAULT: Readonly<Record<string, string>> = {
  daysToRenewal: 'constant in training (every row is built leadDays before its renewal) and a different distribution at scoring time',
  failedPayments: 'invoices.failed_attempts is a running counter without timestamps, so it counts attempts made after the as-of day (leaks)',
};

/** A feature must be missing in at least this share of training rows to get a missing flag. */
export const MIN_MISSING_SHARE = 0.01;
export const MISSING_SUFFIX = ':missing';

/**
 * How a raw indicator value becomes a model input, chosen by the indicator's unit (never by looking at
 * outcomes): money, counts and day counts are heavy-tailed, so log1p(max(0, x)); a relative change r
 * becomes the log ratio log(1 + r) (symmetric: halving and doubling are equally far from 0), with r
 * floored at −0.99; fractions and 0/1 values stay as they are.
 */
export type Transform = 'identity' | 'log1p' | 'logRatio';

export function transformForUnit(unit: IndicatorUnit): Transform {
  if (unit === 'cents' || unit === 'count' || unit === 'days') return 'log1p';
  if (unit === 'ratio') return 'logRatio';
  return 'identity';
}

export function applyTransform(transform: Transform, value: number): number {
  if (transform === 'log1p') return Math.log1p(Math.max(0, value));
  if (transform === 'logRatio') return Math.log1p(Math.max(-0.99, value));
  return value;
}

/** The transform of an indicator: by the unit given (custom indicators), else the built-in's unit. */
function transformOf(id: string, units: Readonly<Record<string, IndicatorUnit>> | undefined): Transform {
  const unit = units?.[id] ?? findIndicator(id)?.unit;
  return unit ? transformForUnit(unit) : 'identity';
}

/** Indicator values of one account as of one day, in the order of `indicators` (null = no data). */
export interface IndicatorRow {
  readonly values: readonly (number | null)[];
  readonly flags: readonly Flag[];
}

/** Which indicators feed the model and which get a missing flag; stored with the model. */
export interface FeaturePlan {
  /** Indicator ids used as value features, in column order. */
  readonly indicators: readonly string[];
  /** Indicator ids with a 0/1 missing-flag column, appended after the value columns in this order. */
  readonly missingFlags: readonly string[];
  /** Per value feature: how the raw value is transformed before imputation and scaling. */
  readonly transforms: readonly Transform[];
  /** Fill-in for a missing value of each value feature: its training mean (after the transform). */
  readonly imputation: readonly number[];
  /** Requested indicators dropped because they carry no information in the training rows, and why. */
  readonly dropped: readonly { indicator: string; reason: string }[];
}

export function featureNames(plan: Pick<FeaturePlan, 'indicators' | 'missingFlags'>): string[] {
  return [...plan.indicators, ...plan.missingFlags.map((id) => `${id}${MISSING_SUFFIX}`)];
}

/** The indicators requested as features: `model.features`, or (auto / empty) every indicator, custom ones included, except EXCLUDED_BY_DEFAULT. */
export function requestedIndicators(model: Pick<ModelConfig, 'features'>, allIndicators: readonly string[]): string[] {
  if (model.features !== 'auto' && model.features.length > 0) return [...model.features];
  return allIndicators.filter((id) => !(id in EXCLUDED_BY_DEFAULT));
}

export interface PlanOptions {
  readonly missingFlags: boolean;
  /** Units of indicators the built-in registry does not know (custom indicators), for their transform. */
  readonly units?: Readonly<Record<string, IndicatorUnit>>;
  /** Of two features whose |Pearson r| exceeds this (model.maxFeatureCorrelation), drop one; default 1 (keep all). */
  readonly maxCorrelation?: number;
  /** Training labels: of two near-duplicates the one less correlated with them is dropped (else the later one). */
  readonly labels?: ArrayLike<number>;
}

/**
 * Decides the feature columns from training rows: drops indicators that are always missing or constant,
 * computes each remaining one's mean over the rows where it is known (the imputation), and adds missing
 * flags where absence is neither rare nor universal.
 */
export function planFeatures(
  rows: readonly IndicatorRow[],
  allIndicators: readonly string[],
  requested: readonly string[],
  options: PlanOptions,
): FeaturePlan {
  const indicators: string[] = [];
  const transforms: Transform[] = [];
  const imputation: number[] = [];
  const missingFlags: string[] = [];
  const dropped: { indicator: string; reason: string }[] = [];
  for (const id of requested) {
    const index = allIndicators.indexOf(id);
    if (index < 0) throw new RangeError(`unknown indicator ${id}`);
    const transform = transformOf(id, options.units);
    let known = 0;
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const row of rows) {
      const raw = row.values[index];
      if (raw === null || raw === undefined) continue;
      const value = applyTransform(transform, raw);
      known++;
      sum += value;
      if (value < min) min = value;
      if (value > max) max = value;
    }
    if (known === 0) {
      dropped.push({ indicator: id, reason: 'no data in any training row' });
      continue;
    }
    const missingShare = 1 - known / rows.length;
    const flagged = options.missingFlags && missingShare >= MIN_MISSING_SHARE;
    if (min === max && !flagged) {
      dropped.push({ indicator: id, reason: `constant (${min}) in the training rows` });
      continue;
    }
    indicators.push(id);
    transforms.push(transform);
    imputation.push(sum / known);
    if (flagged) missingFlags.push(id);
  }
  const plan = { indicators, missingFlags, transforms, imputation, dropped };
  return options.maxCorrelation === undefined || options.maxCorrelation >= 1 ? plan : dropNearDuplicates(rows, allIndicators, plan, options.maxCorrelation, options.labels);
}

/** simple-statistics' sampleCorrelation; NaN (a constant column) is no correlation. */
function sampleCorrelationOrZero(a: number[], b: number[]): number {
  const r = sampleCorrelation(a, b);
  return Number.isFinite(r) ? r : 0;
}

/** A column of a row-major matrix. */
function column(matrix: DenseMatrix, j: number): number[] {
  return Array.from({ length: matrix.rows }, (_, i) => matrix.data[i * matrix.columns + j]!);
}

/**
 * Near-duplicate features (two custom indicators over the same metric, a level and its share…) split one
 * effect between two unstable coefficients. Features are visited from the most to the least correlated with
 * the training labels (in feature order without labels, or on ties: built-ins first, then custom ones in
 * config order); one whose values (transformed and imputed, as the model sees them) correlate beyond `bound`
 * with a feature already kept is dropped, with the reason. The kept features stay in feature order.
 */
export function dropNearDuplicates(rows: readonly IndicatorRow[], allIndicators: readonly string[], plan: FeaturePlan, bound: number, labels?: ArrayLike<number>): FeaturePlan {
  const matrix = designMatrix(rows, allIndicators, { ...plan, missingFlags: [] });
  const columns = plan.indicators.map((_, j) => column(matrix, j));
  const correlation = (a: number, b: number) => sampleCorrelationOrZero(columns[a]!, columns[b]!);
  const strength = plan.indicators.map((_, j) => (labels ? Math.abs(sampleCorrelationOrZero(columns[j]!, Array.from(labels))) : 0));
  const visit = plan.indicators.map((_, j) => j).sort((a, b) => strength[b]! - strength[a]! || a - b);
  const kept: number[] = [];
  const dropped = [...plan.dropped];
  for (const j of visit) {
    const id = plan.indicators[j]!;
    let twin: { index: number; r: number } | undefined;
    for (const k of kept) {
      const r = correlation(j, k);
      if (Math.abs(r) > bound) {
        twin = { index: k, r };
        break;
      }
    }
    if (!twin) kept.push(j);
    else dropped.push({ indicator: id, reason: `near-duplicate of ${plan.indicators[twin.index]} (correlation ${twin.r.toFixed(3)}, beyond model.maxFeatureCorrelation ${bound})` });
  }
  kept.sort((a, b) => a - b);
  const keptIds = new Set(kept.map((j) => plan.indicators[j]!));
  return {
    indicators: kept.map((j) => plan.indicators[j]!),
    transforms: kept.map((j) => plan.transforms[j]!),
    imputation: kept.map((j) => plan.imputation[j]!),
    missingFlags: plan.missingFlags.filter((id) => keptIds.has(id)),
    dropped,
  };
}

/** Fills a dense matrix (rows × features) from indicator rows following a plan. */
export function designMatrix(rows: readonly IndicatorRow[], allIndicators: readonly string[], plan: Pick<FeaturePlan, 'indicators' | 'missingFlags' | 'transforms' | 'imputation'>): DenseMatrix {
  const valueIndex = plan.indicators.map((id) => allIndicators.indexOf(id));
  const flagIndex = plan.missingFlags.map((id) => allIndicators.indexOf(id));
  if ([...valueIndex, ...flagIndex].some((index) => index < 0)) throw new RangeError('the plan names an indicator the rows do not have');
  const columns = valueIndex.length + flagIndex.length;
  const data = new Float64Array(rows.length * columns);
  rows.forEach((row, i) => {
    const offset = i * columns;
    valueIndex.forEach((index, j) => {
      const value = row.values[index];
      data[offset + j] = value === null || value === undefined ? plan.imputation[j]! : applyTransform(plan.transforms[j]!, value);
    });
    flagIndex.forEach((index, k) => {
      const value = row.values[index];
      data[offset + valueIndex.length + k] = value === null || value === undefined ? 1 : 0;
    });
  });
  return { rows: rows.length, columns, data };
}

/** Rule scorecard points of one row: warningPoints per warning flag, criticalPoints per critical flag. */
export function scorecardPoints(row: IndicatorRow, indicatorIndexes: readonly number[], points: { warningPoints: number; criticalPoints: number }): number {
  let total = 0;
  for (const index of indicatorIndexes) {
    const flag = row.flags[index];
    if (flag === 'warning') total += points.warningPoints;
    else if (flag === 'critical') total += points.criticalPoints;
  }
  return total;
}

export interface AccountIndicators extends IndicatorRow {
  readonly accountId: number;
  readonly details: readonly IndicatorDetail[];
}

/** Groups evaluated indicator values into one row per account, in the order of `indicators`. */
export function indicatorRows(values: readonly ComputedIndicatorValue[], indicators: readonly string[]): AccountIndicators[] {
  const indexOf = new Map(indicators.map((id, index) => [id, index]));
  const byAccount = new Map<number, { values: (number | null)[]; flags: Flag[]; details: IndicatorDetail[] }>();
  for (const value of values) {
    let entry = byAccount.get(value.accountId);
    if (!entry) {
      entry = {
        values: new Array<number | null>(indicators.length).fill(null),
        flags: new Array<Flag>(indicators.length).fill('no-data'),
        details: new Array<IndicatorDetail>(indicators.length).fill({}),
      };
      byAccount.set(value.accountId, entry);
    }
    const index = indexOf.get(value.indicator);
    if (index === undefined) continue;
    entry.values[index] = value.value;
    entry.flags[index] = value.flag;
    entry.details[index] = value.detail;
  }
  return [...byAccount].map(([accountId, entry]) => ({ accountId, ...entry }));
}

