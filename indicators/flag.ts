// Turning a value into a flag. `flagFor` is the rule; `flagSql` is the same rule as a SQL CASE so the
// flag is set in the database without a round trip (test/indicators.test.ts checks they agree).
import { sql, type RawBuilder } from 'kysely';
import type { Flag, RiskDirection, Thresholds } from './types.ts';

/** 'no-data' for null or non-finite values; otherwise the worst level the value reaches (thresholds inclusive). */
export function flagFor(value: number | null | undefined, thresholds: Pick<Thresholds, 'warning' | 'critical'>, direction: RiskDirection): Flag {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'no-data';
  const reaches = (threshold: number | null): boolean => threshold !== null && (direction === 'higher' ? value >= threshold : value <= threshold);
  if (reaches(thresholds.critical)) return 'critical';
  if (reaches(thresholds.warning)) return 'warning';
  return 'ok';
}

/** The levels that apply to an account of `segment`: its segment's when configured, else the indicator-wide ones. */
export function thresholdsFor(thresholds: Thresholds, segment: string | null | undefined): { warning: number | null; critical: number | null; segment: string | null } {
  const own = segment === null || segment === undefined ? undefined : thresholds.segments?.[segment];
  return own ? { ...own, segment: segment! } : { warning: thresholds.warning, critical: thresholds.critical, segment: null };
}

/** flagFor as a SQL expression over `value`, with each configured segment's levels for accounts of that segment (`segment`: a text expression). */
export function segmentFlagSql(value: RawBuilder<number | null>, segment: RawBuilder<string | null>, thresholds: Thresholds, direction: RiskDirection): RawBuilder<Flag> {
  const segments = Object.entries(thresholds.segments ?? {});
  if (segments.length === 0) return flagSql(value, thresholds, direction);
  const branches = segments.map(([name, levels]) => sql`WHEN ${segment} = ${name} THEN ${flagSql(value, levels, direction)} `);
  return sql<Flag>`(CASE ${sql.join(branches, sql``)}ELSE ${flagSql(value, thresholds, direction)} END)`;
}

/** flagFor as a SQL expression over `value` (a double precision expression, NULL for no data). */
export function flagSql(value: RawBuilder<number | null>, thresholds: Pick<Thresholds, 'warning' | 'critical'>, direction: RiskDirection): RawBuilder<Flag> {
  const op = direction === 'higher' ? sql.raw('>=') : sql.raw('<=');
  const critical = thresholds.critical === null ? sql`` : sql`WHEN ${value} ${op} ${thresholds.critical}::float8 THEN 'critical' `;
  const warning = thresholds.warning === null ? sql`` : sql`WHEN ${value} ${op} ${thresholds.warning}::float8 THEN 'warning' `;
  return sql<Flag>`(CASE WHEN ${value} IS NULL THEN 'no-data' ${critical}${warning}ELSE 'ok' END)`;
}
