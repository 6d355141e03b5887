// The exact engine: Newton's method (IRLS) with step halving, on Float64Arrays.
// The design is transposed once to column-major so every pass is a tight loop over one contiguous column
// (dot products and axpys with accumulators in registers), taken in cache-sized chunks of rows. Per iteration: one pass for η, loss, gradient and
// curvature, and one for the Hessian XᵀWX (p²/2 dot products). Near the optimum the Hessian of the previous
// iteration is reused: the gradient is always exact, so the fixed point and the stopping test are unchanged;
// only the cost of the last few steps falls.
import { solveSymmetricPositiveDefinite } from './cholesky.ts';
import type { DenseMatrix } from './dense-matrix.ts';
import { totalWeight, type EngineOptions, type EngineResult, type LogisticProblem } from './logistic-problem.ts';

/** The problem with its design column-major: what IRLS reads. Build it so directly to save a transpose. */
export interface ColumnProblem extends Omit<LogisticProblem, 'design'> {
  readonly rows: number;
  /** columns[j][i] = xᵢⱼ; columns[0] is the intercept's ones. */
  readonly columns: readonly Float64Array[];
}

const MAX_STEP_HALVINGS = 30;
/** Rows per chunk: 13 columns × 4096 rows × 8 bytes ≈ 400 kB, small enough to stay in cache. */
const CHUNK_ROWS = 1024;
/** Once an iteration changes the loss by less than this (relative), the next reuses its Hessian. */
const REUSE_HESSIAN_BELOW = 1e-3;
/** Coefficients this large on standardised features mean the classes are (nearly) separable. */
const SEPARATION_COEFFICIENT = 30;

/** Everything one pass over the rows yields at a given β. */
interface PassResult {
  /** Σ wᵢ·[softplus(ηᵢ) − yᵢηᵢ] + ½Σλβ². */
  loss: number;
  /** Σ wᵢ(πᵢ − yᵢ)xᵢ + λβ. */
  gradient: Float64Array;
  /** wᵢπᵢ(1 − πᵢ), the IRLS working weights. */
  curvature: Float64Array;
}

export function fitIrls(problem: LogisticProblem, options: EngineOptions): EngineResult {
  const { design, ...rest } = problem;
  return fitIrlsColumns({ ...rest, rows: design.rows, columns: toColumns(design) }, options);
}

export function fitIrlsColumns(problem: ColumnProblem, options: EngineOptions): EngineResult {
  const { columns } = problem;
  const p = columns.length;
  const weightSum = totalWeight(problem);
  const warnings: string[] = [];
  let beta = options.initial ? Float64Array.from(options.initial) : new Float64Array(p);
  if (beta.length !== p) throw new RangeError(`initial coefficients have length ${beta.length}, expected ${p}`);
  // Two curvature buffers: a trial pass writes the one the current point does not hold (no 0.8 MB array per pass).
  const scratch: Scratch = { eta: new Float64Array(problem.rows), residual: new Float64Array(problem.rows), curvatures: [new Float64Array(problem.rows), new Float64Array(problem.rows)] };

  let current = evaluate(problem, columns, beta, scratch);
  const lossHistory = [current.loss / weightSum];
  let hessian: Float64Array | null = null;
  let converged = false;
  let iterations = 0;

  while (iterations < options.maxIterations) {
    iterations++;
    hessian ??= buildHessian(columns, current.curvature, problem.penalty);
    const direction = solveWithJitter(hessian, current.gradient, p);
    if (!direction) {
      warnings.push('the Hessian is singular (a feature is a linear combination of others); stopped');
      break;
    }
    let stepSize = 1;
    let candidate = beta;
    let next: PassResult | null = null;
    for (let halving = 0; halving <= MAX_STEP_HALVINGS; halving++) {
      candidate = beta.map((b, j) => b - stepSize * direction[j]!);
      const trial = evaluate(problem, columns, candidate, scratch, current);
      // A tiny slack: at the optimum the loss cannot fall any more and rounding may nudge it up.
      if (trial.loss <= current.loss + 1e-12 * Math.abs(current.loss)) {
        next = trial;
        break;
      }
      stepSize /= 2;
    }
    if (!next) {
      warnings.push(`iteration ${iterations}: step halving found no lower loss; stopped`);
      break;
    }
    let maxStep = 0;
    for (let j = 0; j < p; j++) maxStep = Math.max(maxStep, Math.abs(candidate[j]! - beta[j]!));
    const relativeChange = Math.abs(current.loss - next.loss) / Math.max(Math.abs(next.loss), Number.MIN_VALUE);
    beta = candidate;
    current = next;
    lossHistory.push(current.loss / weightSum);
    if (relativeChange < options.tolerance && maxStep < options.stepTolerance) {
      converged = true;
      break;
    }
    // Far from the optimum (or after a damped step) the curvature has moved: rebuild the Hessian.
    if (relativeChange >= REUSE_HESSIAN_BELOW || stepSize < 1) hessian = null;
  }

  if (!converged) warnings.push(`IRLS did not converge in ${iterations} iterations (relative loss change or coefficient step above tolerance)`);
  const largest = beta.reduce((max, b) => Math.max(max, Math.abs(b)), 0);
  if (largest > SEPARATION_COEFFICIENT) warnings.push(`a standardised coefficient reached ${largest.toFixed(1)}: the classes look separable; increase l2`);
  return { coefficients: beta, iterations, converged, lossHistory, warnings };
}

