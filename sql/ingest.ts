// Database access for ingestion: run records, rejects, watermarks, staging and the merge.
// Table and column names here come from code (pipelines/ingest/entities.ts), never from input,
// and are additionally checked against an identifier pattern before use.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { isAnyOf } from './batches.ts';
import { copyCsv, runScript } from './database.ts';
import { PARTITIONED_TABLES } from './partitions.ts';
import type { DB } from './schema.ts';
import { RadarError } from '../pipelines/errors.ts';

type Db = Kysely<DB>;

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
function identifiers(names: readonly string[]): string[] {
  for (const name of names) if (!IDENTIFIER.test(name)) throw new Error(`not a safe identifier: ${name}`);
  return [...names];
}

export interface RunCounts {
  readonly read: number;
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly rejected: number;
}

export async function startRun(db: Db, source: string, entity: string): Promise<number> {
  const row = await db.insertInto('ingestion_runs').values({ source, entity }).returning('run_id').executeTakeFirstOrThrow();
  return row.run_id;
}

/**
 * Session-level advisory lock per source, taken before a run starts and held until it ends, on the
 * connection that does the load. A live run always holds it; a process that died (SIGKILL, power loss) lost
 * it with its connection. So whoever holds it may close every run of the source still marked `running`:
 * none of them is alive. A second concurrent run of the same source waits here for the first to finish.
 */
export async function lockSource(db: Db, source: string): Promise<void> {
  await sql`SELECT pg_advisory_lock(hashtext('renewal-radar:ingest:' || current_schema() || ':' || ${source}))`.execute(db);
}

export async function unlockSource(db: Db, source: string): Promise<void> {
  await sql`SELECT pg_advisory_unlock(hashtext('renewal-radar:ingest:' || current_schema() || ':' || ${source}))`.execute(db);
}

/** Closes runs of `source` left `running` by a dead process (call while holding lockSource). Returns their ids. */
export async function closeDeadRuns(db: Db, source: string): Promise<number[]> {
  const rows = await db
    .updateTable('ingestion_runs')
    .set({
      status: 'failed',
      finished_at: sql<Date>`now()`,
      error: 'the process running it stopped before it finished (found by the next run of the source); nothing it read was committed',
    })
    .where('source', '=', source)
    .where('status', '=', 'running')
    .returning('run_id')
    .execute();
  return rows.map((row) => row.run_id);
}

export async function finishRun(db: Db, runId: number, status: 'succeeded' | 'failed', counts: RunCounts, durationMs: number, error?: string): Promise<void> {
  await db
    .updateTable('ingestion_runs')
    .set({
      status,
      finished_at: sql<Date>`now()`,
      rows_read: counts.read,
      rows_inserted: counts.inserted,
      rows_updated: counts.updated,
      rows_unchanged: counts.unchanged,
      rows_rejected: counts.rejected,
      duration_ms: Math.round(durationMs),
      error: error ?? null,
    })
    .where('run_id', '=', runId)
    .execute();
}

export interface RejectRecord {
  readonly location: string;
  readonly raw: unknown;
  readonly reason: string;
  /** False for structural rejects (wrong field count, broken CSV or JSON): retrying their raw form cannot help. */
  readonly retryable?: boolean;
}

/** A reason is cut here as a last resort: values are quoted at 200 characters, but messages from parsers are not. */
export const REASON_LIMIT = 2_000;

const NUL_SHOWN_AS = '\u2400';
/** What a reject's reason says when its raw row had to be altered to fit jsonb. */
export const RAW_ALTERED_NOTE = ` (stored raw row: NUL bytes shown as ${NUL_SHOWN_AS}, invalid Unicode as U+FFFD; not retryable, fix the source and load it again)`;

/** An unpaired UTF-16 surrogate (e.g. from a JSON "\\ud800" escape): it has no UTF-8 form, so Postgres cannot store it. */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/** Text Postgres can store: no NUL (text and jsonb refuse it), no unpaired surrogate. */
function storableText(text: string): string {
  return text.replaceAll('\u0000', NUL_SHOWN_AS).replace(LONE_SURROGATES, '\uFFFD');
}

function needsCleaning(text: string): boolean {
  return text.includes('\u0000') || LONE_SURROGATE.test(text);
}

/** `value` rebuilt with every string (keys too) storable; only called when something needs it. */
function cleanJson(value: unknown): unknown {
  if (typeof value === 'string') return storableText(value);
  if (Array.isArray(value)) return value.map(cleanJson);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [storableText(key), cleanJson(item)]));
  return value;
}

