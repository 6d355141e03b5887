// ml-logistic-regression, wrapped so it fits the same objective as the exact engine as nearly as it can.
// What the library really does (src/logreg_2classes.js): from w = 0, numSteps of
//   w += learningRate · Xᵀ(y − σ(Xw))
// i.e. plain gradient ascent on the unweighted, unpenalised log-likelihood, with no intercept, no stopping
// rule and no way to start from given weights. The wrapper therefore:
//   - receives the design with the intercept column already added and features standardised;
//   - turns sample weights into row duplication counts (systematic rounding keeps each class total exact;
//     single rows are off by < 1 unit of weight);
//   - approximates ½λβⱼ² by m pseudo-rows x = c·eⱼ with the soft label ½ (the library does not check that
//     labels are 0/1), whose loss m·log(2cosh(cβⱼ/2)) has curvature λ at 0 but grows only linearly once
//     cβⱼ is large; m is chosen so that c ≤ 0.2 (within 1% of quadratic for |β| ≤ 1.7) unless capped;
//   - scales the step to the per-weight loss, warns when it exceeds the stable limit, and checks
//     convergence afterwards by probing one more step of the same descent on the same objective.
// Warm start is impossible (train() always starts from zeros): an initial model is ignored with a warning.
import { Matrix } from 'ml-matrix';
import LogisticRegressionTwoClasses from 'ml-logistic-regression/src/logreg_2classes.js';
import { lossAndGradient, maxAbsDifference, safeLearningRate, totalWeight, type EngineOptions, type EngineResult, type LogisticProblem } from './logistic-problem.ts';

export interface LibraryEngineOptions extends EngineOptions {
  /** Step size on the per-weight loss J/Σw of standardised features. */
  learningRate: number;
  /** Duplicates per unit of the smallest weight (higher = finer weights, more rows). */
  weightResolution?: number;
  /** Cap on penalty pseudo-rows per penalised column (more = closer to a quadratic penalty, slower). */
  maxPenaltyRows?: number;
}

export interface WeightQuantisation {
  counts: Uint32Array;
  /** Duplicates per unit of weight: row i stands for counts[i] / scale of weight. */
  scale: number;
  /** Largest |counts/scale − w| / w over rows with positive weight. */
  maxRelativeRowError: number;
}

/**
 * Integer duplication counts for per-row weights by systematic rounding: counts[i] = ⌊S(i)⌋ − ⌊S(i−1)⌋ with
 * S the running sum of scale·w, so every prefix (and so each class block) keeps its total to within one row.
 */
export function quantiseWeights(weights: Float64Array, resolution = 1): WeightQuantisation {
  let smallest = Infinity;
  for (const w of weights) if (w > 0 && w < smallest) smallest = w;
  const scale = Number.isFinite(smallest) ? resolution / smallest : 1;
  const counts = new Uint32Array(weights.length);
  let running = 0;
  let previous = 0;
  let maxRelativeRowError = 0;
  for (let i = 0; i < weights.length; i++) {
    running += scale * weights[i]!;
    // The epsilon stops 2.9999999 (rounding in the running sum) from losing a whole row.
    const floor = Math.floor(running + 1e-7);
    counts[i] = floor - previous;
    previous = floor;
    if (weights[i]! > 0) maxRelativeRowError = Math.max(maxRelativeRowError, Math.abs(counts[i]! / scale - weights[i]!) / weights[i]!);
  }
  return { counts, scale, maxRelativeRowError };
}

/** The problem exactly as the library sees it: counted rows plus penalty pseudo-rows, and no penalty term. */
export interface SurrogateProblem {
  problem: LogisticProblem;
  quantisation: WeightQuantisation;
  /** The data weight the surrogate stands for, in library rows: scale·Σw. */
  dataRows: number;
}

/** Pseudo-rows per penalised column so that c = √(4·scale·λ/m) ≤ TARGET_PENALTY_SCALE, within the cap. */
const TARGET_PENALTY_SCALE = 0.2;

export function buildSurrogate(problem: LogisticProblem, resolution: number, maxPenaltyRows: number): SurrogateProblem & { penaltyRows: number; penaltyScale: number } {
  const { design, labels, penalty } = problem;
  const p = design.columns;
  const quantisation = problem.weights ? quantiseWeights(problem.weights, resolution) : { counts: new Uint32Array(design.rows).fill(1), scale: 1, maxRelativeRowError: 0 };
  const penalised = [...penalty.keys()].filter((j) => penalty[j]! > 0);
  const largestPenalty = penalised.reduce((max, j) => Math.max(max, penalty[j]!), 0);
  const penaltyRows = Math.max(1, Math.min(maxPenaltyRows, Math.ceil((4 * quantisation.scale * largestPenalty) / TARGET_PENALTY_SCALE ** 2)));
  let penaltyScale = 0;
  const rows = design.rows + penalised.length;
  const data = new Float64Array(rows * p);
  data.set(design.data);
  const surrogateLabels = new Float64Array(rows);
  surrogateLabels.set(labels);
  const weights = new Float64Array(rows);
  weights.set(quantisation.counts);
  // Each pseudo-row is stored once with weight m; the library gets it m times. Label ½: loss log(2cosh(cβ/2)).
  penalised.forEach((column, k) => {
    const c = Math.sqrt((4 * quantisation.scale * penalty[column]!) / penaltyRows);
    penaltyScale = Math.max(penaltyScale, c);
    const row = design.rows + k;
    data[row * p + column] = c;
    surrogateLabels[row] = 0.5;
    weights[row] = penaltyRows;
  });
  return {
    problem: { design: { rows, columns: p, data }, labels: surrogateLabels, weights, penalty: new Float64Array(p) },
    quantisation,
    dataRows: quantisation.scale * totalWeight(problem),
    penaltyRows,
    penaltyScale,
  };
}