function toColumns(design: DenseMatrix): Float64Array[] {
  const { rows, columns, data } = design;
  return Array.from({ length: columns }, (_, j) => {
    const column = new Float64Array(rows);
    for (let i = 0; i < rows; i++) column[i] = data[i * columns + j]!;
    return column;
  });
}

interface Scratch {
  readonly eta: Float64Array;
  readonly residual: Float64Array;
  readonly curvatures: readonly [Float64Array, Float64Array];
}

function evaluate(problem: ColumnProblem, columns: readonly Float64Array[], beta: Float64Array, scratch: Scratch, current?: PassResult): PassResult {
  const { labels, weights, penalty } = problem;
  const { eta, residual, curvatures } = scratch;
  const rows = eta.length;
  const p = columns.length;
  const curvature = current?.curvature === curvatures[0] ? curvatures[1] : curvatures[0];
  const gradient = new Float64Array(p);
  let loss = 0;
  for (let start = 0; start < rows; start += CHUNK_ROWS) {
    const end = Math.min(rows, start + CHUNK_ROWS);
    eta.fill(0, start, end);
    for (let j = 0; j < p; j++) {
      const column = columns[j]!;
      const b = beta[j]!;
      if (b === 0) continue;
      for (let i = start; i < end; i++) eta[i]! += b * column[i]!;
    }
    for (let i = start; i < end; i++) {
      const e = eta[i]!;
      // One exponential serves softplus and σ: with t = e^{−|η|}, softplus(η) = max(η,0) + log1p(t).
      const t = Math.exp(-Math.abs(e));
      const probability = e >= 0 ? 1 / (1 + t) : t / (1 + t);
      const w = weights ? weights[i]! : 1;
      const y = labels[i]!;
      loss += w * (Math.max(e, 0) + Math.log1p(t) - y * e);
      residual[i] = w * (probability - y);
      curvature[i] = w * probability * (1 - probability);
    }
    for (let j = 0; j < p; j++) {
      const column = columns[j]!;
      let sum = 0;
      for (let i = start; i < end; i++) sum += residual[i]! * column[i]!;
      gradient[j]! += sum;
    }
  }
  for (let j = 0; j < p; j++) {
    gradient[j]! += penalty[j]! * beta[j]!;
    loss += 0.5 * penalty[j]! * beta[j]! * beta[j]!;
  }
  return { loss, gradient, curvature };
}

/**
 * XᵀDX + diag(λ), upper triangle first. Rows are taken in cache-sized chunks so each chunk of the columns is
 * read from memory once; within a chunk, D·xₐ is formed once and dotted with four columns per loop.
 */
function buildHessian(columns: readonly Float64Array[], curvature: Float64Array, penalty: Float64Array): Float64Array {
  const p = columns.length;
  const rows = curvature.length;
  const hessian = new Float64Array(p * p);
  const weighted = new Float64Array(CHUNK_ROWS);
  for (let start = 0; start < rows; start += CHUNK_ROWS) {
    const end = Math.min(rows, start + CHUNK_ROWS);
    const length = end - start;
    for (let a = 0; a < p; a++) {
      const columnA = columns[a]!;
      for (let k = 0; k < length; k++) weighted[k] = curvature[start + k]! * columnA[start + k]!;
      let b = a;
      for (; b + 3 < p; b += 4) {
        const c0 = columns[b]!;
        const c1 = columns[b + 1]!;
        const c2 = columns[b + 2]!;
        const c3 = columns[b + 3]!;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let k = 0; k < length; k++) {
          const v = weighted[k]!;
          const i = start + k;
          s0 += v * c0[i]!;
          s1 += v * c1[i]!;
          s2 += v * c2[i]!;
          s3 += v * c3[i]!;
        }
        hessian[a * p + b]! += s0;
        hessian[a * p + b + 1]! += s1;
        hessian[a * p + b + 2]! += s2;
        hessian[a * p + b + 3]! += s3;
      }
      for (; b < p; b++) {
        const cb = columns[b]!;
        let sum = 0;
        for (let k = 0; k < length; k++) sum += weighted[k]! * cb[start + k]!;
        hessian[a * p + b]! += sum;
      }
    }
  }
  for (let a = 0; a < p; a++) {
    hessian[a * p + a]! += penalty[a]!;
    for (let b = 0; b < a; b++) hessian[a * p + b] = hessian[b * p + a]!;
  }
  return hessian;
}

/** Cholesky, retried once with a tiny ridge when rounding makes a nearly singular Hessian fail. */
function solveWithJitter(hessian: Float64Array, gradient: Float64Array, p: number): Float64Array | null {
  const direct = solveSymmetricPositiveDefinite(hessian, gradient, p);
  if (direct) return direct;
  let trace = 0;
  for (let j = 0; j < p; j++) trace += hessian[j * p + j]!;
  const jittered = Float64Array.from(hessian);
  for (let j = 0; j < p; j++) jittered[j * p + j]! += 1e-10 * (trace / p + 1);
  return solveSymmetricPositiveDefinite(jittered, gradient, p);
}
