// Database access for indicators. All indicators of one as-of day run as ONE statement:
//
//   WITH scope AS MATERIALIZED (in-scope accounts as of D, with next renewal and ARR as of D),
//        usage_stats AS (one pass over usage_daily with every usage indicator's aggregates),
//        metric_stats AS (one pass over usage_metrics_daily with every custom indicator's aggregates),
//        invoice_stats AS (one pass over the invoices issued by D, with their point-in-time payment state),
//        support_stats AS (one pass over the support contacts of the longest window asked for),
//        i0 AS (<indicator 0 SELECT>), i1 AS (…), …,
//        computed AS (one row per in-scope account and indicator, with its flag)
//   INSERT INTO indicator_values … ON CONFLICT DO UPDATE … WHERE something changed
//
// so the point-in-time rules for accounts, renewals and invoices live here once, usage_daily, invoices
// and support_contacts are each aggregated in one pass, and a re-run for the same day writes nothing (rows, computed_at included, stay as they were).
// Every value in the SQL is a bound parameter; identifiers come from code (checked below).
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { flagSql } from '../indicators/flag.ts';
import { findIndicator } from '../indicators/registry.ts';
import type { Flag, IndicatorDefinition, IndicatorDetail, IndicatorSqlContext, Thresholds } from '../indicators/types.ts';
import { RadarError } from '../pipelines/errors.ts';
import { canCheckReferencesOnce, withTriggersOff } from './ingest.ts';
import type { DB } from './schema.ts';

export type IndicatorScope = 'renewing' | 'all';

/** Where an account's coverage starts (a covered day without a usage row counts as zero usage). */
export type CoverageStart = 'contractStart' | 'firstReportedDay';

/** One indicator with its parsed config section. */
export interface ConfiguredIndicator {
  readonly definition: IndicatorDefinition;
  readonly config: Thresholds;
}

export interface IndicatorRunSpec {
  /** 'YYYY-MM-DD'. */
  readonly asOf: string;
  readonly indicators: readonly ConfiguredIndicator[];
  readonly scope: IndicatorScope;
  /** 'renewing' scope: next renewal in (D, D + horizonDays]. */
  readonly horizonDays: number;
  /** Restrict to these accounts (a shard, or one account for explain). */
  readonly accountIds?: readonly number[] | undefined;
  /** Default 'contractStart'. */
  readonly coverageStart?: CoverageStart | undefined;
}

export interface ComputedIndicatorValue {
  readonly accountId: number;
  readonly indicator: string;
  readonly value: number | null;
  readonly flag: Flag;
  readonly detail: IndicatorDetail;
}

export interface StoredIndicatorValue extends ComputedIndicatorValue {
  readonly asOf: string;
  readonly computedAt: Date;
}

