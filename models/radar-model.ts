// The churn model as the rest of the product sees it (pure): a fitted logistic regression over a feature
// plan, with the rule scorecard baseline beside it. Training, held-out evaluation, and scoring one row.
//
// Calibration: with classWeighting 'balanced' the fit sees as many churners as renewers, which inflates
// every probability. The stored intercept is therefore prior-corrected by −log(w₁/w₀) = −log(n₀/n₁)
// (King & Zeng 2001), so the probability is again the chance of churn at the training base rate.
import type { RadarConfig } from '../config/schema.ts';
import { configuredIndicators } from '../indicators/compute.ts';
import type { IndicatorUnit } from '../indicators/types.ts';
import { contributions, predictProbabilities, trainLogistic, type FittedModel } from './train.ts';
import { designMatrix, featureNames, planFeatures, requestedIndicators, scorecardPoints, type FeaturePlan, type IndicatorRow } from './features.ts';
import type { DenseMatrix } from './dense-matrix.ts';
import { brierScore, calibrationTable, logLoss, prAuc, precisionRecallAt, rocAuc, type CalibrationBin, type CutoffPerformance } from './metrics.ts';
import { sigmoid } from './logistic-problem.ts';

export type Tier = 'low' | 'medium' | 'high' | 'critical';
export const TIERS: readonly Tier[] = ['low', 'medium', 'high', 'critical'];
export type TierCutoffs = RadarConfig['model']['tiers'];

export interface Scorecard {
  /** Indicator ids whose flags earn points. */
  readonly indicators: readonly string[];
  readonly warningPoints: number;
  readonly criticalPoints: number;
  /** Platt scaling fitted on the training rows: p = σ(intercept + slope·points). */
  readonly intercept: number;
  readonly slope: number;
}

export interface RadarModel {
  readonly plan: FeaturePlan;
  /** The logistic fit over featureNames(plan), intercept already prior-corrected. */
  readonly fitted: FittedModel;
  /** Subtracted from the balanced fit's intercept (0 when unweighted). */
  readonly priorCorrection: number;
  readonly scorecard: Scorecard;
}

export interface EvaluationMetrics {
  readonly rows: number;
  readonly positives: number;
  readonly rocAuc: number | null;
  readonly prAuc: number | null;
  readonly brier: number | null;
  readonly logLoss: number | null;
  readonly calibration: CalibrationBin[] | null;
  /** Precision and recall when flagging everything at or above each tier's cut-off. */
  readonly tiers: readonly (CutoffPerformance & { tier: Tier })[];
}

export interface ModelFitOptions {
  /** A previous model to warm-start from (backtests). */
  readonly initial?: RadarModel | undefined;
  /** Calibration bins for the metrics (default 10). */
  readonly calibrationBins?: number;
}

/**
 * 'low' below medium, then the highest cut-off the probability reaches (cut-offs inclusive). An account
 * whose `segment` has its own cut-offs (model.tiers.segments) is tiered by those.
 */
export function tierFor(probability: number, tiers: TierCutoffs, segment?: string | null): Tier {
  const cutoffs = tierCutoffsFor(tiers, segment);
  if (probability >= cutoffs.critical) return 'critical';
  if (probability >= cutoffs.high) return 'high';
  if (probability >= cutoffs.medium) return 'medium';
  return 'low';
}

/** The cut-offs that apply to an account of `segment`, and the segment when they are its own. */
export function tierCutoffsFor(tiers: TierCutoffs, segment?: string | null): { medium: number; high: number; critical: number; segment: string | null } {
  const own = segment === null || segment === undefined ? undefined : tiers.segments?.[segment];
  return own ? { ...own, segment: segment! } : { medium: tiers.medium, high: tiers.high, critical: tiers.critical, segment: null };
}

/** Units of every configured indicator (custom ones are not in the built-in registry). */
function indicatorUnits(config: RadarConfig): Record<string, IndicatorUnit> {
  return Object.fromEntries(configuredIndicators(config).map(({ definition }) => [definition.id, definition.unit]));
}

type LabelledRow = IndicatorRow & { label: 0 | 1; accountId?: number };

/**
 * Fits the feature plan, the logistic model and the scorecard on training rows. With `model.l2: auto` the
 * L2 strength is first chosen by cross-validation (chooseL2); the fit records the value used.
 */
