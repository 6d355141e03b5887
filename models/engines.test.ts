// Both engines against an exact Newton solver written here, independently, with ml-matrix and
// simple-statistics: its own standardisation, weights, intercept and penalty.
import { Matrix, solve } from 'ml-matrix';
import { mean, standardDeviation } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import { fitIrls } from './engine-irls.ts';
import type { LogisticProblem } from './logistic-problem.ts';
import { rocAuc } from './metrics.ts';
import { predictProbabilities } from './predict.ts';
import { seededRandom, syntheticLogisticData } from './synthetic-data.ts';
import { trainLogistic, type TrainOptions } from './train.ts';

/** Standardised design with a leading column of ones, built without the code under test. */
function referenceDesign(raw: number[][]): Matrix {
  const p = raw[0]!.length;
  const columns = Array.from({ length: p }, (_, j) => raw.map((row) => row[j]!));
  const means = columns.map((c) => mean(c));
  const sds = columns.map((c) => standardDeviation(c)); // population SD, as the scaler documents
  return new Matrix(raw.map((row) => [1, ...row.map((v, j) => (v - means[j]!) / sds[j]!)]));
}

/** Newton on Σ wᵢ[log(1+e^η) − yη] + ½λ‖β₁..‖²: β ← β − (XᵀDX + Λ)⁻¹(Xᵀw(π − y) + Λβ) until the step is < 1e-12. */
function referenceNewton(x: Matrix, y: ArrayLike<number>, weights: number[], lambda: number): number[] {
  const n = x.rows;
  const p = x.columns;
  const penalty = Matrix.eye(p, p, lambda);
  penalty.set(0, 0, 0);
  let beta = Matrix.zeros(p, 1);
  for (let iteration = 0; iteration < 100; iteration++) {
    const eta = x.mmul(beta).to1DArray();
    const probability = eta.map((e) => 1 / (1 + Math.exp(-e)));
    const residual = Matrix.columnVector(probability.map((pr, i) => weights[i]! * (pr - y[i]!)));
    const gradient = x.transpose().mmul(residual).add(penalty.mmul(beta));
    const weightedX = x.clone().mulColumnVector(probability.map((pr, i) => weights[i]! * pr * (1 - pr)));
    const hessian = x.transpose().mmul(weightedX).add(penalty);
    const step = solve(hessian, gradient);
    beta = beta.sub(step);
    if (Math.max(step.max(), -step.min()) < 1e-12) return beta.to1DArray();
    if (iteration === 99 || n === 0) throw new Error('reference Newton did not converge');
  }
  throw new Error('unreachable');
}

function balancedWeights(labels: ArrayLike<number>): number[] {
  const n = labels.length;
  let positives = 0;
  for (let i = 0; i < n; i++) positives += labels[i]!;
  return Array.from(labels, (v) => (v === 1 ? n / (2 * positives) : n / (2 * (n - positives))));
}

/** Within 1% relative, or 1e-4 absolute for coefficients near zero. */
function expectClose(actual: number[], expected: number[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, j) => {
    const e = expected[j]!;
    expect(Math.abs(a - e), `coefficient ${j}: ${a} vs ${e}`).toBeLessThanOrEqual(Math.max(0.01 * Math.abs(e), 1e-4));
  });
}

const data = syntheticLogisticData(3000, 6, 20240611);
const raw = Array.from({ length: data.features.rows }, (_, i) => Array.from(data.features.data.subarray(i * 6, (i + 1) * 6)));
const design = referenceDesign(raw);
const base: TrainOptions = { engine: 'irls', l2: 0, classWeighting: 'none', maxIterations: 100, learningRate: 1, tolerance: 1e-10 };