export interface WriteSummary {
  /** In-scope accounts. */
  readonly accounts: number;
  /** Rows inserted or changed (0 on an identical re-run). */
  readonly written: number;
  readonly flags: Readonly<Record<Flag, number>>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

function context<C>(asOf: string, config: C): IndicatorSqlContext<C> {
  const dayMinus = (days: number) => sql<string>`(${asOf}::date - ${days}::int)`;
  const startOfDayMinus = (days: number) => sql<Date>`((${asOf}::date - ${days}::int)::timestamp AT TIME ZONE 'UTC')`;
  return { asOf, config, d: sql<string>`${asOf}::date`, dayMinus, startOfDayMinus, knownBefore: startOfDayMinus(-1) };
}

/**
 * The first covered day of each usage table: the contract start, or the first day the account reported by D
 * (one primary-key probe per account; usage for D is known at the end of D, so day ≤ D).
 */
function coverageSql(spec: IndicatorRunSpec): RawBuilder<unknown> {
  if (spec.coverageStart !== 'firstReportedDay') return sql`a.contract_start AS usage_from, a.contract_start AS metrics_from`;
  const d = sql`${spec.asOf}::date`;
  return sql`(SELECT min(u.day) FROM usage_daily u WHERE u.account_id = a.account_id AND u.day <= ${d}) AS usage_from,
             (SELECT min(m.day) FROM usage_metrics_daily m WHERE m.account_id = a.account_id AND m.day <= ${d}) AS metrics_from`;
}

/** Accounts active on D (contract started, no churn decided by then), with next renewal, ARR and coverage as of D. */
function scopeSql(spec: IndicatorRunSpec, lockAccounts: boolean): RawBuilder<unknown> {
  const { asOf } = spec;
  const { d, knownBefore } = context(asOf, null);
  const renewing =
    spec.scope === 'renewing' ? sql`AND nr.next_renewal_on > ${d} AND nr.next_renewal_on <= ${d} + ${spec.horizonDays}::int` : sql``;
  const shard = spec.accountIds ? sql`AND a.account_id = ANY(${[...spec.accountIds]}::bigint[])` : sql``;
  return sql`
    SELECT a.account_id, a.segment, a.industry, a.contract_start, nr.next_renewal_on,
           coalesce(decided.arr_after_cents, in_force.arr_before_cents, a.arr_cents) AS arr_cents,
           -- Only two labels: whether a renewals row for a future date exists is usually learnt when it is decided (after D).
           CASE WHEN decided.arr_after_cents IS NOT NULL THEN 'decided' ELSE 'contract' END AS arr_source,
           ${coverageSql(spec)}
    FROM accounts a
    LEFT JOIN LATERAL (
      SELECT r.arr_after_cents FROM renewals r
      WHERE r.account_id = a.account_id AND r.decided_at < ${knownBefore}
      ORDER BY r.decided_at DESC, r.renewal_date DESC LIMIT 1
    ) decided ON true
    LEFT JOIN LATERAL (
      SELECT r.renewal_date, r.arr_before_cents FROM renewals r
      WHERE r.account_id = a.account_id AND r.renewal_date > ${d}
      ORDER BY r.renewal_date LIMIT 1
    ) in_force ON true
    CROSS JOIN LATERAL (
      SELECT coalesce(in_force.renewal_date, CASE WHEN a.renewal_date > ${d} THEN a.renewal_date END) AS next_renewal_on
    ) nr
    WHERE a.contract_start <= ${d}
      AND NOT EXISTS (SELECT 1 FROM renewals c WHERE c.account_id = a.account_id AND c.outcome = 'churned' AND c.decided_at < ${knownBefore})
      ${renewing} ${shard}
    ${lockAccounts ? sql`FOR KEY SHARE OF a` : sql``}`;
}

type SharedPass = 'usage' | 'invoices' | 'support';

/** The aggregates every indicator adds to one shared pass, and the longest lookback they need. */
function sharedAggregates(spec: IndicatorRunSpec, pass: SharedPass, fallback: RawBuilder<unknown>): { selected: RawBuilder<unknown>; lookback: number } {
  const columns: RawBuilder<unknown>[] = [];
  const seen = new Set<string>();
  let lookback = 0;
  for (const { definition, config } of spec.indicators) {
    const contribution = definition[pass];
    if (!contribution) continue;
    if ('lookbackDays' in contribution) lookback = Math.max(lookback, contribution.lookbackDays(config));
    for (const [name, aggregate] of Object.entries(contribution.aggregates(context(spec.asOf, config)))) {
      if (!IDENTIFIER.test(name) || seen.has(name)) throw new RadarError('usage', `indicator ${definition.id}: ${pass} aggregate name "${name}" is not a unique lower-case identifier`);
      seen.add(name);
      columns.push(sql`${aggregate} AS ${sql.ref(name)}`);
    }
  }
  return { selected: columns.length > 0 ? sql.join(columns) : fallback, lookback };
}

function usageStatsSql(spec: IndicatorRunSpec): RawBuilder<unknown> {
  const { selected, lookback } = sharedAggregates(spec, 'usage', sql`count(*) AS usage_days`);
  const { d, dayMinus } = context(spec.asOf, null);
  // No semi-join with scope: the planner turns it into one index probe per account, ~4× slower than
  // the plain day-range scan + hash aggregate a full run needs. Accounts out of scope are dropped by
  // the LEFT JOIN from scope. An explicit account list (a shard, explain) does use the primary key.
  const shard = spec.accountIds ? sql`AND account_id = ANY(${[...spec.accountIds]}::bigint[])` : sql``;
  return sql`
    SELECT account_id, ${selected}
    FROM usage_daily
    WHERE day > ${dayMinus(Math.max(lookback, 1))} AND day <= ${d} ${shard}
    GROUP BY account_id`;
}

/**
 * usage_metrics_daily over the longest window asked for, only the metrics asked for: each distinct window
 * aggregate is computed once per (account, metric), whichever indicators and metrics ask for it, then
 * pivoted to one row per account (`max(…) FILTER (WHERE metric = …)` over that account's few rows), so
 * twelve custom indicators do not each filter every row.
 */
function metricStatsSql(spec: IndicatorRunSpec): RawBuilder<unknown> {
  const inner = new Map<string, RawBuilder<unknown>>();
  const pivoted: RawBuilder<unknown>[] = [];
  const columns = new Set<string>();
  const metrics = new Set<string>();
  let lookback = 0;
  for (const { definition, config } of spec.indicators) {
    if (!definition.metrics) continue;
    lookback = Math.max(lookback, definition.metrics.lookbackDays(config));
    for (const [name, column] of Object.entries(definition.metrics.aggregates(context(spec.asOf, config)))) {
      if (!IDENTIFIER.test(name) || !IDENTIFIER.test(column.shared) || columns.has(name)) {
        throw new RadarError('usage', `indicator ${definition.id}: metric aggregate names "${name}"/"${column.shared}" are not unique lower-case identifiers`);
      }
      columns.add(name);
      metrics.add(column.metric);
      if (!inner.has(column.shared)) inner.set(column.shared, column.aggregate);
      pivoted.push(sql`max(${sql.ref(column.shared)}) FILTER (WHERE metric = ${column.metric}) AS ${sql.ref(name)}`);
    }
  }
  if (pivoted.length === 0) return sql`SELECT NULL::bigint AS account_id WHERE false`;
  const { d, dayMinus } = context(spec.asOf, null);
  const shard = spec.accountIds ? sql`AND account_id = ANY(${[...spec.accountIds]}::bigint[])` : sql``;
  return sql`
    SELECT account_id, ${sql.join(pivoted)}
    FROM (
      SELECT account_id, metric, ${sql.join([...inner].map(([name, aggregate]) => sql`${aggregate} AS ${sql.ref(name)}`))}
      FROM usage_metrics_daily
      WHERE day > ${dayMinus(Math.max(lookback, 1))} AND day <= ${d} AND metric = ANY(${[...metrics]}::text[]) ${shard}
      GROUP BY account_id, metric
    ) per_metric
    GROUP BY account_id`;
}

/** Invoices issued by D (void excluded) with their point-in-time payment state, aggregated per account. */
function invoiceStatsSql(spec: IndicatorRunSpec): RawBuilder<unknown> {
  const { selected } = sharedAggregates(spec, 'invoices', sql`count(*) AS invoice_count`);
  const { d, knownBefore } = context(spec.asOf, null);
  return sql`
    SELECT account_id, ${selected}
    FROM (
      SELECT i.account_id, i.invoice_id, i.issued_on, i.due_on, i.amount_cents, i.failed_attempts, p.paid,
             greatest(0, CASE WHEN p.paid THEN (i.paid_at AT TIME ZONE 'UTC')::date ELSE ${d} END - i.due_on) AS delay_days,
             row_number() OVER (PARTITION BY i.account_id ORDER BY i.issued_on DESC, i.invoice_id DESC) AS recency
      FROM invoices i
      CROSS JOIN LATERAL (SELECT coalesce(i.paid_at < ${knownBefore}, false) AS paid) p
      WHERE i.issued_on <= ${d} AND i.status <> 'void' AND i.account_id IN (SELECT account_id FROM scope)
    ) invoices_asof
    GROUP BY account_id`;
}

/** Support contacts opened in the longest window asked for (and known by D), aggregated per account. */
function supportStatsSql(spec: IndicatorRunSpec): RawBuilder<unknown> {
  const { selected, lookback } = sharedAggregates(spec, 'support', sql`count(*) AS contacts`);
  const { startOfDayMinus, knownBefore } = context(spec.asOf, null);
  return sql`
    SELECT account_id, ${selected}
    FROM support_contacts
    WHERE account_id IN (SELECT account_id FROM scope)
      AND opened_at >= ${startOfDayMinus(Math.max(lookback, 1) - 1)} AND opened_at < ${knownBefore}
    GROUP BY account_id`;
}

/**
 * The WITH … computed(account_id, indicator, value, flag, detail_values, detail) part shared by evaluate and
 * write. `lockAccounts`: lock the in-scope accounts FOR KEY SHARE, the foreign key's own check, done once.
 */
function computedCtes(spec: IndicatorRunSpec, lockAccounts = false): RawBuilder<unknown> {
  if (spec.indicators.length === 0) throw new RadarError('usage', 'no indicators to compute');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(spec.asOf)) throw new RadarError('usage', `as-of date must be YYYY-MM-DD, got ${JSON.stringify(spec.asOf)}`);
  const ctes = spec.indicators.map(({ definition, config }, index) => sql`${sql.ref(`i${index}`)} AS (${definition.sql(context(spec.asOf, config))})`);
  const branches = spec.indicators.map(({ definition, config }, index) => {
    const value = sql<number | null>`x.value`;
    return sql`
      SELECT x.account_id, ${definition.id}::text AS indicator, x.value, ${flagSql(value, config, definition.riskDirection)} AS flag, x.detail_values, x.detail
      FROM (
        SELECT s.account_id,
               nullif(nullif(nullif(v.value::float8, 'NaN'::float8), 'Infinity'::float8), '-Infinity'::float8) AS value,
               v.detail_values,
               ${definition.detail.extras.length > 0 ? sql`coalesce(v.detail_extras, '{}'::jsonb)` : sql`'{}'::jsonb`} AS detail
        FROM scope s LEFT JOIN ${sql.ref(`i${index}`)} v USING (account_id)
      ) x`;
  });
  return sql`
    WITH scope AS MATERIALIZED (${scopeSql(spec, lockAccounts)}),
         usage_stats AS (${usageStatsSql(spec)}),
         metric_stats AS (${metricStatsSql(spec)}),
         invoice_stats AS (${invoiceStatsSql(spec)}),
         support_stats AS (${supportStatsSql(spec)}),
         ${sql.join(ctes)},
         computed AS (${sql.join(branches, sql` UNION ALL `)})`;
}

