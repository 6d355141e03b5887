// trainLogistic: standardise, add the intercept, weight the classes, penalise, and hand the problem to an engine.
import { toDenseMatrix, type FeatureInput } from './dense-matrix.ts';
import { fitIrlsColumns, type ColumnProblem } from './engine-irls.ts';
import { fitWithLibrary } from './engine-library.ts';
import type { ClassWeighting, EngineName, FittedModel } from './fitted-model.ts';
import { objectivePerWeight, type EngineResult, type LogisticProblem } from './logistic-problem.ts';
import { fitScaling, type Scaling } from './standardise.ts';

export type { FittedModel } from './fitted-model.ts';
export { contributions, linearPredictor, predictProbabilities, predictProbability, type Contribution } from './predict.ts';

export interface TrainOptions {
  engine: EngineName;
  /** λ in J = Σ wᵢℓᵢ + ½λΣβⱼ² on standardised coefficients (intercept free); weights sum to the row count. */
  l2: number;
  classWeighting: ClassWeighting;
  maxIterations: number;
  /** Library engine only: gradient-descent step on J/Σw. */
  learningRate: number;
  /** Converged when the relative loss change per iteration is below this… */
  tolerance: number;
  /** …and no standardised coefficient moves more than this (default 1e-6). */
  stepTolerance?: number;
  /** Warm start from an earlier model (backtests); matched by feature name and rescaled to this data. */
  initial?: FittedModel;
  /** Names of the columns; default f1, f2, … */
  featureNames?: readonly string[];
  /** Library engine knobs; see engine-library.ts. */
  library?: { weightResolution?: number; maxPenaltyRows?: number };
}

export function trainLogistic(matrix: FeatureInput, labels: ArrayLike<number>, options: TrainOptions): FittedModel {
  const features = toDenseMatrix(matrix);
  const n = features.rows;
  if (labels.length !== n) throw new RangeError(`${labels.length} labels for ${n} rows`);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const label = labels[i];
    if (label !== 0 && label !== 1) throw new RangeError(`label ${i} is ${label}, expected 0 or 1`);
    y[i] = label;
  }
  const positives = y.reduce((sum, v) => sum + v, 0);
  if (positives === 0 || positives === n) throw new RangeError(`training needs both classes; got ${positives} positives in ${n} rows`);
  if (!(options.l2 >= 0)) throw new RangeError(`l2 must be ≥ 0, got ${options.l2}`);
  const featureNames = options.featureNames ? [...options.featureNames] : Array.from({ length: features.columns }, (_, j) => `f${j + 1}`);
  const scaling = fitScaling(features, featureNames);
  const active = featureNames.map((_, j) => j).filter((j) => !scaling.constantFeatures.includes(featureNames[j]!));

  const classWeights = options.classWeighting === 'balanced' ? { negative: n / (2 * (n - positives)), positive: n / (2 * positives) } : null;
  const initial = options.initial ? alignInitial(options.initial, scaling, active) : defaultStart(y, classWeights, active.length);
  const engineOptions = { maxIterations: options.maxIterations, tolerance: options.tolerance, stepTolerance: options.stepTolerance ?? 1e-6, initial };

  // IRLS reads the design column by column (built so directly: no transpose), the library row by row.
  const columnProblem = buildColumnProblem(features.data, features.columns, y, scaling, active, classWeights, options.l2);
  const problem = options.engine === 'irls' ? undefined : toRowMajor(columnProblem);
  let result: EngineResult;
  if (!problem) {
    result = fitIrlsColumns(columnProblem, engineOptions);
  } else {
    // The library starts from zeros whatever we do; only pass a real warm start so it can warn.
    const { initial: _ignored, ...rest } = engineOptions;
    result = fitWithLibrary(problem, { ...rest, ...(options.initial ? { initial } : {}), learningRate: options.learningRate, ...options.library });
  }

  const coefficients = new Array<number>(featureNames.length).fill(0);
  active.forEach((j, k) => (coefficients[j] = result.coefficients[k + 1]!));
  const warnings = [...result.warnings];
  if (scaling.constantFeatures.length > 0) warnings.push(`constant in the training data, coefficient fixed at 0: ${scaling.constantFeatures.join(', ')}`);
  return {
    featureNames,
    scaling,
    intercept: result.coefficients[0]!,
    coefficients,
    engine: options.engine,
    l2: options.l2,
    classWeighting: options.classWeighting,
    classWeights,
    trainingRows: n,
    positives,
    iterations: result.iterations,
    converged: result.converged,
    lossHistory: result.lossHistory,
    // IRLS already evaluated exactly this objective at its last iterate; the library minimised a surrogate.
    loss: problem ? objectivePerWeight(problem, result.coefficients) : result.lossHistory.at(-1)!,
    warnings,
  };
}