/** Expands counted rows into the duplicated ml-matrix rows the library trains on. */
function expandForLibrary(surrogate: LogisticProblem): { features: Matrix; target: Matrix } {
  const { design, labels, weights } = surrogate;
  const p = design.columns;
  const featureRows: Float64Array[] = [];
  const targetValues: number[] = [];
  for (let i = 0; i < design.rows; i++) {
    const copies = weights ? weights[i]! : 1;
    const row = design.data.subarray(i * p, (i + 1) * p);
    for (let k = 0; k < copies; k++) {
      featureRows.push(row);
      targetValues.push(labels[i]!);
    }
  }
  const features = new Matrix(featureRows.length, p);
  featureRows.forEach((row, i) => features.setRow(i, Array.from(row)));
  return { features, target: Matrix.columnVector(targetValues) };
}

export function fitWithLibrary(problem: LogisticProblem, options: LibraryEngineOptions): EngineResult & { surrogate: SurrogateProblem } {
  const warnings: string[] = [];
  const resolution = options.weightResolution ?? 1;
  const surrogate = buildSurrogate(problem, resolution, options.maxPenaltyRows ?? 1000);
  const p = problem.design.columns;
  if (options.initial) warnings.push('library engine cannot warm start (ml-logistic-regression always trains from zeros); the initial model was ignored');
  if (surrogate.quantisation.maxRelativeRowError > 0.005) {
    warnings.push(`library engine: weights approximated by duplicating rows; single rows are off by up to ${(100 * surrogate.quantisation.maxRelativeRowError).toFixed(1)}% (class totals are exact)`);
  }
  if (surrogate.penaltyScale > 0) {
    // tanh(u)/u ≥ 0.99 for u ≤ 0.1737, u = cβ/2: the penalty gradient is within 1% of λβ for |β| ≤ 0.347/c.
    const quadraticUpTo = 0.3474 / surrogate.penaltyScale;
    warnings.push(`library engine: L2 approximated by ${surrogate.penaltyRows} pseudo-rows per feature (log-cosh penalty, within 1% of λβ for |β| ≤ ${quadraticUpTo.toPrecision(2)}, softer beyond)`);
  }
  // safeLearningRate is per unit of surrogate weight (pseudo-rows included); rescale to per data row.
  const stableLimit = 2 * safeLearningRate(surrogate.problem) * (surrogate.dataRows / totalWeight(surrogate.problem));
  if (options.learningRate >= stableLimit) warnings.push(`learningRate ${options.learningRate} is at or above the stable limit ${stableLimit.toPrecision(3)}; gradient descent may diverge`);

  // The library's gradient is a sum over its rows; dividing by the data rows makes learningRate a step on J/Σw.
  const libraryStep = options.learningRate / surrogate.dataRows;
  const { features, target } = expandForLibrary(surrogate.problem);
  const classifier = new LogisticRegressionTwoClasses({ numSteps: options.maxIterations, learningRate: libraryStep });
  classifier.train(features, target);
  const coefficients = Float64Array.from(classifier.weights!.to1DArray());

  // Convergence probe: the library's own next step, on the objective it minimises.
  const perRow = (loss: number) => loss / surrogate.dataRows;
  const startLoss = perRow(lossAndGradient(surrogate.problem, new Float64Array(p)).loss);
  const { loss: endLossRaw, gradient } = lossAndGradient(surrogate.problem, coefficients);
  const endLoss = perRow(endLossRaw);
  const next = coefficients.map((b, j) => b - libraryStep * gradient[j]!);
  const nextLoss = perRow(lossAndGradient(surrogate.problem, next).loss);
  const relativeChange = Math.abs(endLoss - nextLoss) / Math.max(Math.abs(nextLoss), Number.MIN_VALUE);
  const maxStep = maxAbsDifference(next, coefficients);
  // Slack: at the optimum rounding can nudge the probe's loss up by an ulp or so.
  const lossFell = endLoss < startLoss && nextLoss <= endLoss + 1e-12 * Math.abs(endLoss);
  const converged = Number.isFinite(endLoss) && lossFell && relativeChange < options.tolerance && maxStep < options.stepTolerance;
  if (!lossFell) warnings.push('library engine: the loss did not fall; lower learningRate');
  if (!converged) {
    warnings.push(`library engine did not converge in ${options.maxIterations} steps: one more step would change the loss by ${relativeChange.toExponential(1)} (relative) and move a coefficient by ${maxStep.toExponential(1)}`);
  }
  return { coefficients, iterations: options.maxIterations, converged, lossHistory: [startLoss, endLoss], warnings, surrogate };
}
