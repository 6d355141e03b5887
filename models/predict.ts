import type { FittedModel } from './fitted-model.ts';
import type { DenseMatrix } from './dense-matrix.ts';
import { sigmoid } from './logistic-problem.ts';

export function linearPredictor(model: FittedModel, row: ArrayLike<number>): number {
  const { means, sds } = model.scaling;
  if (row.length !== model.coefficients.length) throw new RangeError(`row has ${row.length} values, the model has ${model.coefficients.length} features`);
  let eta = model.intercept;
  for (let j = 0; j < row.length; j++) eta += (model.coefficients[j]! * (row[j]! - means[j]!)) / sds[j]!;
  return eta;
}

/** Churn probability for one row of raw (unstandardised) feature values, in the model's feature order. */
export function predictProbability(model: FittedModel, row: ArrayLike<number>): number {
  return sigmoid(linearPredictor(model, row));
}

/** Probabilities for every row of a dense matrix (the scoring hot path: no per-row allocation). */
export function predictProbabilities(model: FittedModel, matrix: DenseMatrix): Float64Array {
  const { rows, columns, data } = matrix;
  if (columns !== model.coefficients.length) throw new RangeError(`matrix has ${columns} columns, the model has ${model.coefficients.length} features`);
  // Fold the scaling into raw-scale slopes once: logit = b0' + Σ aⱼ·xⱼ.
  const slopes = model.coefficients.map((b, j) => b / model.scaling.sds[j]!);
  const intercept = model.intercept - slopes.reduce((sum, a, j) => sum + a * model.scaling.means[j]!, 0);
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let eta = intercept;
    const offset = i * columns;
    for (let j = 0; j < columns; j++) eta += slopes[j]! * data[offset + j]!;
    out[i] = sigmoid(eta);
  }
  return out;
}

export interface Contribution {
  feature: string;
  value: number;
  standardised: number;
  /** standardised × coefficient: this feature's push on the log-odds relative to an average account. */
  contribution: number;
}

/** Per-feature contributions to the log-odds, in feature order (sort by contribution for "top drivers"). */
export function contributions(model: FittedModel, row: ArrayLike<number>): Contribution[] {
  if (row.length !== model.coefficients.length) throw new RangeError(`row has ${row.length} values, the model has ${model.coefficients.length} features`);
  return model.featureNames.map((feature, j) => {
    const standardised = (row[j]! - model.scaling.means[j]!) / model.scaling.sds[j]!;
    return { feature, value: row[j]!, standardised, contribution: standardised * model.coefficients[j]! };
  });
}