/** Design [1, standardised active features] column-major, class weights (or unit weights), λ on every column but the intercept. */
function buildColumnProblem(raw: Float64Array, width: number, y: Uint8Array, scaling: Scaling, active: number[], classWeights: FittedModel['classWeights'], l2: number): ColumnProblem {
  const n = y.length;
  const columns = [new Float64Array(n).fill(1), ...active.map(() => new Float64Array(n))];
  const means = active.map((j) => scaling.means[j]!);
  const sds = active.map((j) => scaling.sds[j]!);
  // Row by row: one sequential pass over the row-major input (column by column strides through it p times).
  for (let i = 0; i < n; i++) {
    const offset = i * width;
    for (let k = 0; k < active.length; k++) columns[k + 1]![i] = (raw[offset + active[k]!]! - means[k]!) / sds[k]!;
  }
  let weights: Float64Array | null = null;
  if (classWeights) {
    // A plain loop: Float64Array.from with a map function is ~10× slower in V8.
    weights = new Float64Array(n);
    for (let i = 0; i < n; i++) weights[i] = y[i] === 1 ? classWeights.positive : classWeights.negative;
  }
  const penalty = new Float64Array(columns.length).fill(l2);
  penalty[0] = 0;
  return { rows: n, columns, labels: y, weights, penalty };
}

function toRowMajor({ rows, columns, ...rest }: ColumnProblem): LogisticProblem {
  const p = columns.length;
  const data = new Float64Array(rows * p);
  columns.forEach((column, j) => {
    for (let i = 0; i < rows; i++) data[i * p + j] = column[i]!;
  });
  return { ...rest, design: { rows, columns: p, data } };
}

/** Intercept at the weighted log-odds, slopes at 0: the best constant model, one Newton step saved. */
function defaultStart(y: Uint8Array, classWeights: FittedModel['classWeights'], activeCount: number): Float64Array {
  const positives = y.reduce((sum, v) => sum + v, 0);
  const positiveMass = positives * (classWeights?.positive ?? 1);
  const negativeMass = (y.length - positives) * (classWeights?.negative ?? 1);
  const start = new Float64Array(activeCount + 1);
  start[0] = Math.log(positiveMass / negativeMass);
  return start;
}

/**
 * Re-expresses an earlier model on this data's scaling, so the warm start is the same function of the raw
 * features: raw slope aⱼ = βⱼ/sdⱼ, new βⱼ = aⱼ·sd'ⱼ, intercept shifted by Σaⱼ(mean'ⱼ − meanⱼ).
 * Features the earlier model lacks start at 0; features only it had are dropped.
 */
function alignInitial(previous: FittedModel, scaling: Scaling, active: number[]): Float64Array {
  const start = new Float64Array(active.length + 1);
  let intercept = previous.intercept;
  active.forEach((j, k) => {
    const previousIndex = previous.featureNames.indexOf(scaling.featureNames[j]!);
    if (previousIndex < 0) return;
    const rawSlope = previous.coefficients[previousIndex]! / previous.scaling.sds[previousIndex]!;
    start[k + 1] = rawSlope * scaling.sds[j]!;
    intercept += rawSlope * (scaling.means[j]! - previous.scaling.means[previousIndex]!);
  });
  start[0] = intercept;
  return start;
}