function hasUnstorableText(value: unknown): boolean {
  if (typeof value === 'string') return needsCleaning(value);
  if (Array.isArray(value)) return value.some(hasUnstorableText);
  if (value !== null && typeof value === 'object') return Object.entries(value).some(([key, item]) => needsCleaning(key) || hasUnstorableText(item));
  return false;
}

/** A reject as a row: raw made storable in jsonb (and then marked not retryable, saying so), reason capped. */
export function storableReject(reject: RejectRecord): { raw: string; reason: string; location: string; retryable: boolean } {
  const altered = hasUnstorableText(reject.raw);
  let reason = storableText(reject.reason);
  if (reason.length > REASON_LIMIT) reason = `${reason.slice(0, REASON_LIMIT)}… (reason cut at ${REASON_LIMIT} characters)`;
  return {
    raw: JSON.stringify((altered ? cleanJson(reject.raw) : reject.raw) ?? null),
    reason: altered ? `${reason}${RAW_ALTERED_NOTE}` : reason,
    location: storableText(reject.location),
    retryable: (reject.retryable ?? true) && !altered,
  };
}

/**
 * Records rejects, upserting on the open (source, location) key: a rerun of the same file replaces its open
 * rejects instead of adding copies (issue 16, F7). Within one call the last reject of a location wins.
 */
export async function insertRejects(db: Db, runId: number | null, source: string, entity: string, rejects: readonly RejectRecord[]): Promise<void> {
  const byLocation = new Map<string, ReturnType<typeof storableReject>>();
  for (const reject of rejects) {
    const row = storableReject(reject);
    byLocation.set(row.location, row);
  }
  const rows = [...byLocation.values()];
  for (let start = 0; start < rows.length; start += 1000) {
    await db
      .insertInto('ingest_rejects')
      .values(rows.slice(start, start + 1000).map((row) => ({ run_id: runId, source, entity, ...row })))
      .onConflict((conflict) =>
        conflict
          .columns(['source', 'location'])
          .where('resolved_at', 'is', null)
          .doUpdateSet((excluded) => ({
            run_id: excluded.ref('excluded.run_id'),
            entity: excluded.ref('excluded.entity'),
            raw: excluded.ref('excluded.raw'),
            reason: excluded.ref('excluded.reason'),
            retryable: excluded.ref('excluded.retryable'),
            created_at: sql<Date>`now()`,
          })),
      )
      .execute();
  }
}

export async function readWatermark(db: Db, source: string): Promise<string | undefined> {
  const row = await db.selectFrom('source_watermarks').select('cursor').where('source', '=', source).executeTakeFirst();
  return row?.cursor;
}

export async function writeWatermark(db: Db, source: string, cursor: string, runId: number): Promise<void> {
  await db
    .insertInto('source_watermarks')
    .values({ source, cursor, run_id: runId })
    .onConflict((conflict) => conflict.column('source').doUpdateSet({ cursor, run_id: runId, updated_at: sql<Date>`now()` }))
    .execute();
}

/** External account id → internal id, for resolving references before staging. */
export async function accountIndex(db: Db): Promise<Map<string, number>> {
  const rows = await db.selectFrom('accounts').select(['account_id', 'external_id']).execute();
  return new Map(rows.map((row) => [row.external_id, row.account_id]));
}

export const STAGING_TABLE = 'radar_ingest_stage';

/** A temporary staging table shaped like the target's columns, plus the source line for ordering. */
export async function createStaging(db: Db, table: string, columns: readonly string[]): Promise<void> {
  const [target, ...cols] = identifiers([table, ...columns]);
  await runScript(
    db,
    `DROP TABLE IF EXISTS ${STAGING_TABLE};
     CREATE TEMP TABLE ${STAGING_TABLE} ON COMMIT DROP AS SELECT ${cols.join(', ')} FROM ${target} WITH NO DATA;
     ALTER TABLE ${STAGING_TABLE} ADD COLUMN source_order bigint NOT NULL;`,
  );
}

/** Empties the staging table between chunks of one load. */
export async function clearStaging(db: Db): Promise<void> {
  await runScript(db, `TRUNCATE ${STAGING_TABLE}`);
}

export async function copyIntoStaging(db: Db, columns: readonly string[], csv: string | Uint8Array): Promise<void> {
  await copyCsv(db, STAGING_TABLE, [...identifiers(columns), 'source_order'], csv);
}

/** Staged rows from which account references are checked once per load instead of once per row. */
export const SET_BASED_REFERENCE_CHECK_ROWS = 10_000;

