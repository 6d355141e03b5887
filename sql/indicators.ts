// Database access for indicators: runs the statements indicators/statement.ts builds (all indicators of
// one as-of day as ONE statement) and reads stored values back. The data layer knows no indicator: it
// takes the built SQL, the detail field lists and account ids as parameters, and returns rows.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { RadarError } from '../pipelines/errors.ts';
import { canCheckReferencesOnce, withTriggersOff } from './ingest.ts';
import type { DB, Json } from './schema.ts';

/** A row of the `computed` relation as the read-only statement returns it. */
export interface ComputedRow {
  account_id: number;
  indicator: string;
  value: number | null;
  flag: string;
  /** The indicator's detail fields, packed (indicators/detail.ts); NULL when it returned no row for the account. */
  detail_values: (number | null)[] | null;
  /** Detail extras kept as jsonb ({} for most indicators; NULL instead of {} when evaluated). */
  detail: { readonly [key: string]: Json } | null;
}

export interface StoredIndicatorRow {
  readonly accountId: number;
  readonly asOf: string;
  readonly indicator: string;
  readonly value: number | null;
  readonly flag: string;
  readonly detailValues: (number | null)[] | null;
  readonly detail: { readonly [key: string]: Json } | null;
  readonly computedAt: Date;
}

export interface WrittenCounts {
  readonly accounts: number;
  /** The in-scope accounts the statement computed, ascending (the daily run hands them to scoring). */
  readonly accountIds: number[];
  readonly written: number;
  readonly ok: number;
  readonly warning: number;
  readonly critical: number;
  readonly noData: number;
  /**
   * When asked for (writeComputedValues' `scoringIndicators`): the values and flags of the computed rows,
   * one row per account (ascending) in the order of those indicators — what readScoringValues would read
   * back for these accounts, so the daily run's score step need not read the rows just written.
   */
  readonly scoring?: ScoringValueRow[];
}

/** One row of indicator_detail_fields: a detail field's position, name and kind (or word list). */
export interface DetailFieldRow {
  readonly indicator: string;
  readonly position: number;
  readonly name: string;
  readonly kind: string;
  readonly words: readonly string[] | null;
}

/** The account ids a scope statement (SELECT account_id, …) selects, ascending. */
export async function selectAccountIds(db: Kysely<DB>, scope: RawBuilder<unknown>): Promise<number[]> {
  const result = await sql<{ account_id: number }>`SELECT account_id FROM (${scope}) s ORDER BY account_id`.execute(db);
  return result.rows.map((row) => row.account_id);
}

/** Runs a counting statement (indicators/statement.ts indicatorCountStatement) and returns its count. */
export async function countRows(db: Kysely<DB>, statement: RawBuilder<{ n: number; touched: number }>): Promise<number> {
  const result = await statement.execute(db);
  return result.rows[0]?.n ?? 0;
}

/** Runs the read-only statement and returns its rows. */
export async function selectComputedRows(db: Kysely<DB>, statement: RawBuilder<ComputedRow>): Promise<ComputedRow[]> {
  return (await statement.execute(db)).rows;
}

/**
 * For the rest of the current transaction (SET LOCAL; PGlite accepts it too):
 * - no JIT: the composed statement's row estimates are far too high (a LEFT JOIN per indicator), which
 *   makes Postgres spend ~3 s compiling it for a ~1 s execution;
 * - work_mem 64MB: the invoice window sort, the shared CTEs and the final sort of 16 rows per account
 *   otherwise spill to temporary files at 10k accounts.
 * Parallel workers stay allowed (the read-only statement scans usage_daily with them; INSERT … SELECT
 * never runs parallel in Postgres 15): every shared aggregate is exact (counts, integer sums, numeric
 * averages), so combining partial aggregates in any order gives bit-identical values run after run.
 */
export async function prepareIndicatorTransaction(trx: Kysely<DB>): Promise<void> {
  await sql`SET LOCAL jit = off`.execute(trx);
  await sql`SET LOCAL work_mem = '64MB'`.execute(trx);
}