export interface ComputedRow {
  account_id: number;
  indicator: string;
  value: number | null;
  flag: Flag;
  /** The indicator's detail fields, packed (indicators/detail.ts); NULL when it returned no row for the account. */
  detail_values: (number | null)[] | null;
  /** Detail extras kept as jsonb ({} for most indicators; NULL instead of {} when evaluated). */
  detail: IndicatorDetail | null;
}

/**
 * The detail object of a stored or computed row. Rows written before detail_values existed (migration
 * 0005) hold their whole detail in the jsonb column, as does a row whose indicator is no longer registered.
 */
export function unpackDetail(indicator: string, values: readonly (number | null)[] | null, stored: IndicatorDetail | null): IndicatorDetail {
  const fields = values ? findIndicator(indicator)?.detail : undefined;
  return fields ? fields.unpack(values, stored) : (stored ?? {});
}

/** The accounts in scope as of spec.asOf, ascending (accounts and renewals only: a few ms). */
export async function scopeAccountIds(db: Kysely<DB>, spec: IndicatorRunSpec): Promise<number[]> {
  const result = await sql<{ account_id: number }>`SELECT account_id FROM (${scopeSql(spec, false)}) s ORDER BY account_id`.execute(db);
  return result.rows.map((row) => row.account_id);
}

