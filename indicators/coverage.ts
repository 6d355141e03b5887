// Sparse days: exports write no row for a quiet day, so a day without a usage row is a day without usage
// from the account's first covered day on (scope.usage_from / scope.metrics_from, see types.ts). Windows
// therefore divide by the days they cover, never by the days that happened to report; a window the
// account does not cover at all gives no data.
import { sql, type RawBuilder } from 'kysely';
import type { IndicatorSqlContext } from './types.ts';

/** Which table's coverage: usage_daily ('usage_from') or usage_metrics_daily ('metrics_from'). */
export type CoverageColumn = 'usage_from' | 'metrics_from';

/**
 * The days of the window of `length` days ending `endDaysAgo` days before D (0 = ending on D) that lie on
 * or after the account's first covered day, as an int; 0 when none (or no coverage at all). Reads `s`, the scope row.
 */
export function coveredDays(context: Pick<IndicatorSqlContext<unknown>, 'dayMinus'>, column: CoverageColumn, length: number, endDaysAgo = 0): RawBuilder<number> {
  const end = context.dayMinus(endDaysAgo);
  const start = context.dayMinus(endDaysAgo + length - 1);
  const from = sql.ref(`s.${column}`);
  // greatest() skips NULLs, so "never covered" is spelled out.
  return sql<number>`(CASE WHEN ${from} IS NULL THEN 0 ELSE greatest(0, ${end} - greatest(${start}, ${from}) + 1) END)`;
}

/** Whether the account is covered from the first day of the window of `days` days ending on D. */
export function coversWindow(context: Pick<IndicatorSqlContext<unknown>, 'dayMinus'>, column: CoverageColumn, days: number): RawBuilder<boolean> {
  return sql<boolean>`coalesce(${sql.ref(`s.${column}`)} <= ${context.dayMinus(days - 1)}, false)`;
}
