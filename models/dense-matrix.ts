// A row-major dense matrix on one Float64Array: the layout both engines and the scaler work on.
export interface DenseMatrix {
  readonly rows: number;
  readonly columns: number;
  /** Row-major: element (i, j) is data[i * columns + j]. */
  readonly data: Float64Array;
}

/** Feature rows as callers have them: arrays of numbers, typed arrays, or an already dense matrix. */
export type FeatureInput = ReadonlyArray<ArrayLike<number>> | DenseMatrix;

export function isDenseMatrix(input: FeatureInput): input is DenseMatrix {
  return !Array.isArray(input) && (input as DenseMatrix).data instanceof Float64Array;
}

/** Copies rows into a dense matrix, rejecting ragged rows and non-finite values (a model cannot use NaN). */
export function toDenseMatrix(input: FeatureInput): DenseMatrix {
  if (isDenseMatrix(input)) {
    if (input.data.length !== input.rows * input.columns) throw new RangeError(`dense matrix has ${input.data.length} values, expected ${input.rows}×${input.columns}`);
    assertFinite(input);
    return input;
  }
  const rows = input as ReadonlyArray<ArrayLike<number>>;
  const columns = rows[0]?.length ?? 0;
  const data = new Float64Array(rows.length * columns);
  rows.forEach((row, i) => {
    if (row.length !== columns) throw new RangeError(`row ${i} has ${row.length} values, expected ${columns}`);
    for (let j = 0; j < columns; j++) data[i * columns + j] = row[j] as number;
  });
  const matrix = { rows: rows.length, columns, data };
  assertFinite(matrix);
  return matrix;
}

function assertFinite(matrix: DenseMatrix): void {
  const { data, columns } = matrix;
  for (let k = 0; k < data.length; k++) {
    if (!Number.isFinite(data[k])) throw new RangeError(`value at row ${Math.floor(k / columns)}, column ${k % columns} is not a finite number (${data[k]})`);
  }
}

export function rowOf(matrix: DenseMatrix, i: number): Float64Array {
  return matrix.data.subarray(i * matrix.columns, (i + 1) * matrix.columns);
}