const SNAPSHOT_ID = /^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$/i;

/**
 * Runs a read-only indicator statement in `shards` account shards at once, each in its own transaction
 * on its own pooled connection, all reading the snapshot the first one exports (REPEATABLE READ), so the
 * shards see exactly the same data. Shards are contiguous account_id ranges in ascending order, so
 * results concatenated in shard order keep the (account_id, …) order. shards ≤ 1 runs one transaction.
 * Postgres server only (PGlite has one connection); the pool needs `shards` free connections.
 * `narrow` names a run's accounts up front when it can (indicators/statement.ts narrowToScope).
 */
export async function inIndicatorShards<S extends { readonly accountIds?: readonly number[] | undefined }, T>(
  db: Kysely<DB>,
  spec: S,
  shards: number,
  run: (trx: Kysely<DB>, shard: S) => Promise<T>,
  narrow: (trx: Kysely<DB>, spec: S) => Promise<S>,
): Promise<T[]> {
  if (!Number.isInteger(shards) || shards < 1) throw new RadarError('usage', `shards must be a whole number ≥ 1, got ${shards}`);
  if (shards === 1) {
    return [await db.transaction().execute(async (trx) => { await prepareIndicatorTransaction(trx); return run(trx, await narrow(trx, spec)); })];
  }
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (first) => {
      const exported = await sql<{ snapshot: string }>`SELECT pg_export_snapshot() AS snapshot`.execute(first);
      const snapshot = exported.rows[0]?.snapshot ?? '';
      if (!SNAPSHOT_ID.test(snapshot)) throw new RadarError('usage', `unexpected snapshot id ${JSON.stringify(snapshot)}`);
      // A renewing run splits its in-scope accounts; an 'all' run every account (the statement drops the
      // inactive ones, cheaper than working out the scope twice).
      const named = (await narrow(first, spec)).accountIds;
      const ids = named
        ? [...new Set(named)].sort((a, b) => a - b)
        : (await sql<{ account_id: number }>`SELECT account_id FROM accounts ORDER BY account_id`.execute(first)).rows.map((row) => row.account_id);
      const size = Math.ceil(ids.length / shards);
      const parts = Array.from({ length: shards }, (_, index) => ids.slice(index * size, (index + 1) * size)).filter((part) => part.length > 0);
      if (parts.length === 0) parts.push([]);
      // One core per shard: parallel workers on top would only oversubscribe the cores the shards share.
      const serial = async (trx: Kysely<DB>) => {
        await prepareIndicatorTransaction(trx);
        await sql`SET LOCAL max_parallel_workers_per_gather = 0`.execute(trx);
      };
      await serial(first);
      const rest = parts.slice(1).map((part) =>
        db
          .transaction()
          .setIsolationLevel('repeatable read')
          .execute(async (trx) => {
            await sql.raw(`SET TRANSACTION SNAPSHOT '${snapshot}'`).execute(trx);
            await serial(trx);
            return run(trx, { ...spec, accountIds: part });
          }),
      );
      return Promise.all([run(first, { ...spec, accountIds: parts[0] }), ...rest]);
    });
}

/**
 * Upserts the `computed` rows of a statement (`computed(lockAccounts)` returns its WITH … part) as of
 * `asOf`, in one statement. A row is only rewritten when its value, flag or detail changed, so a re-run
 * writes nothing. Run inside a transaction (SET LOCAL).
 */
export async function writeComputedValues(
  db: Kysely<DB>,
  asOf: string,
  computed: (lockAccounts: boolean) => RawBuilder<unknown>,
  scoringIndicators?: readonly string[],
): Promise<WrittenCounts> {
  // Per-row foreign-key checks were 18% of writing 160k rows. Every row written references an in-scope
  // account, which the statement locks FOR KEY SHARE (what each per-row check does), so the check is done
  // once and the triggers are off for this statement only — when the role may (sql/ingest.ts).
  if (!(await canCheckReferencesOnce(db, 'indicator_values'))) return writeStatement(db, asOf, computed(false), scoringIndicators);
  return withTriggersOff(db, () => writeStatement(db, asOf, computed(true), scoringIndicators));
}