export function fitRadarModel(rows: readonly LabelledRow[], allIndicators: readonly string[], config: RadarConfig, options: ModelFitOptions = {}): RadarModel {
  const model = config.model;
  const l2 = model.l2 === 'auto' ? chooseL2(rows, allIndicators, config).chosen : model.l2;
  const requested = requestedIndicators(model, allIndicators);
  const labels = Uint8Array.from(rows, (row) => row.label);
  const plan = planFeatures(rows, allIndicators, requested, { missingFlags: model.missingFlags, units: indicatorUnits(config), maxCorrelation: model.maxFeatureCorrelation, labels });
  const fitted = trainLogistic(designMatrix(rows, allIndicators, plan), labels, {
    engine: model.engine,
    l2,
    classWeighting: model.classWeighting,
    maxIterations: model.maxIterations,
    learningRate: model.learningRate,
    tolerance: model.tolerance,
    featureNames: featureNames(plan),
    ...(options.initial ? { initial: uncorrected(options.initial) } : {}),
  });
  const priorCorrection = fitted.classWeights ? Math.log(fitted.classWeights.positive / fitted.classWeights.negative) : 0;
  const corrected: FittedModel = { ...fitted, intercept: fitted.intercept - priorCorrection };
  return { plan, fitted: corrected, priorCorrection, scorecard: fitScorecard(rows, allIndicators, plan.indicators, config) };
}

/** The fit as the engine left it (warm starts continue from the weighted optimum). */
function uncorrected(model: RadarModel): FittedModel {
  return { ...model.fitted, intercept: model.fitted.intercept + model.priorCorrection };
}

/** Points from the config thresholds, made a probability by a one-feature logistic (Platt) on the training rows. */
export function fitScorecard(rows: readonly (IndicatorRow & { label: 0 | 1 })[], allIndicators: readonly string[], indicators: readonly string[], config: RadarConfig): Scorecard {
  const { warningPoints, criticalPoints } = config.model.scorecard;
  const indexes = indicators.map((id) => allIndicators.indexOf(id));
  const points = rows.map((row) => [scorecardPoints(row, indexes, { warningPoints, criticalPoints })]);
  const labels = rows.map((row) => row.label);
  const base = { indicators: [...indicators], warningPoints, criticalPoints };
  const positives = labels.reduce<number>((sum, label) => sum + label, 0);
  if (positives === 0 || positives === rows.length) return { ...base, intercept: 0, slope: 0 };
  const platt = trainLogistic(points, labels, { engine: 'irls', l2: 0, classWeighting: 'none', maxIterations: 100, learningRate: 1, tolerance: 1e-10, featureNames: ['points'] });
  // Back to raw points: logit = intercept + slope·points.
  const slope = platt.coefficients[0]! / platt.scaling.sds[0]!;
  return { ...base, intercept: platt.intercept - slope * platt.scaling.means[0]!, slope };
}

export function scorecardProbability(scorecard: Scorecard, row: IndicatorRow, allIndicators: readonly string[]): number {
  const indexes = scorecard.indicators.map((id) => allIndicators.indexOf(id));
  return sigmoid(scorecard.intercept + scorecard.slope * scorecardPoints(row, indexes, scorecard));
}

export function predictRows(model: RadarModel, rows: readonly IndicatorRow[], allIndicators: readonly string[]): Float64Array {
  if (rows.length === 0) return new Float64Array(0);
  return predictProbabilities(model.fitted, designMatrix(rows, allIndicators, model.plan));
}

export function scorecardRows(model: RadarModel, rows: readonly IndicatorRow[], allIndicators: readonly string[]): Float64Array {
  return Float64Array.from(rows, (row) => scorecardProbability(model.scorecard, row, allIndicators));
}

export interface FeatureContribution {
  /** The indicator (a missing flag is folded into its indicator). */
  readonly indicator: string;
  /** Push on the log-odds relative to an average account. */
  readonly contribution: number;
  readonly missing: boolean;
}

/**
 * indicatorContributions of many rows from their design matrix (built once: scoring's hot path), each row's
 * list in the plan's indicator order, unsorted. The same arithmetic as `contributions`, so the same numbers.
 */
