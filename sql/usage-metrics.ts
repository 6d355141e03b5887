// Database access for named usage metrics (usage_metrics_daily) fed by raw event exports and wide daily
// files: the events' staging table, the metric names' ids, and the statements that turn staged rows into
// per-day totals. Rows store a metric_id; its name lives once in usage_metric_names (migration 0020).
import { sql, type Kysely } from 'kysely';
import { runScript } from './database.ts';
import { canCheckReferencesOnce, countExistingStagedKeys, insertedFlag, STAGING_TABLE, upsertCounts, withReferencesCheckedOnce, type MergeCounts } from './ingest.ts';
import type { DB } from './schema.ts';

type Db = Kysely<DB>;

/** Columns of the events' staging table, in COPY order (source_order is appended by copyIntoStaging). */
export const EVENT_STAGING_COLUMNS = ['account_id', 'day', 'metric', 'user_id', 'value'] as const;

/** One row per event of the load (all its files together), dropped with the transaction. */
export async function createEventStaging(db: Db): Promise<void> {
  await runScript(
    db,
    `DROP TABLE IF EXISTS ${STAGING_TABLE};
     CREATE TEMP TABLE ${STAGING_TABLE} (
       account_id bigint NOT NULL, day date NOT NULL, metric text NOT NULL, user_id text, value double precision NOT NULL,
       source_order bigint NOT NULL
     ) ON COMMIT DROP;`,
  );
}

/**
 * How staged rows become totals: `events` sums every staged event per (account, day, metric) and counts
 * its distinct users (NULL when no event of the group names one); `latest` takes the last staged row of
 * each (account, day, metric) (a wide file that repeats a day).
 */
export type MetricTotals = 'events' | 'latest';

/**
 * What a load does to stored totals: `replace` overwrites each (account, day, metric) the load has with
 * its own total (a later export is the truth for the days it covers); `add` adds to them (rows
 * retried from quarantine, which were never counted).
 */
export type MetricWrite = 'replace' | 'add';

const TOTALS: Record<MetricTotals, string> = {
  events: `SELECT account_id, day, metric, sum(value) AS value,
                  CASE WHEN count(user_id) = 0 THEN NULL ELSE count(DISTINCT user_id)::int END AS users
           FROM ${STAGING_TABLE} GROUP BY account_id, day, metric`,
  latest: `SELECT DISTINCT ON (account_id, day, metric) account_id, day, metric, value, NULL::int AS users
           FROM ${STAGING_TABLE} ORDER BY account_id, day, metric, source_order DESC`,
};

/** The ON CONFLICT action; `replace` leaves identical totals untouched, so a reload reports them unchanged. */
const WRITES: Record<MetricWrite, string> = {
  replace: `DO UPDATE SET value = EXCLUDED.value, users = EXCLUDED.users, source = EXCLUDED.source
            WHERE (usage_metrics_daily.value, usage_metrics_daily.users, usage_metrics_daily.source)
                  IS DISTINCT FROM (EXCLUDED.value, EXCLUDED.users, EXCLUDED.source)`,
  // Distinct users cannot be added: the larger count is a lower bound of the true one.
  add: `DO UPDATE SET value = usage_metrics_daily.value + EXCLUDED.value,
                      users = GREATEST(usage_metrics_daily.users, EXCLUDED.users), source = EXCLUDED.source`,
};

/**
 * Gives each name an id in usage_metric_names (the ones it lacks; ids are never renumbered) and returns
 * name → id. Its own statement, before the rows that use the ids: a name a concurrent load is adding makes
 * this wait for that load, and the next statement (READ COMMITTED) sees the id whichever load added it.
 * Only missing names are inserted, so existing ones do not use up identity values on every load.
 */
export async function ensureMetricIds(db: Db, names: readonly string[]): Promise<Map<string, number>> {
  const unique = [...new Set(names)].sort();
  if (unique.length === 0) return new Map();
  await sql`
    INSERT INTO usage_metric_names (name)
    SELECT name FROM unnest(${unique}::text[]) AS wanted(name)
    WHERE NOT EXISTS (SELECT 1 FROM usage_metric_names n WHERE n.name = wanted.name)
    ORDER BY name
    ON CONFLICT (name) DO NOTHING`.execute(db);
  const rows = await sql<{ metric_id: number; name: string }>`SELECT metric_id, name FROM usage_metric_names WHERE name = ANY(${unique}::text[])`.execute(db);
  return new Map(rows.rows.map((row) => [row.name, row.metric_id]));
}

/** The staged keys as usage_metrics_daily spells them (metric_id), for countExistingStagedKeys. */
const STAGED_METRIC_KEYS = `SELECT s.account_id, s.day, n.metric_id
  FROM (SELECT DISTINCT account_id, day, metric FROM ${STAGING_TABLE}) s JOIN usage_metric_names n ON n.name = s.metric`;

/**
 * Writes the staged rows' totals into usage_metrics_daily in one statement, tagged with the source.
 * `metrics`: every metric name staged (the stager knows them: it decided each one), given ids first.
 */
export async function mergeMetricTotals(
  db: Db,
  options: { source: string; totals: MetricTotals; write: MetricWrite; stagedRows: number; metrics: readonly string[] },
): Promise<MergeCounts> {
  await ensureMetricIds(db, options.metrics);
  const checkable = options.stagedRows > 0 && (await canCheckReferencesOnce(db, 'usage_metrics_daily'));
  return withReferencesCheckedOnce(db, checkable, options.stagedRows, async () => {
    const existing = await countExistingStagedKeys(db, 'usage_metrics_daily', ['account_id', 'day', 'metric_id'], { mayRepeatKeys: true, staged: STAGED_METRIC_KEYS });
    const result = await sql<{ distinct_rows: number; written: number; flagged: number }>`
      WITH totals AS (${sql.raw(TOTALS[options.totals])}),
      merged AS (
        INSERT INTO usage_metrics_daily (account_id, day, metric_id, value, users, source)
        SELECT t.account_id, t.day, n.metric_id, t.value, t.users, ${options.source}
        FROM totals t JOIN usage_metric_names n ON n.name = t.metric
        ON CONFLICT (account_id, day, metric_id) ${sql.raw(WRITES[options.write])}
        RETURNING ${sql.raw(insertedFlag('usage_metrics_daily'))}
      )
      SELECT (SELECT count(*) FROM totals)::int AS distinct_rows,
             count(*)::int AS written,
             count(*) FILTER (WHERE inserted)::int AS flagged
      FROM merged`.execute(db);
    const row = result.rows[0]!;
    const { inserted, updated } = upsertCounts(row, row.distinct_rows, existing);
    // Each total counts once: the events behind it are not "duplicates" of each other.
    return { staged: row.distinct_rows, distinct: row.distinct_rows, inserted, updated };
  });
}
