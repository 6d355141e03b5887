import type { DenseMatrix } from './dense-matrix.ts';

/** Per-feature centring and scaling, fitted on training rows and stored with the model (plain JSON). */
export interface Scaling {
  featureNames: string[];
  means: number[];
  /** Population SDs; a constant feature is stored with SD 1 so applying the scaling stays finite. */
  sds: number[];
  /** Features whose training values did not vary: they standardise to 0 and carry no information. */
  constantFeatures: string[];
}

/** Relative to the feature's magnitude, an SD below this is rounding noise on a constant column. */
const CONSTANT_RELATIVE_SD = 1e-12;

export function fitScaling(matrix: DenseMatrix, featureNames: readonly string[]): Scaling {
  const { rows, columns, data } = matrix;
  if (featureNames.length !== columns) throw new RangeError(`${featureNames.length} feature names for ${columns} columns`);
  if (rows === 0) throw new RangeError('cannot fit a scaling on zero rows');
  const means = new Array<number>(columns).fill(0);
  for (let i = 0; i < rows; i++) for (let j = 0; j < columns; j++) means[j]! += data[i * columns + j]!;
  for (let j = 0; j < columns; j++) means[j]! /= rows;
  // Two passes (mean, then squared deviations) so large offsets do not cancel catastrophically.
  const sumSquares = new Array<number>(columns).fill(0);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < columns; j++) {
      const d = data[i * columns + j]! - means[j]!;
      sumSquares[j]! += d * d;
    }
  }
  const sds: number[] = [];
  const constantFeatures: string[] = [];
  for (let j = 0; j < columns; j++) {
    const sd = Math.sqrt(sumSquares[j]! / rows);
    if (sd <= CONSTANT_RELATIVE_SD * Math.max(1, Math.abs(means[j]!))) {
      sds.push(1);
      constantFeatures.push(featureNames[j]!);
    } else {
      sds.push(sd);
    }
  }
  return { featureNames: [...featureNames], means, sds, constantFeatures };
}

export function standardiseRow(scaling: Scaling, row: ArrayLike<number>): Float64Array {
  assertWidth(scaling, row.length);
  const out = new Float64Array(row.length);
  for (let j = 0; j < row.length; j++) out[j] = (row[j]! - scaling.means[j]!) / scaling.sds[j]!;
  return out;
}

export function unstandardiseRow(scaling: Scaling, standardised: ArrayLike<number>): Float64Array {
  assertWidth(scaling, standardised.length);
  const out = new Float64Array(standardised.length);
  for (let j = 0; j < standardised.length; j++) out[j] = standardised[j]! * scaling.sds[j]! + scaling.means[j]!;
  return out;
}

export function standardiseMatrix(scaling: Scaling, matrix: DenseMatrix): DenseMatrix {
  assertWidth(scaling, matrix.columns);
  const { rows, columns, data } = matrix;
  const out = new Float64Array(data.length);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < columns; j++) out[i * columns + j] = (data[i * columns + j]! - scaling.means[j]!) / scaling.sds[j]!;
  }
  return { rows, columns, data: out };
}

function assertWidth(scaling: Scaling, width: number): void {
  if (width !== scaling.featureNames.length) throw new RangeError(`row has ${width} values, the scaling has ${scaling.featureNames.length} features`);
}