/**
 * Whether the table's only triggers are the foreign key account_id → accounts (so switching triggers off
 * for the merge skips exactly that check, which mergeStaging then does set-based), and the role may do so.
 * A property of the table and the session: ask once per load, not per chunk.
 */
/** An expression true when the role may set session_replication_role (what withTriggersOff does). */
export async function triggersOffAllowed(db: Db): Promise<RawBuilder<boolean>> {
  // has_parameter_privilege() exists from Postgres 15 (and cannot even be named on older servers); before
  // that only a superuser may set session_replication_role.
  const version = await sql<{ version: number }>`SELECT current_setting('server_version_num')::int AS version`.execute(db);
  return (version.rows[0]?.version ?? 0) >= 150_000
    ? sql<boolean>`has_parameter_privilege('session_replication_role', 'SET')`
    : sql<boolean>`(SELECT rolsuper FROM pg_roles WHERE rolname = current_user)`;
}

export async function canCheckReferencesOnce(db: Db, table: string): Promise<boolean> {
  const allowed = await triggersOffAllowed(db);
  const result = await sql<{ other_triggers: number; account_keys: number; allowed: boolean }>`
    SELECT (SELECT count(*) FROM pg_trigger t
            WHERE t.tgrelid = to_regclass(${table})
              AND NOT (t.tgisinternal AND t.tgconstraint IN (
                SELECT c.oid FROM pg_constraint c
                WHERE c.conrelid = to_regclass(${table}) AND c.contype = 'f' AND c.confrelid = to_regclass('accounts')
                  AND c.conkey = ARRAY[(SELECT attnum FROM pg_attribute WHERE attrelid = to_regclass(${table}) AND attname = 'account_id')]
              )))::int AS other_triggers,
           (SELECT count(*) FROM pg_constraint c WHERE c.conrelid = to_regclass(${table}) AND c.contype = 'f')::int AS account_keys,
           ${allowed} AS allowed`.execute(db);
  const row = result.rows[0];
  return !!row && row.other_triggers === 0 && row.account_keys === 1 && row.allowed;
}

/**
 * The foreign key's own check, once for the whole load: every referenced account must exist, and each is
 * locked FOR KEY SHARE (what the per-row check does) so no concurrent delete can orphan the new rows.
 */
async function lockReferencedAccounts(db: Db): Promise<void> {
  const result = await sql<{ referenced: number; locked: number; missing: string | null }>`
    WITH referenced AS (SELECT DISTINCT account_id FROM ${sql.table(STAGING_TABLE)}),
         locked AS (SELECT account_id FROM accounts WHERE account_id IN (SELECT account_id FROM referenced) FOR KEY SHARE)
    SELECT (SELECT count(*) FROM referenced)::int AS referenced, (SELECT count(*) FROM locked)::int AS locked,
           (SELECT min(account_id)::text FROM referenced WHERE account_id NOT IN (SELECT account_id FROM locked)) AS missing`.execute(db);
  const row = result.rows[0]!;
  if (row.locked !== row.referenced) {
    throw new RadarError('ingest_failed', `account ${row.missing} referenced by the load does not exist (deleted while loading?); nothing was loaded`, { accountId: row.missing });
  }
}

export interface MergeCounts {
  readonly staged: number;
  readonly distinct: number;
  readonly inserted: number;
  readonly updated: number;
}

/**
 * Upserts the staged rows on the natural key. Within one load the last occurrence of a key wins
 * (DISTINCT ON … ORDER BY source_order DESC — a sort, so it runs only when the load may repeat a key).
 * Rows identical to what is stored are not rewritten, which is how a second load of the same input
 * reports 0 inserted, 0 updated.
 */
export async function mergeStaging(
  db: Db,
  table: string,
  columns: readonly string[],
  naturalKey: readonly string[],
  options: { touchUpdatedAt: boolean; mayRepeatKeys: boolean; stagedRows: number; /** canCheckReferencesOnce for this table */ referencesCheckableOnce: boolean },
): Promise<MergeCounts> {
  return withReferencesCheckedOnce(db, options.referencesCheckableOnce, options.stagedRows, () => mergeStatement(db, table, columns, naturalKey, options));
}

/**
 * Runs a merge of the staged rows, checking their account references once for the whole load when the
 * table allows it and the load is big enough to pay for it, per row (the triggers) otherwise.
 */
