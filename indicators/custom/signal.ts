// The latest two observations of an account signal known on D (observed_at before midnight after D),
// as a LATERAL join: one backward probe of account_signals' primary key per account. In the statement's
// pass over the scope (indicators/statement.ts) each signal is probed once, whichever indicators read it.
import { createHash } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';
import type { IndicatorSqlContext } from '../types.ts';

/** What the probe returns, read by the kinds as `g.<column>`. */
const PROBE_COLUMNS = ['latest', 'previous', 'observed_at', 'previous_at', 'observed_on'] as const;

/** The probe of the signal `name` for the scope row `s`: (latest, previous, observed_at, previous_at, observed_on). */
export function latestSignalProbe(context: IndicatorSqlContext<unknown>, name: string): RawBuilder<unknown> {
  return sql`
      SELECT (array_agg(x.value ORDER BY x.observed_at DESC))[1] AS latest,
             (array_agg(x.value ORDER BY x.observed_at DESC))[2] AS previous,
             max(x.observed_at) AS observed_at,
             CASE WHEN count(*) > 1 THEN min(x.observed_at) END AS previous_at,
             (max(x.observed_at) AT TIME ZONE 'UTC')::date AS observed_on
      FROM (
        SELECT value, observed_at FROM account_signals
        WHERE account_id = s.account_id AND name = ${name} AND observed_at < ${context.knownBefore}
        ORDER BY observed_at DESC LIMIT 2
      ) x`;
}

/**
 * The alias the statement joins the probe of `name` under, the same for every indicator reading that signal
 * (from a hash: a signal name may be 63 characters, an alias may not be longer).
 */
export function signalAlias(name: string): string {
  return `sig_${createHash('sha256').update(name).digest('hex').slice(0, 24)}`;
}

/** Joins `g` for the signal `name`, probed under signalAlias(name) by a join further out. */
export function sharedSignalAsG(name: string): RawBuilder<unknown> {
  const alias = signalAlias(name);
  return sql`CROSS JOIN (SELECT ${sql.join(PROBE_COLUMNS.map((column) => sql`${sql.ref(`${alias}.${column}`)} AS ${sql.ref(column)}`))}) g`;
}
