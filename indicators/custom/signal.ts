// The latest two observations of an account signal known on D (observed_at before midnight after D),
// as a LATERAL join: one backward probe of account_signals' primary key per account.
import { sql, type RawBuilder } from 'kysely';
import type { IndicatorSqlContext } from '../types.ts';

/** Joins `g` (latest, previous, observed_at, previous_at, observed_on) for the signal `name`. */
export function latestSignalJoin(context: IndicatorSqlContext<unknown>, name: string): RawBuilder<unknown> {
  return sql`LEFT JOIN LATERAL (
      SELECT (array_agg(x.value ORDER BY x.observed_at DESC))[1] AS latest,
             (array_agg(x.value ORDER BY x.observed_at DESC))[2] AS previous,
             max(x.observed_at) AS observed_at,
             CASE WHEN count(*) > 1 THEN min(x.observed_at) END AS previous_at,
             (max(x.observed_at) AT TIME ZONE 'UTC')::date AS observed_on
      FROM (
        SELECT value, observed_at FROM account_signals
        WHERE account_id = s.account_id AND name = ${name} AND observed_at < ${context.knownBefore}
        ORDER BY observed_at DESC LIMIT 2
      ) x
    ) g ON true`;
}