async function writeStatement(db: Kysely<DB>, asOf: string, computed: RawBuilder<unknown>, scoringIndicators: readonly string[] | undefined): Promise<WrittenCounts> {
  // The scoring inputs come from `computed`, the rows this statement writes. A row left as it was (nothing
  // changed) holds a value, flag and detail IS NOT DISTINCT FROM the computed ones (the value is never NaN:
  // the statement turns NaN and ±Infinity into NULL), so this is what a read after the write returns. The
  // packed details ride along (a few bytes each) so that scoring reads nothing back for its drivers' sentences.
  const scoring = scoringIndicators
    ? // Column-wise per account (every aggregate of a group sees its rows in the same order): one json_agg per
      // column costs the server about half of one json_build_array per row (0.8 vs 1.7 s for 356k rows).
      sql<ScoringJson>`(SELECT coalesce(json_agg(json_build_array(g.account_id, g.p, g.v, g.f, g.dv, g.d) ORDER BY g.account_id), '[]'::json)
         FROM (SELECT account_id, json_agg(array_position(${[...scoringIndicators]}::text[], indicator)) AS p, json_agg(value::float8) AS v, json_agg(flag) AS f,
                      json_agg(detail_values) AS dv, json_agg(detail) AS d
               FROM computed WHERE indicator = ANY(${[...scoringIndicators]}::text[]) GROUP BY account_id) g)`
    : sql<null>`NULL::json`;
  const result = await sql<{ accounts: number; account_ids: number[]; written: number; ok: number; warning: number; critical: number; no_data: number; scoring: ScoringJson | null }>`
    ${computed},
    written AS (
      INSERT INTO indicator_values (account_id, as_of, indicator, value, flag, detail_values, detail)
      SELECT account_id, ${asOf}::date, indicator, value, flag, detail_values, detail FROM computed
      ON CONFLICT (account_id, as_of, indicator) DO UPDATE
        SET value = excluded.value, flag = excluded.flag, detail_values = excluded.detail_values, detail = excluded.detail, computed_at = now()
        WHERE (indicator_values.value, indicator_values.flag, indicator_values.detail_values, indicator_values.detail)
              IS DISTINCT FROM (excluded.value, excluded.flag, excluded.detail_values, excluded.detail)
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM scope)::int AS accounts,
           (SELECT coalesce(json_agg(account_id ORDER BY account_id), '[]'::json) FROM scope) AS account_ids,
           (SELECT count(*) FROM written)::int AS written,
           count(*) FILTER (WHERE flag = 'ok')::int AS ok,
           count(*) FILTER (WHERE flag = 'warning')::int AS warning,
           count(*) FILTER (WHERE flag = 'critical')::int AS critical,
           count(*) FILTER (WHERE flag = 'no-data')::int AS no_data,
           ${scoring} AS scoring
    FROM computed`.execute(db);
  const row = result.rows[0];
  if (!row) throw new RadarError('usage', 'indicator write returned no summary');
  const counts = { accounts: row.accounts, accountIds: row.account_ids.map(Number), written: row.written, ok: row.ok, warning: row.warning, critical: row.critical, noData: row.no_data };
  if (!scoringIndicators || !row.scoring) return counts;
  const count = scoringIndicators.length;
  const handed = row.scoring.map(([accountId, positions, values, flags, detailValues, details]): ScoringValueRow => {
    const packed = new Array<PackedDetail | null>(count).fill(null);
    positions.forEach((position, i) => (packed[position - 1] = { detailValues: detailValues[i]!, detail: details[i]! }));
    return { ...scoringValueRow(accountId, positions.map((position, i) => [position, values[i]!, flags[i]!] as const), count), packedDetails: packed };
  });
  return { ...counts, scoring: handed };
}