export async function withReferencesCheckedOnce<T>(db: Db, referencesCheckableOnce: boolean, stagedRows: number, statement: () => Promise<T>): Promise<T> {
  // Per-row foreign-key checks were 11 of the 15 s a 2.8M-row usage merge took; checked once, the merge
  // takes 7 s. Triggers are off only for the merge statement (SET LOCAL, reset right after).
  const checkOnce = referencesCheckableOnce && stagedRows >= SET_BASED_REFERENCE_CHECK_ROWS;
  if (!checkOnce) return statement();
  await lockReferencedAccounts(db);
  return withTriggersOff(db, statement);
}

/**
 * Runs one statement with triggers off (SET LOCAL session_replication_role = replica, set back right
 * after, even when it fails), for a caller that has done the foreign key's check itself: locked every
 * referenced account FOR KEY SHARE, on a table where canCheckReferencesOnce said yes.
 */
export async function withTriggersOff<T>(db: Db, statement: () => Promise<T>): Promise<T> {
  await sql`SET LOCAL session_replication_role = replica`.execute(db);
  try {
    return await statement();
  } finally {
    await sql`SET LOCAL session_replication_role = origin`.execute(db);
  }
}

/**
 * How an upsert tells inserted rows from updated ones. A plain table returns `xmax = 0` for an inserted row. A
 * partitioned table cannot ("cannot retrieve a system column in this context"): there the staged keys that
 * exist already are counted first, in their own statement of the load's transaction (countExistingStagedKeys),
 * and inserted = distinct rows − existing, updated = rows returned − inserted (a row the DO UPDATE … WHERE
 * leaves unchanged returns nothing). Counted inside the upsert statement instead, the probe was planned while
 * the day's partition was still empty and then read, once per staged row, the rows that statement had just
 * inserted (invisible to it, but on its pages): 3.5 s instead of 0.1 s for 10k rows of a new day.
 */
export function insertedFlag(table: string): string {
  return Object.hasOwn(PARTITIONED_TABLES, table) ? 'NULL::boolean AS inserted' : '(xmax = 0) AS inserted';
}

/** The staged keys of `table` present in it already, or undefined for a plain table (its upsert returns xmax). */
export async function countExistingStagedKeys(
  db: Db,
  table: string,
  keys: readonly string[],
  options: { mayRepeatKeys: boolean; /** The distinct staged keys as `table` spells them, when staging does not (SQL from code, never from input). */ staged?: string },
): Promise<number | undefined> {
  if (!Object.hasOwn(PARTITIONED_TABLES, table)) return undefined;
  const [target, ...columns] = identifiers([table, ...keys]);
  const staged = options.staged ?? `SELECT ${options.mayRepeatKeys ? 'DISTINCT ' : ''}${columns.join(', ')} FROM ${STAGING_TABLE}`;
  const match = columns.map((column) => `t.${column} = s.${column}`).join(' AND ');
  // One primary-key probe per staged key (LATERAL … LIMIT 1 keeps the planner from turning it into a join).
  // As a plain EXISTS, a load into partitions filled earlier in its own transaction (no statistics yet) was
  // planned as a hash join over the whole table, so each chunk of a backfill read every row loaded before
  // it: 25 s instead of 1.3 s for 100,000 staged keys against 6.6M rows (docs/scaling.md, Partitioned history).
  const result = await sql<{ n: number }>`${sql.raw(`SELECT count(*)::int AS n FROM (${staged}) s CROSS JOIN LATERAL (SELECT 1 FROM ${target} t WHERE ${match} LIMIT 1) existing`)}`.execute(db);
  return result.rows[0]?.n ?? 0;
}

/** Inserted and updated rows of an upsert from what it returned (see insertedFlag). */
export function upsertCounts(returned: { written: number; flagged: number }, distinct: number, existing: number | undefined): { inserted: number; updated: number } {
  if (existing === undefined) return { inserted: returned.flagged, updated: returned.written - returned.flagged };
  const inserted = distinct - existing;
  return { inserted, updated: returned.written - inserted };
}