/**
 * A 'renewing' run names its accounts up front, so the usage pass reads their rows through the primary key
 * instead of aggregating every account's last 120 days and keeping a quarter: half the time of a renewing
 * day on 10k accounts. The statement still applies the scope rules itself; an account that enters the
 * scope between the two statements waits for the next run, as if this one had started a moment earlier.
 */
async function narrowToScope(db: Kysely<DB>, spec: IndicatorRunSpec): Promise<IndicatorRunSpec> {
  if (spec.accountIds || spec.scope !== 'renewing') return spec;
  return { ...spec, accountIds: await scopeAccountIds(db, spec) };
}

/** Counts the computed rows without shipping them: the cost of the computation alone (benchmarks). */
export async function countComputedRows(db: Kysely<DB>, spec: IndicatorRunSpec): Promise<number> {
  // Every output column is referenced, so the planner cannot prune value/flag/detail (or the joins
  // feeding them) out of the subquery: this measures the full computation, minus shipping the rows
  // (and minus the ORDER BY, which only the rows shipped to Node need).
  const result = await indicatorCountStatement(spec).execute(db);
  return result.rows[0]?.n ?? 0;
}

/** The statement countComputedRows runs (for EXPLAIN). */
export function indicatorCountStatement(spec: IndicatorRunSpec): RawBuilder<{ n: number; touched: number }> {
  return sql<{ n: number; touched: number }>`
    ${computedCtes(spec)}
    SELECT count(*)::int AS n, count(value) + count(flag) + count(detail_values) + count(detail) AS touched FROM computed`;
}