describe('IRLS engine against the reference Newton solver', () => {
  const cases = [
    { l2: 0, classWeighting: 'none' },
    { l2: 200, classWeighting: 'none' },
    { l2: 0, classWeighting: 'balanced' },
    { l2: 200, classWeighting: 'balanced' },
  ] as const;

  for (const { l2, classWeighting } of cases) {
    it(`matches within 1% with l2=${l2}, classWeighting=${classWeighting}`, () => {
      const weights = classWeighting === 'balanced' ? balancedWeights(data.labels) : Array(raw.length).fill(1);
      const expected = referenceNewton(design, data.labels, weights, l2);
      const model = trainLogistic(raw, Array.from(data.labels), { ...base, l2, classWeighting });
      expect(model.converged).toBe(true);
      expectClose([model.intercept, ...model.coefficients], expected);
    });
  }

  it('the penalty and the weights used above change the answer materially (so the cases test something)', () => {
    const ones = Array(raw.length).fill(1);
    const plain = referenceNewton(design, data.labels, ones, 0);
    const penalised = referenceNewton(design, data.labels, ones, 200);
    const weighted = referenceNewton(design, data.labels, balancedWeights(data.labels), 0);
    expect(Math.abs(penalised[1]! - plain[1]!) / Math.abs(plain[1]!)).toBeGreaterThan(0.05);
    expect(Math.abs(weighted[0]! - plain[0]!)).toBeGreaterThan(0.5);
  });

  it('handles arbitrary per-row sample weights', () => {
    const uniform = seededRandom(99);
    const weights = Array.from({ length: raw.length }, () => 0.2 + 3 * uniform());
    const expected = referenceNewton(design, data.labels, weights, 20);
    const problem: LogisticProblem = {
      design: { rows: design.rows, columns: design.columns, data: Float64Array.from(design.to1DArray()) },
      labels: data.labels,
      weights: Float64Array.from(weights),
      penalty: Float64Array.from([0, 20, 20, 20, 20, 20, 20]),
    };
    const result = fitIrls(problem, { maxIterations: 100, tolerance: 1e-10, stepTolerance: 1e-8 });
    expect(result.converged).toBe(true);
    expectClose(Array.from(result.coefficients), expected);
    // Newton: the loss never rises.
    result.lossHistory.slice(1).forEach((loss, k) => expect(loss).toBeLessThanOrEqual(result.lossHistory[k]! + 1e-12));
  });

  it('reports no convergence, with a warning, when maxIterations is too small', () => {
    const model = trainLogistic(raw, Array.from(data.labels), { ...base, classWeighting: 'balanced', maxIterations: 1 });
    expect(model.converged).toBe(false);
    expect(model.iterations).toBe(1);
    expect(model.warnings.join(' ')).toMatch(/did not converge/);
  });

  it('warm-started from its own answer, converges at once to the same coefficients', () => {
    const options: TrainOptions = { ...base, l2: 1, classWeighting: 'balanced' };
    const cold = trainLogistic(raw, Array.from(data.labels), options);
    const warm = trainLogistic(raw, Array.from(data.labels), { ...options, initial: cold });
    expect(warm.converged).toBe(true);
    expect(warm.iterations).toBeLessThan(cold.iterations);
    expectClose([warm.intercept, ...warm.coefficients], [cold.intercept, ...cold.coefficients]);
  });
});

describe('library engine (ml-logistic-regression, wrapped) against the reference', () => {
  const aucOf = (model: ReturnType<typeof trainLogistic>) => rocAuc(data.labels, predictProbabilities(model, data.features))!;
  const maxGap = (a: number[], b: number[]) => Math.max(...a.map((v, j) => Math.abs(v - b[j]!)));

  it('without weights or L2 (nothing approximated) it reaches the exact answer once converged', () => {
    const expected = referenceNewton(design, data.labels, Array(raw.length).fill(1), 0);
    const model = trainLogistic(raw, Array.from(data.labels), { ...base, engine: 'library', learningRate: 2, maxIterations: 600, tolerance: 1e-9, stepTolerance: 1e-5 });
    expect(model.converged).toBe(true);
    expectClose([model.intercept, ...model.coefficients], expected);
  });

  it('with balanced weights and L2 (duplication and pseudo-rows) it stays close; gap reported', () => {
    // l2 = 20 here, not 200: a strong penalty needs more pseudo-rows than the default cap to stay quadratic.
    const l2 = 20;
    const expected = referenceNewton(design, data.labels, balancedWeights(data.labels), l2);
    const exact = trainLogistic(raw, Array.from(data.labels), { ...base, l2, classWeighting: 'balanced' });
    const model = trainLogistic(raw, Array.from(data.labels), { ...base, engine: 'library', l2, classWeighting: 'balanced', learningRate: 2, maxIterations: 600, tolerance: 1e-9, stepTolerance: 1e-5 });
    const gap = maxGap([model.intercept, ...model.coefficients], expected);
    const aucGap = Math.abs(aucOf(model) - aucOf(exact));
    console.log(`library vs exact (n=3000, p=6, balanced, l2=${l2}): max |Δβ| = ${gap.toExponential(2)}, |ΔAUC| = ${aucGap.toExponential(2)}, exact loss ${exact.loss.toFixed(8)}, library loss ${model.loss.toFixed(8)}`);
    expect(model.converged).toBe(true);
    // Measured 4.8e-3 (mostly from duplicating rows for the weights); 1e-2 leaves room for rounding only.
    expect(gap).toBeLessThan(0.01);
    expect(aucGap).toBeLessThan(0.002);
    // It cannot beat the exact optimum of the true objective.
    expect(model.loss).toBeGreaterThanOrEqual(exact.loss - 1e-12);
    expect(model.warnings.join(' ')).toMatch(/pseudo-row/);
  });

  it('reports no convergence when given too few steps, and ignores a warm start with a warning', () => {
    const exact = trainLogistic(raw, Array.from(data.labels), base);
    const model = trainLogistic(raw, Array.from(data.labels), { ...base, engine: 'library', maxIterations: 5, initial: exact });
    expect(model.converged).toBe(false);
    expect(model.warnings.join(' ')).toMatch(/did not converge in 5 steps/);
    expect(model.warnings.join(' ')).toMatch(/cannot warm start/);
  });

  it('warns when the learning rate is above the stable limit', () => {
    const model = trainLogistic(raw, Array.from(data.labels), { ...base, engine: 'library', maxIterations: 20, learningRate: 50 });
    expect(model.warnings.join(' ')).toMatch(/stable limit/);
    expect(model.converged).toBe(false);
  });
});