export function matrixContributions(model: RadarModel, matrix: DenseMatrix): { indicator: string; contribution: number }[][] {
  const { indicators, missingFlags } = model.plan;
  const { coefficients, scaling } = model.fitted;
  const flagOf = indicators.map((id) => missingFlags.indexOf(id));
  const out: { indicator: string; contribution: number }[][] = [];
  for (let i = 0; i < matrix.rows; i++) {
    const offset = i * matrix.columns;
    const part = (j: number) => ((matrix.data[offset + j]! - scaling.means[j]!) / scaling.sds[j]!) * coefficients[j]!;
    out.push(indicators.map((indicator, j) => (flagOf[j]! < 0 ? { indicator, contribution: part(j) } : { indicator, contribution: part(j) + part(indicators.length + flagOf[j]!) })));
  }
  return out;
}

/** Per-indicator contributions to one row's log-odds (value column + missing-flag column), largest first. */
export function indicatorContributions(model: RadarModel, row: IndicatorRow, allIndicators: readonly string[]): FeatureContribution[] {
  const matrix = designMatrix([row], allIndicators, model.plan);
  const parts = contributions(model.fitted, matrix.data);
  const byIndicator = new Map<string, FeatureContribution>();
  model.plan.indicators.forEach((id, j) => {
    const value = row.values[allIndicators.indexOf(id)];
    byIndicator.set(id, { indicator: id, contribution: parts[j]!.contribution, missing: value === null || value === undefined });
  });
  model.plan.missingFlags.forEach((id, k) => {
    const entry = byIndicator.get(id)!;
    byIndicator.set(id, { ...entry, contribution: entry.contribution + parts[model.plan.indicators.length + k]!.contribution });
  });
  return [...byIndicator.values()].sort((a, b) => b.contribution - a.contribution);
}

export function evaluate(labels: ArrayLike<number>, probabilities: ArrayLike<number>, tiers: TierCutoffs, bins = 10): EvaluationMetrics {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i]!;
  const cutoffs: { tier: Tier; cutoff: number }[] = [
    { tier: 'medium', cutoff: tiers.medium },
    { tier: 'high', cutoff: tiers.high },
    { tier: 'critical', cutoff: tiers.critical },
  ];
  const atCutoffs = precisionRecallAt(labels, probabilities, cutoffs.map((c) => c.cutoff));
  return {
    rows: labels.length,
    positives,
    rocAuc: rocAuc(labels, probabilities),
    prAuc: prAuc(labels, probabilities),
    brier: brierScore(labels, probabilities),
    logLoss: logLoss(labels, probabilities),
    calibration: calibrationTable(labels, probabilities, bins),
    tiers: atCutoffs.map((performance, index) => ({ ...performance, tier: cutoffs[index]!.tier })),
  };
}

