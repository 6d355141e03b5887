// The least-squares line through the covered days of a window ending on D, in SQL. x = day − D runs over
// the n covered days −(n−1) … 0 (coverage is a suffix of the window), so Σx and Σx² have closed forms and
// only Σy and Σxy come from the rows; a covered day without a row adds nothing to either (y = 0).
//   slope = (nΣxy − ΣxΣy) / (nΣx² − (Σx)²) = (12Σxy + 6(n − 1)Σy) / (n(n² − 1)),   mean = Σy / n.
// Computed in numeric, so exact integer sums give the same bits on every run.
import { sql, type RawBuilder } from 'kysely';

export function leastSquaresSql(sums: { n: RawBuilder<unknown>; sumY: RawBuilder<unknown>; sumXY: RawBuilder<unknown> }): { slope: RawBuilder<number | null>; mean: RawBuilder<number | null> } {
  const { n, sumY, sumXY } = sums;
  return {
    slope: sql<number | null>`((12 * (${sumXY})::numeric + 6 * ((${n}) - 1)::numeric * (${sumY})::numeric) / nullif((${n})::numeric * ((${n})::numeric * (${n}) - 1), 0))::float8`,
    mean: sql<number | null>`((${sumY})::float8 / nullif(${n}, 0))`,
  };
}
