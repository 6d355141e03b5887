import { describe, expect, it } from 'vitest';
import { toDenseMatrix } from './dense-matrix.ts';
import { fitScaling, standardiseMatrix, standardiseRow, unstandardiseRow } from './standardise.ts';

describe('standardisation', () => {
  const rows = [
    [1, 10, 100],
    [3, 10, 300],
    [5, 10, 200],
  ];

  it('fits population means and SDs and reports constant features with SD 1', () => {
    const scaling = fitScaling(toDenseMatrix(rows), ['a', 'b', 'c']);
    // a: mean 3, deviations −2, 0, 2 → variance 8/3. c: mean 200, deviations −100, 100, 0 → variance 20000/3.
    expect(scaling.means).toEqual([3, 10, 200]);
    expect(scaling.sds[0]).toBeCloseTo(Math.sqrt(8 / 3), 12);
    expect(scaling.sds[1]).toBe(1);
    expect(scaling.sds[2]).toBeCloseTo(Math.sqrt(20000 / 3), 9);
    expect(scaling.constantFeatures).toEqual(['b']);
  });

  it('round-trips rows and survives JSON', () => {
    const scaling = fitScaling(toDenseMatrix(rows), ['a', 'b', 'c']);
    const restored = JSON.parse(JSON.stringify(scaling)) as typeof scaling;
    expect(restored).toEqual(scaling);
    const row = [4.5, 10, 123];
    const standardised = standardiseRow(restored, row);
    expect(standardised[0]).toBeCloseTo(1.5 / Math.sqrt(8 / 3), 12);
    expect(standardised[1]).toBe(0);
    Array.from(unstandardiseRow(restored, standardised)).forEach((v, j) => expect(v).toBeCloseTo(row[j]!, 10));
  });

  it('gives standardised training columns mean 0 and SD 1', () => {
    const matrix = toDenseMatrix(rows);
    const scaling = fitScaling(matrix, ['a', 'b', 'c']);
    const standardised = standardiseMatrix(scaling, matrix);
    for (const j of [0, 2]) {
      const column = [0, 1, 2].map((i) => standardised.data[i * 3 + j]!);
      const mean = column.reduce((s, v) => s + v, 0) / 3;
      expect(mean).toBeCloseTo(0, 12);
      expect(Math.sqrt(column.reduce((s, v) => s + v * v, 0) / 3)).toBeCloseTo(1, 12);
    }
  });

  it('rejects non-finite values, ragged rows and a width mismatch', () => {
    expect(() => toDenseMatrix([[1, Number.NaN]])).toThrow(/row 0, column 1/);
    expect(() => toDenseMatrix([[1, 2], [3]])).toThrow(/row 1/);
    const scaling = fitScaling(toDenseMatrix(rows), ['a', 'b', 'c']);
    expect(() => standardiseRow(scaling, [1, 2])).toThrow(RangeError);
  });
});