/** A seeded, stable assignment of accounts to the held-out part: the same account always lands on the same side. */
export function isHeldOut(accountId: number, seed: number, share: number): boolean {
  // splitmix32-style integer hash of (seed, account): independent of row order and of other accounts.
  let h = (Math.imul(accountId ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(seed | 0, 0xc2b2ae35)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return h / 2 ** 32 < share;
}

export interface HoldoutEvaluation {
  readonly heldOutShare: number;
  readonly seed: number;
  readonly trainingRows: number;
  readonly model: EvaluationMetrics;
  readonly scorecard: EvaluationMetrics;
}

/** Trains on the accounts not held out and measures model and scorecard on the held-out accounts' rows. */
export function holdoutEvaluation(
  rows: readonly (IndicatorRow & { label: 0 | 1; accountId: number })[],
  allIndicators: readonly string[],
  config: RadarConfig,
  options: { share: number; seed: number; bins?: number },
): HoldoutEvaluation {
  const train = rows.filter((row) => !isHeldOut(row.accountId, options.seed, options.share));
  const test = rows.filter((row) => isHeldOut(row.accountId, options.seed, options.share));
  const model = fitRadarModel(train, allIndicators, config);
  const labels = test.map((row) => row.label);
  const bins = options.bins ?? 10;
  return {
    heldOutShare: options.share,
    seed: options.seed,
    trainingRows: train.length,
    model: evaluate(labels, predictRows(model, test, allIndicators), config.model.tiers, bins),
    scorecard: evaluate(labels, scorecardRows(model, test, allIndicators), config.model.tiers, bins),
  };
}

export interface L2Search {
  readonly chosen: number;
  readonly folds: number;
  /** Per grid value: out-of-fold log loss and ROC AUC over all rows. */
  readonly grid: readonly { l2: number; logLoss: number | null; rocAuc: number | null }[];
}

/**
 * `model.l2: auto`: k-fold cross-validation (folds by account, from holdout.seed; by row when rows carry no
 * account) over model.l2Grid; the lowest out-of-fold log loss wins (a proper score: ranking and calibration),
 * a tie going to the stronger penalty. Deterministic: same rows, same choice.
 */
export function chooseL2(rows: readonly LabelledRow[], allIndicators: readonly string[], config: RadarConfig): L2Search {
  const { l2Grid, cvFolds, holdout } = config.model;
  const keyed = rows.map((row, index) => ({ ...row, accountId: row.accountId ?? index + 1 }));
  const grid = [...l2Grid]
    .sort((a, b) => a - b)
    .map((l2) => {
      const cv = crossValidate(keyed, allIndicators, { ...config, model: { ...config.model, l2 } }, { folds: cvFolds, seed: holdout.seed });
      return { l2, logLoss: logLoss(cv.labels, cv.model), rocAuc: rocAuc(cv.labels, cv.model) };
    });
  let best = grid[0]!;
  for (const entry of grid) if (entry.logLoss !== null && (best.logLoss === null || entry.logLoss <= best.logLoss)) best = entry;
  return { chosen: best.l2, folds: cvFolds, grid };
}

/** Fold of an account among k (seeded, stable). */
export function foldOf(accountId: number, seed: number, folds: number): number {
  for (let k = 0; k < folds - 1; k++) if (isHeldOut(accountId, seed + k, 1 / (folds - k))) return k;
  return folds - 1;
}

export interface CrossValidation {
  readonly folds: number;
  readonly seed: number;
  /** Out-of-fold probabilities, in row order: each row scored by the model trained without its account. */
  readonly model: Float64Array;
  readonly scorecard: Float64Array;
  readonly labels: Uint8Array;
  /** Each fold's fitted coefficients by feature name (standardised), for the stability report. */
  readonly foldCoefficients: readonly Readonly<Record<string, number>>[];
}

export interface CoefficientStability {
  readonly feature: string;
  /** The final model's standardised coefficient. */
  readonly coefficient: number;
  /** Mean and standard deviation over the folds that kept the feature. */
  readonly foldMean: number | null;
  readonly foldSd: number | null;
  readonly folds: number;
}

/** Each final feature's coefficient beside its spread across the cross-validation folds. */
export function coefficientStability(final: RadarModel, cv: Pick<CrossValidation, 'foldCoefficients'>): CoefficientStability[] {
  return final.fitted.featureNames.map((feature, j) => {
    const values = cv.foldCoefficients.map((fold) => fold[feature]).filter((value): value is number => value !== undefined);
    const mean = values.length > 0 ? values.reduce((sum, value) => sum + value, 0) / values.length : null;
    const sd = mean !== null && values.length > 1 ? Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1)) : null;
    return { feature, coefficient: final.fitted.coefficients[j]!, foldMean: mean, foldSd: sd, folds: values.length };
  });
}

/**
 * k-fold cross-validation by account: every account is held out exactly once (a share of 1/k each time),
 * so every row gets an honest held-out probability and the metrics rest on all rows, not a quarter.
 */
export function crossValidate(
  rows: readonly (IndicatorRow & { label: 0 | 1; accountId: number })[],
  allIndicators: readonly string[],
  config: RadarConfig,
  options: { folds: number; seed: number },
): CrossValidation {
  const fold = rows.map((row) => foldOf(row.accountId, options.seed, options.folds));
  const model = new Float64Array(rows.length);
  const scorecard = new Float64Array(rows.length);
  const foldCoefficients: Record<string, number>[] = [];
  for (let k = 0; k < options.folds; k++) {
    const train = rows.filter((_, i) => fold[i] !== k);
    const testIndex = rows.map((_, i) => i).filter((i) => fold[i] === k);
    if (testIndex.length === 0) continue;
    const fitted = fitRadarModel(train, allIndicators, config);
    foldCoefficients.push(Object.fromEntries(fitted.fitted.featureNames.map((name, j) => [name, fitted.fitted.coefficients[j]!])));
    const test = testIndex.map((i) => rows[i]!);
    const p = predictRows(fitted, test, allIndicators);
    const s = scorecardRows(fitted, test, allIndicators);
    testIndex.forEach((i, t) => {
      model[i] = p[t]!;
      scorecard[i] = s[t]!;
    });
  }
  return { folds: options.folds, seed: options.seed, model, scorecard, labels: Uint8Array.from(rows, (row) => row.label), foldCoefficients };
}
