import type { DenseMatrix } from './dense-matrix.ts';

/**
 * A weighted, L2-penalised logistic regression, as both engines receive it:
 *   minimise  J(β) = Σᵢ wᵢ·[log(1 + e^ηᵢ) − yᵢ·ηᵢ] + ½·Σⱼ λⱼ·βⱼ²,   ηᵢ = xᵢ·β
 * The design already holds the intercept as a column of ones; its penalty λ is 0.
 */
export interface LogisticProblem {
  design: DenseMatrix;
  /** 0/1 outcomes; the library engine's penalty pseudo-rows use the soft label ½. */
  labels: Uint8Array | Float64Array;
  /** Per-row weights; null means every row weighs 1. */
  weights: Float64Array | null;
  /** Per-column L2 penalty λⱼ (length = design.columns). */
  penalty: Float64Array;
}

export interface EngineOptions {
  maxIterations: number;
  /** Stop when the relative change of J between iterations falls below this… */
  tolerance: number;
  /** …and no coefficient moved more than this (standardised units). */
  stepTolerance: number;
  /** Warm start: initial β (length = design.columns). */
  initial?: Float64Array;
}

export interface EngineResult {
  coefficients: Float64Array;
  iterations: number;
  converged: boolean;
  /** J(β)/Σw at the start and after each iteration (or checkpoint) of the objective the engine minimises. */
  lossHistory: number[];
  warnings: string[];
}

/** log(1 + e^η) without overflow. */
export function softplus(eta: number): number {
  return eta > 0 ? eta + Math.log1p(Math.exp(-eta)) : Math.log1p(Math.exp(eta));
}

export function sigmoid(eta: number): number {
  if (eta >= 0) return 1 / (1 + Math.exp(-eta));
  const e = Math.exp(eta);
  return e / (1 + e);
}

export function totalWeight(problem: { readonly labels: ArrayLike<number>; readonly weights: Float64Array | null }): number {
  if (!problem.weights) return problem.labels.length;
  let sum = 0;
  for (let i = 0; i < problem.weights.length; i++) sum += problem.weights[i]!;
  return sum;
}

/** J(β)/Σw: the penalised objective per unit of weight, so values are comparable across data sizes. */
export function objectivePerWeight(problem: LogisticProblem, beta: Float64Array): number {
  const { design, labels, weights, penalty } = problem;
  const { rows, columns, data } = design;
  let loss = 0;
  for (let i = 0; i < rows; i++) {
    let eta = 0;
    const offset = i * columns;
    for (let j = 0; j < columns; j++) eta += data[offset + j]! * beta[j]!;
    const rowLoss = softplus(eta) - labels[i]! * eta;
    loss += weights ? weights[i]! * rowLoss : rowLoss;
  }
  for (let j = 0; j < columns; j++) loss += 0.5 * penalty[j]! * beta[j]! * beta[j]!;
  return loss / totalWeight(problem);
}

export function maxAbsDifference(a: Float64Array, b: Float64Array): number {
  let max = 0;
  for (let j = 0; j < a.length; j++) max = Math.max(max, Math.abs(a[j]! - b[j]!));
  return max;
}

/** Σ wᵢ·ℓᵢ + ½Σλβ² and its gradient, as raw sums (not per weight). */
export function lossAndGradient(problem: LogisticProblem, beta: Float64Array): { loss: number; gradient: Float64Array } {
  const { design, labels, weights, penalty } = problem;
  const { rows, columns: p, data } = design;
  const gradient = new Float64Array(p);
  let loss = 0;
  for (let i = 0; i < rows; i++) {
    const offset = i * p;
    let eta = 0;
    for (let j = 0; j < p; j++) eta += data[offset + j]! * beta[j]!;
    const w = weights ? weights[i]! : 1;
    loss += w * (softplus(eta) - labels[i]! * eta);
    const residual = w * (sigmoid(eta) - labels[i]!);
    for (let j = 0; j < p; j++) gradient[j]! += residual * data[offset + j]!;
  }
  for (let j = 0; j < p; j++) {
    loss += 0.5 * penalty[j]! * beta[j]! * beta[j]!;
    gradient[j]! += penalty[j]! * beta[j]!;
  }
  return { loss, gradient };
}

/**
 * The largest step size for which gradient descent on J/Σw cannot diverge is 2/L, with L the largest
 * curvature: ≤ ¼·λmax(Σwᵢxᵢxᵢᵀ/Σw) + max λ/Σw. Returns 1/L, a safe and usually fast step.
 */
export function safeLearningRate(problem: LogisticProblem): number {
  const { design, weights, penalty } = problem;
  const { rows, columns: p, data } = design;
  const gram = new Float64Array(p * p);
  for (let i = 0; i < rows; i++) {
    const w = weights ? weights[i]! : 1;
    const offset = i * p;
    for (let a = 0; a < p; a++) {
      const wa = w * data[offset + a]!;
      for (let b = 0; b < p; b++) gram[a * p + b]! += wa * data[offset + b]!;
    }
  }
  const weightSum = totalWeight(problem);
  // Power iteration for the largest eigenvalue of the (symmetric, PSD) Gram matrix.
  let vector = new Float64Array(p).fill(1 / Math.sqrt(p));
  let eigenvalue = 0;
  for (let iteration = 0; iteration < 100; iteration++) {
    const next = new Float64Array(p);
    for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) next[a]! += gram[a * p + b]! * vector[b]!;
    const norm = Math.hypot(...next);
    if (norm === 0) break;
    for (let a = 0; a < p; a++) next[a]! /= norm;
    vector = next;
    eigenvalue = norm;
  }
  const maxPenalty = penalty.reduce((max, l) => Math.max(max, l), 0);
  const curvature = (0.25 * eigenvalue) / weightSum + maxPenalty / weightSum;
  return curvature > 0 ? 1 / curvature : 1;
}
