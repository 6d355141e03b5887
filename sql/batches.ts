// Multi-row INSERTs bind every value as a parameter. The Postgres protocol allows 65,535 per statement,
// but PGlite reads the count as a signed 16-bit number: past 32,767 its statement silently does nothing
// (measured: 1,927 rows × 17 columns inserted, 1,928 returned no row and wrote none). Rows go in slices
// sized by their column count under the lower bound, so the code behaves the same on both backends.
import { sql, type RawBuilder } from 'kysely';

const MAX_PARAMETERS = 32_767;

/** `rows` in consecutive slices of at most 32,767 ÷ `columns` rows (none for no rows). */
export function parameterSlices<T>(rows: readonly T[], columns: number): T[][] {
  const size = Math.max(1, Math.floor(MAX_PARAMETERS / columns));
  const slices: T[][] = [];
  for (let start = 0; start < rows.length; start += size) slices.push(rows.slice(start, start + size));
  return slices;
}

/**
 * `column = any($1::bigint[])`: a list of ids as ONE parameter, where `column IN ($1, $2, …)` would bind one
 * each and pass the limit above at 32,768 ids (the accounts renewing in a quarter of a large company).
 */
export function isAnyOf(column: string, ids: readonly number[]): RawBuilder<boolean> {
  return sql<boolean>`${sql.ref(column)} = any(${[...ids]}::bigint[])`;
}