/** The read-only statement, for EXPLAIN and for reviewers who want to read the SQL (`.compile(db)`). */
export function indicatorSelectStatement(spec: IndicatorRunSpec): RawBuilder<ComputedRow> {
  // Packed details travel as JSON text (JSON.parse is native; the driver's float8[] parser walks the text
  // in JavaScript and was 30% of an evaluate), and the usual empty extras as NULL.
  return sql<ComputedRow>`
    ${computedCtes(spec)}
    SELECT account_id, indicator, value, flag, array_to_json(detail_values) AS detail_values, nullif(detail, '{}'::jsonb) AS detail
    FROM computed ORDER BY account_id, indicator`;
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
 */
export async function inIndicatorShards<T>(
  db: Kysely<DB>,
  spec: IndicatorRunSpec,
  shards: number,
  run: (trx: Kysely<DB>, shard: IndicatorRunSpec) => Promise<T>,
): Promise<T[]> {
  if (!Number.isInteger(shards) || shards < 1) throw new RadarError('usage', `shards must be a whole number ≥ 1, got ${shards}`);
  if (shards === 1) {
    return [await db.transaction().execute(async (trx) => { await prepareIndicatorTransaction(trx); return run(trx, await narrowToScope(trx, spec)); })];
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
      const named = (await narrowToScope(first, spec)).accountIds;
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

/** Computes every indicator for the in-scope accounts without writing anything. */
export async function evaluateIndicatorValues(db: Kysely<DB>, spec: IndicatorRunSpec): Promise<ComputedIndicatorValue[]> {
  const result = await indicatorSelectStatement(spec).execute(db);
  return result.rows.map((row) => ({
    accountId: row.account_id,
    indicator: row.indicator,
    value: row.value,
    flag: row.flag,
    detail: unpackDetail(row.indicator, row.detail_values, row.detail),
  }));
}

/**
 * Computes and upserts every indicator for the in-scope accounts as of spec.asOf, in one statement.
 * A row is only rewritten when its value, flag or detail changed, so a re-run writes nothing.
 * Run inside a transaction (SET LOCAL).
 */
export async function writeIndicatorValues(db: Kysely<DB>, runSpec: IndicatorRunSpec): Promise<WriteSummary> {
  const spec = await narrowToScope(db, runSpec);
  await recordDetailFields(db, spec.indicators);
  // Per-row foreign-key checks were 18% of writing 160k rows. Every row written references an in-scope
  // account, which the statement locks FOR KEY SHARE (what each per-row check does), so the check is done
  // once and the triggers are off for this statement only — when the role may (sql/ingest.ts).
  if (!(await canCheckReferencesOnce(db, 'indicator_values'))) return writeStatement(db, spec, false);
  return withTriggersOff(db, () => writeStatement(db, spec, true));
}

async function writeStatement(db: Kysely<DB>, spec: IndicatorRunSpec, lockAccounts: boolean): Promise<WriteSummary> {
  const result = await sql<{ accounts: number; written: number; ok: number; warning: number; critical: number; no_data: number }>`
    ${computedCtes(spec, lockAccounts)},
    written AS (
      INSERT INTO indicator_values (account_id, as_of, indicator, value, flag, detail_values, detail)
      SELECT account_id, ${spec.asOf}::date, indicator, value, flag, detail_values, detail FROM computed
      ON CONFLICT (account_id, as_of, indicator) DO UPDATE
        SET value = excluded.value, flag = excluded.flag, detail_values = excluded.detail_values, detail = excluded.detail, computed_at = now()
        WHERE (indicator_values.value, indicator_values.flag, indicator_values.detail_values, indicator_values.detail)
              IS DISTINCT FROM (excluded.value, excluded.flag, excluded.detail_values, excluded.detail)
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM scope)::int AS accounts,
           (SELECT count(*) FROM written)::int AS written,
           count(*) FILTER (WHERE flag = 'ok')::int AS ok,
           count(*) FILTER (WHERE flag = 'warning')::int AS warning,
           count(*) FILTER (WHERE flag = 'critical')::int AS critical,
           count(*) FILTER (WHERE flag = 'no-data')::int AS no_data
    FROM computed`.execute(db);
  const row = result.rows[0];
  if (!row) throw new RadarError('usage', 'indicator write returned no summary');
  return { accounts: row.accounts, written: row.written, flags: { ok: row.ok, warning: row.warning, critical: row.critical, 'no-data': row.no_data } };
}

/**
 * Copies the indicators' detail field lists into indicator_detail_fields (for the indicator_values_readable
 * view). Compared first and written only when a list changed, so concurrent runs take no row locks here.
 */
async function recordDetailFields(db: Kysely<DB>, indicators: readonly ConfiguredIndicator[]): Promise<void> {
  const wanted = indicators.flatMap(({ definition }) =>
    definition.detail.names.map((name, index) => {
      const kind = definition.detail.kinds[name]!;
      return typeof kind === 'string'
        ? { indicator: definition.id, position: index + 1, name, kind, words: null }
        : { indicator: definition.id, position: index + 1, name, kind: 'words', words: kind };
    }),
  );
  const ids = indicators.map(({ definition }) => definition.id);
  const stored = await db.selectFrom('indicator_detail_fields').select(['indicator', 'position', 'name', 'kind', 'words']).where('indicator', 'in', ids).execute();
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
  for (const { definition } of indicators) {
    await db.deleteFrom('indicator_detail_fields').where('indicator', '=', definition.id).where('position', '>', definition.detail.names.length).execute();
  }
}

/** Stored indicator values as of a day, optionally for some accounts only. */
export async function readIndicatorValues(db: Kysely<DB>, asOf: string, accountIds?: readonly number[]): Promise<StoredIndicatorValue[]> {
  let query = db
    .selectFrom('indicator_values')
    .select(['account_id', 'as_of', 'indicator', 'value', 'flag', 'detail_values', 'detail', 'computed_at'])
    .where('as_of', '=', asOf)
    .orderBy('account_id')
    .orderBy('indicator');
  if (accountIds) {
    if (accountIds.length === 0) return [];
    query = query.where('account_id', 'in', [...accountIds]);
  }
  const rows = await query.execute();
  return rows.map((row) => ({
    accountId: row.account_id,
    asOf: row.as_of,
    indicator: row.indicator,
    value: row.value,
    flag: row.flag as Flag,
    detail: unpackDetail(row.indicator, row.detail_values, row.detail as IndicatorDetail),
    // timestamptz arrives as Date on both drivers (sql/database.ts); the nested Generated<ColumnType> type hides it.
    computedAt: row.computed_at as unknown as Date,
  }));
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
