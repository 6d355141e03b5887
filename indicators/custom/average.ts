// average: the mean of an account signal's observations in the window (e.g. every NPS answer of the last
// quarter's survey: one answer is one person's mood, the mean of a few is the account's). No observation
// in the window: no data. The same as-of rule as latest: an observation counts from its observed_at.
import { sql } from 'kysely';
import type { IndicatorSqlContext } from '../types.ts';
import { kindParts, type KindParts, type PassAggregates } from './metric.ts';
import type { CustomSpecOf } from './schema.ts';

export function averageSql(spec: CustomSpecOf<'average'>, context: IndicatorSqlContext<unknown>, _aggregates: PassAggregates): KindParts {
  // Observations whose UTC day lies in D−N+1 … D, by the account_signals primary key (account, name, time).
  const join = sql`LEFT JOIN LATERAL (
      SELECT avg(value)::float8 AS mean, count(*)::int AS observations, max(observed_at) AS observed_at
      FROM account_signals
      WHERE account_id = s.account_id AND name = ${spec.signal}
        AND observed_at >= ${context.startOfDayMinus(spec.windowDays - 1)}
        AND observed_at < ${context.knownBefore}
    ) g ON true`;
  return kindParts({
    facts: { mean: sql`g.mean`, observations: sql`g.observations`, observed_at: sql`g.observed_at` },
    joins: join,
    value: sql`CASE WHEN observations > 0 THEN mean END`,
    detail: {
      windowDays: sql`${spec.windowDays}::int`,
      observations: sql`observations`,
      observedAt: sql`observed_at`,
    },
  });
}
