// The model registry: train on every decided renewal, measure on held-out accounts, store in `models`;
// load a stored model back; promote one. The pure maths is in radar-model.ts; rows go through sql/models.ts.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { RadarConfig } from '../config/schema.ts';
import { addDays, parseDay } from '../indicators/compute.ts';
import { RadarError } from '../pipelines/errors.ts';
import { currentModel, findModel, insertModel, listModels, promoteModel, type StoredModelRow } from '../sql/models.ts';
import type { DB, Json } from '../sql/schema.ts';
import type { FeaturePlan } from './features.ts';
import {
  chooseL2,
  coefficientStability,
  crossValidate,
  evaluate,
  fitRadarModel,
  type CoefficientStability,
  type EvaluationMetrics,
  type L2Search,
  type RadarModel,
  type Scorecard,
} from './radar-model.ts';
import type { Scaling } from './standardise.ts';
import { buildTrainingSet, type TrainingSet } from './training-set.ts';

export interface ModelMetrics {
  /** How the held-out figures were obtained. */
  readonly evaluation: { readonly method: 'k-fold by account'; readonly folds: number; readonly seed: number; readonly heldOutShare: number };
  readonly model: EvaluationMetrics;
  readonly scorecard: EvaluationMetrics;
  readonly scorecardModel: Scorecard;
  readonly training: {
    readonly engine: string;
    readonly l2: number;
    readonly classWeighting: string;
    readonly iterations: number;
    readonly converged: boolean;
    readonly loss: number;
    readonly warnings: readonly string[];
    readonly rows: number;
    readonly skipped: TrainingSet['skipped'];
    readonly dropped: FeaturePlan['dropped'];
    readonly decidedBefore: string;
    /** `model.l2: auto`: the grid searched and the value chosen (absent for a fixed l2 and in models stored before it). */
    readonly l2Search?: L2Search;
    /** Each feature's coefficient and its spread across the cross-validation folds (absent in older models). */
    readonly coefficients?: readonly CoefficientStability[];
  };
  readonly tiers: RadarConfig['model']['tiers'];
  readonly horizonDays: number;
}

export interface StoredModel {
  readonly version: string;
  readonly createdAt: Date;
  readonly promoted: boolean;
  readonly promotedAt: Date | null;
  readonly leadDays: number;
  readonly trainingFrom: string;
  readonly trainingTo: string;
  readonly configHash: string;
  readonly classBalance: { rows: number; positives: number; negatives: number; churnRate: number; classWeighting: string; priorCorrection: number };
  readonly model: RadarModel;
  readonly metrics: ModelMetrics;
}

interface StoredFeatures {
  names: string[];
  indicators: string[];
  missingFlags: string[];
  transforms: FeaturePlan['transforms'];
  imputation: number[];
  dropped: FeaturePlan['dropped'];
}

const asJson = (value: unknown): Json => JSON.parse(JSON.stringify(value)) as Json;

export function fromRow(row: StoredModelRow): StoredModel {
  const features = row.features as unknown as StoredFeatures;
  const metrics = row.metrics as unknown as ModelMetrics;
  const classBalance = row.classBalance as unknown as StoredModel['classBalance'];
  const model: RadarModel = {
    plan: { indicators: features.indicators, missingFlags: features.missingFlags, transforms: features.transforms, imputation: features.imputation, dropped: features.dropped },
    fitted: {
      featureNames: features.names,
      scaling: row.scaling as unknown as Scaling,
      intercept: row.intercept,
      coefficients: row.coefficients as number[],
      engine: metrics.training.engine as 'irls' | 'library',
      l2: metrics.training.l2,
      classWeighting: metrics.training.classWeighting as 'balanced' | 'none',
      classWeights: null,
      trainingRows: classBalance.rows,
      positives: classBalance.positives,
      iterations: metrics.training.iterations,
      converged: metrics.training.converged,
      lossHistory: [],
      loss: metrics.training.loss,
      warnings: [...metrics.training.warnings],
    },
    priorCorrection: classBalance.priorCorrection,
    scorecard: metrics.scorecardModel,
  };
  return {
    version: row.version,
    createdAt: row.createdAt,
    promoted: row.isPromoted,
    promotedAt: row.promotedAt,
    leadDays: row.leadDays,
    trainingFrom: row.trainingFrom,
    trainingTo: row.trainingTo,
    configHash: row.configHash,
    classBalance,
    model,
    metrics,
  };
}

export interface TrainOptions {
  readonly config: RadarConfig;
  /** Short hash of the effective config (LoadedConfig.version). */
  readonly configVersion: string;
  /** The training day: outcomes decided by the end of it are used. */
  readonly asOf: string;
  readonly promote?: boolean;
  /** When promoting: the promotion timestamp (defaults to the end of asOf). */
  readonly now?: Date;
  /** A training set already built (tests, backtests); must match config and asOf. */
  readonly trainingSet?: TrainingSet;
  readonly calibrationBins?: number;
}