async function mergeStatement(
  db: Db,
  table: string,
  columns: readonly string[],
  naturalKey: readonly string[],
  options: { touchUpdatedAt: boolean; mayRepeatKeys: boolean },
): Promise<MergeCounts> {
  const touchUpdatedAt = options.touchUpdatedAt;
  const [target, ...cols] = identifiers([table, ...columns]);
  const keys = identifiers(naturalKey);
  const valueColumns = cols.filter((column) => !keys.includes(column));
  const assignments = [...valueColumns.map((column) => `${column} = EXCLUDED.${column}`), ...(touchUpdatedAt ? ['updated_at = now()'] : [])];
  const changed = valueColumns.length
    ? `WHERE (${valueColumns.map((column) => `${target}.${column}`).join(', ')}) IS DISTINCT FROM (${valueColumns.map((column) => `EXCLUDED.${column}`).join(', ')})`
    : '';
  const conflict = valueColumns.length ? `DO UPDATE SET ${assignments.join(', ')} ${changed}` : 'DO NOTHING';
  const existing = await countExistingStagedKeys(db, table, naturalKey, options);
  const statement = `
    WITH deduplicated AS (
      ${
        options.mayRepeatKeys
          ? `SELECT DISTINCT ON (${keys.join(', ')}) ${cols.join(', ')} FROM ${STAGING_TABLE} ORDER BY ${keys.join(', ')}, source_order DESC`
          : `SELECT ${cols.join(', ')} FROM ${STAGING_TABLE}`
      }
    ), merged AS (
      INSERT INTO ${target} (${cols.join(', ')})
      SELECT ${cols.join(', ')} FROM deduplicated
      ON CONFLICT (${keys.join(', ')}) ${conflict}
      RETURNING ${insertedFlag(table)}
    )
    SELECT (SELECT count(*) FROM ${STAGING_TABLE})::int AS staged,
           (SELECT count(*) FROM deduplicated)::int AS distinct_rows,
           count(*)::int AS written,
           count(*) FILTER (WHERE inserted)::int AS flagged
    FROM merged`;
  const result = await sql<{ staged: number; distinct_rows: number; written: number; flagged: number }>`${sql.raw(statement)}`.execute(db);
  const row = result.rows[0]!;
  return { staged: row.staged, distinct: row.distinct_rows, ...upsertCounts(row, row.distinct_rows, existing) };
}

/**
 * Whether a load changed enough of a table that the planner's statistics are stale: never analysed
 * (reltuples < 0), or changed rows ≥ 10% of the estimate — autovacuum's own rule, applied at once
 * instead of up to a minute later, because the next step (indicators, a backtest) usually runs right
 * after the load and a plan built on an empty-table estimate can be 20× slower.
 */
export function statisticsStale(changedRows: number, estimatedRows: number): boolean {
  if (changedRows <= 0) return false;
  return estimatedRows < 0 || changedRows >= 0.1 * estimatedRows;
}

/** Re-analyses a table after a large load (outside the load's transaction, so it sees committed rows). */
export async function refreshStatistics(db: Db, table: string, changedRows: number): Promise<boolean> {
  const [target] = identifiers([table]);
  const result = await sql<{ estimate: number | null }>`SELECT reltuples::float8 AS estimate FROM pg_class WHERE oid = to_regclass(${target!})`.execute(db);
  if (!statisticsStale(changedRows, result.rows[0]?.estimate ?? -1)) return false;
  await sql`ANALYZE ${sql.table(target!)}`.execute(db);
  return true;
}

/** Newest fact per entity, for freshness. */
export async function newestFact(db: Db, table: string, column: string): Promise<Date | string | null> {
  const [target, col] = identifiers([table, column]);
  const result = await sql<{ newest: Date | string | null }>`SELECT max(${sql.ref(col!)}) AS newest FROM ${sql.table(target!)}`.execute(db);
  return result.rows[0]?.newest ?? null;
}

export interface LastRun {
  readonly source: string;
  readonly entity: string;
  readonly status: string;
  readonly started_at: Date;
  readonly duration_ms: number | null;
  readonly rows_read: number;
  readonly rows_inserted: number;
  readonly rows_updated: number;
  readonly rows_unchanged: number;
  readonly rows_rejected: number;
  readonly error: string | null;
}

export async function lastRunPerSource(db: Db): Promise<LastRun[]> {
  const result = await sql<LastRun>`
    SELECT DISTINCT ON (source) source, entity, status, started_at, duration_ms, rows_read, rows_inserted,
           rows_updated, rows_unchanged, rows_rejected, error
    FROM ingestion_runs ORDER BY source, started_at DESC, run_id DESC`.execute(db);
  return result.rows;
}

export async function openRejects(db: Db, source?: string) {
  let query = db.selectFrom('ingest_rejects').selectAll().where('resolved_at', 'is', null);
  if (source) query = query.where('source', '=', source);
  return query.orderBy('reject_id').execute();
}

export async function resolveRejects(db: Db, rejectIds: readonly number[]): Promise<void> {
  if (rejectIds.length === 0) return;
  await db.updateTable('ingest_rejects').set({ resolved_at: sql<Date>`now()` }).where(isAnyOf('reject_id', rejectIds)).execute();
}