/**
 * Copies the indicators' detail field lists into indicator_detail_fields (for the indicator_values_readable
 * view): `wanted` holds every field of the indicators `ids`. Compared first and written only when a list
 * changed, so concurrent runs take no row locks here.
 */
export async function recordDetailFields(db: Kysely<DB>, ids: readonly string[], wanted: readonly DetailFieldRow[]): Promise<void> {
  const stored = await db.selectFrom('indicator_detail_fields').select(['indicator', 'position', 'name', 'kind', 'words']).where('indicator', 'in', [...ids]).execute();
  const key = (row: { indicator: string; position: number; name: string; kind: string; words: unknown }) => JSON.stringify([row.indicator, row.position, row.name, row.kind, row.words]);
  const storedKeys = new Set(stored.map(key));
  if (stored.length === wanted.length && wanted.every((row) => storedKeys.has(key(row)))) return;
  // Upsert, then drop positions past each list's end: a concurrent run doing the same waits, then agrees.
  if (wanted.length > 0) {
    await db
      .insertInto('indicator_detail_fields')
      .values(wanted.map((row) => ({ ...row, words: row.words && JSON.stringify(row.words) })))
      .onConflict((conflict) =>
        conflict.columns(['indicator', 'position']).doUpdateSet((eb) => ({ name: eb.ref('excluded.name'), kind: eb.ref('excluded.kind'), words: eb.ref('excluded.words') })),
      )
      .execute();
  }
  for (const indicator of ids) {
    await db.deleteFrom('indicator_detail_fields').where('indicator', '=', indicator).where('position', '>', wanted.filter((row) => row.indicator === indicator).length).execute();
  }
}

/** Stored indicator rows as of a day, optionally for some accounts only, details still packed. */
export async function readIndicatorRows(db: Kysely<DB>, asOf: string, accountIds?: readonly number[], indicators?: readonly string[]): Promise<StoredIndicatorRow[]> {
  let query = db
    .selectFrom('indicator_values')
    // Packed details as JSON (JSON.parse is native; the driver parses float8[] text in JavaScript), as evaluate does.
    .select(['account_id', 'as_of', 'indicator', 'value', 'flag', sql<(number | null)[] | null>`array_to_json(detail_values)`.as('detail_values'), 'detail', 'computed_at'])
    .where('as_of', '=', asOf)
    .orderBy('account_id')
    .orderBy('indicator');
  if (accountIds) {
    if (accountIds.length === 0) return [];
    // One array parameter: an IN list takes one parameter per id, and Postgres stops at 65,535.
    query = query.where(sql<boolean>`account_id = ANY(${[...accountIds]}::bigint[])`);
  }
  // Only the indicators asked for (scoring reads the model's): fewer rows and details over the wire.
  if (indicators) query = query.where(sql<boolean>`indicator = ANY(${[...indicators]}::text[])`);
  const rows = await query.execute();
  return rows.map((row) => ({
    accountId: row.account_id,
    asOf: row.as_of,
    indicator: row.indicator,
    value: row.value,
    flag: row.flag,
    detailValues: row.detail_values,
    detail: row.detail as { readonly [key: string]: Json } | null,
    // timestamptz arrives as Date on both drivers (sql/database.ts); the nested Generated<ColumnType> type hides it.
    computedAt: row.computed_at as unknown as Date,
  }));
}

export interface ScoringValueRow {
  readonly accountId: number;
  /** In the order of the `indicators` asked for; null (and flag 'no-data') where no row is stored. */
  readonly values: (number | null)[];
  readonly flags: string[];
  /** As the write statement hands them (not read back): each indicator's packed detail as stored, null where no row. */
  readonly packedDetails?: (PackedDetail | null)[];
}