export interface TrainResult {
  readonly stored: StoredModel;
  /** False when an identical model (same version) was already stored. */
  readonly created: boolean;
}

/** Builds the training set, measures on held-out accounts, fits on all rows and stores the model. */
export async function trainModel(db: Kysely<DB>, options: TrainOptions): Promise<TrainResult> {
  const asOf = parseDay(options.asOf, 'as-of date');
  const decidedBefore = addDays(asOf, 1);
  const set = options.trainingSet ?? (await buildTrainingSet(db, { config: options.config, decidedBefore }));
  const rows = set.rows;
  const positives = rows.reduce((sum, row) => sum + row.label, 0);
  if (positives === 0 || positives === rows.length) {
    throw new RadarError('usage', `training needs renewals of both outcomes decided by ${asOf}; found ${rows.length} rows, ${positives} churned`);
  }
  // l2: auto is resolved once on all rows, then held fixed for the held-out folds and the final fit.
  const l2Search = options.config.model.l2 === 'auto' ? chooseL2(rows, set.indicators, options.config) : undefined;
  const config: RadarConfig = l2Search ? { ...options.config, model: { ...options.config.model, l2: l2Search.chosen } } : options.config;
  const folds = Math.max(2, Math.round(1 / config.model.holdout.share));
  const cv = crossValidate(rows, set.indicators, config, { folds, seed: config.model.holdout.seed });
  const bins = options.calibrationBins ?? 10;
  const final = fitRadarModel(rows, set.indicators, config);
  const metrics: ModelMetrics = {
    evaluation: { method: 'k-fold by account', folds, seed: config.model.holdout.seed, heldOutShare: 1 / folds },
    model: evaluate(cv.labels, cv.model, config.model.tiers, bins),
    scorecard: evaluate(cv.labels, cv.scorecard, config.model.tiers, bins),
    scorecardModel: final.scorecard,
    training: {
      engine: final.fitted.engine,
      l2: final.fitted.l2,
      classWeighting: final.fitted.classWeighting,
      iterations: final.fitted.iterations,
      converged: final.fitted.converged,
      loss: final.fitted.loss,
      warnings: final.fitted.warnings,
      rows: rows.length,
      skipped: set.skipped,
      dropped: final.plan.dropped,
      decidedBefore,
      ...(l2Search ? { l2Search } : {}),
      coefficients: coefficientStability(final, cv),
    },
    tiers: config.model.tiers,
    horizonDays: config.horizonDays,
  };
  const classBalance = {
    rows: rows.length,
    positives,
    negatives: rows.length - positives,
    churnRate: positives / rows.length,
    classWeighting: config.model.classWeighting,
    priorCorrection: final.priorCorrection,
  };
  const features: StoredFeatures = {
    names: final.fitted.featureNames,
    indicators: [...final.plan.indicators],
    missingFlags: [...final.plan.missingFlags],
    transforms: [...final.plan.transforms],
    imputation: [...final.plan.imputation],
    dropped: [...final.plan.dropped],
  };
  const renewalDates = rows.map((row) => row.renewalDate).sort();
  const fingerprint = createHash('sha256')
    .update(JSON.stringify({ config: options.configVersion, features, coefficients: final.fitted.coefficients, intercept: final.fitted.intercept, rows: rows.length, positives }))
    .digest('hex')
    .slice(0, 8);
  const version = `m-${asOf}-${fingerprint}`;
  const created = await insertModel(db, {
    version,
    engine: final.fitted.engine,
    features: asJson(features),
    coefficients: asJson(final.fitted.coefficients),
    intercept: final.fitted.intercept,
    scaling: asJson(final.fitted.scaling),
    leadDays: config.leadDays,
    trainingFrom: renewalDates[0]!,
    trainingTo: renewalDates.at(-1)!,
    classBalance: asJson(classBalance),
    metrics: asJson(metrics),
    configHash: options.configVersion,
  });
  if (options.promote) await promoteModel(db, version, options.now ?? `${decidedBefore}T00:00:00Z`);
  const stored = await loadModel(db, version);
  return { stored, created };
}

export async function loadModel(db: Kysely<DB>, version: string): Promise<StoredModel> {
  const row = await findModel(db, version);
  if (!row) throw new RadarError('not_found', `no model ${JSON.stringify(version)} (see radar model list)`);
  return fromRow(row);
}

/** The promoted model, or the newest with `promoted: false` (callers warn); throws when none is stored. */
export async function modelForScoring(db: Kysely<DB>): Promise<StoredModel> {
  const current = await currentModel(db);
  if (!current) throw new RadarError('not_found', 'no model stored yet: run radar train first');
  return fromRow(current.model);
}

export async function listStoredModels(db: Kysely<DB>): Promise<StoredModel[]> {
  return (await listModels(db)).map(fromRow);
}

export { promoteModel };