/** A stored row's detail, still packed (indicators/detail.ts unpacks it). */
export interface PackedDetail {
  readonly detailValues: (number | null)[] | null;
  readonly detail: { readonly [key: string]: Json } | null;
}

/**
 * The values and flags scoring needs, one row per account, each indicator as its position in `indicators`
 * (no names, details or timestamps through the driver; readPackedDetails fetches the details of the few
 * indicators an account's drivers name).
 */
export async function readScoringValues(db: Kysely<DB>, asOf: string, accountIds: readonly number[], indicators: readonly string[]): Promise<ScoringValueRow[]> {
  if (accountIds.length === 0) return [];
  const result = await sql<{ account_id: number; v: Array<[number, number | null, string]> }>`
    SELECT account_id, json_agg(json_build_array(array_position(${[...indicators]}::text[], indicator), value, flag)) AS v
    FROM indicator_values
    WHERE as_of = ${asOf} AND account_id = ANY(${[...accountIds]}::bigint[]) AND indicator = ANY(${[...indicators]}::text[])
    GROUP BY account_id ORDER BY account_id`.execute(db);
  return result.rows.map((row) => scoringValueRow(row.account_id, row.v, indicators.length));
}

/** Per account: [account_id, 1-based positions in the indicators, values, flags, detail_values, details] (the write statement's scoring inputs). */
type ScoringJson = Array<[number, number[], (number | null)[], string[], ((number | null)[] | null)[], ({ readonly [key: string]: Json } | null)[]]>;

/** One account's scoring row from its (position, value, flag) triples, as read or as handed by the write. */
function scoringValueRow(accountId: number, triples: readonly (readonly [number, number | null, string])[], count: number): ScoringValueRow {
  const values = new Array<number | null>(count).fill(null);
  const flags = new Array<string>(count).fill('no-data');
  for (const [position, value, flag] of triples) {
    values[position - 1] = value;
    flags[position - 1] = flag;
  }
  return { accountId: Number(accountId), values, flags };
}

export interface PackedDetailRow extends PackedDetail {
  readonly accountId: number;
  readonly indicator: string;
}

/** The stored details of some (account, indicator) pairs as of a day, packed as stored (no row for a pair without a value row). */
export async function readPackedDetails(db: Kysely<DB>, asOf: string, pairs: readonly { accountId: number; indicator: string }[]): Promise<PackedDetailRow[]> {
  if (pairs.length === 0) return [];
  const result = await sql<{ v: Array<[number, string, (number | null)[] | null, { readonly [key: string]: Json } | null]> }>`
    SELECT coalesce(json_agg(json_build_array(v.account_id, v.indicator, array_to_json(v.detail_values), v.detail)), '[]'::json) AS v
    FROM indicator_values v
    JOIN unnest(${pairs.map((pair) => pair.accountId)}::bigint[], ${pairs.map((pair) => pair.indicator)}::text[]) AS w (account_id, indicator)
      ON v.account_id = w.account_id AND v.indicator = w.indicator
    WHERE v.as_of = ${asOf}`.execute(db);
  return (result.rows[0]?.v ?? []).map(([accountId, indicator, detailValues, detail]) => ({ accountId: Number(accountId), indicator, detailValues, detail }));
}

export interface AccountRef {
  readonly accountId: number;
  readonly externalId: string;
  readonly name: string;
}

/** An account by external id, or by numeric account id when no external id matches. */
export async function findAccount(db: Kysely<DB>, ref: string): Promise<AccountRef | undefined> {
  const byExternal = await db.selectFrom('accounts').select(['account_id', 'external_id', 'name']).where('external_id', '=', ref).executeTakeFirst();
  const row =
    byExternal ??
    (/^\d{1,15}$/.test(ref)
      ? await db.selectFrom('accounts').select(['account_id', 'external_id', 'name']).where('account_id', '=', Number(ref)).executeTakeFirst()
      : undefined);
  return row ? { accountId: row.account_id, externalId: row.external_id, name: row.name } : undefined;
}
