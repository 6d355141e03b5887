// The statement of an indicator run, built here from the indicator definitions and executed by the data
// layer (sql/indicators.ts). All indicators of one as-of day run as ONE statement:
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
import { max, min } from 'simple-statistics';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { RadarError } from '../pipelines/errors.ts';
import {
  countRows,
  inIndicatorShards as inShards,
  readIndicatorRows,
  readPackedDetails,
  readScoringValues,
  recordDetailFields,
  selectAccountIds,
  selectComputedRows,
  writeComputedValues,
  type ComputedRow,
  type DetailFieldRow,
  type PackedDetail,
} from '../sql/indicators.ts';
import type { DB } from '../sql/schema.ts';
import { unpackCustomDetail } from './custom/detail.ts';
import { metricLookbacks, metricPassAggregate, ofMetric, type MetricColumn } from './custom/metric.ts';
import { segmentFlagSql } from './flag.ts';
import { findIndicator } from './registry.ts';
import type { Flag, IndicatorDefinition, IndicatorDetail, IndicatorSqlContext, Thresholds } from './types.ts';

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

/**
 * Accounts active on D, with next renewal, ARR and coverage as of D. Active: the contract has started, and every
 * churn decided by D has been followed by a return by D (a paid subscription period from the churn's date on,
 * or a later renewal that is not a churn). Judged as of D, not for ever: a churned account that reactivates
 * is in scope again from its return (issue 15).
 */
function scopeSql(spec: IndicatorRunSpec, lockAccounts: boolean): RawBuilder<unknown> {
  const { asOf } = spec;
  const { d, knownBefore } = context(asOf, null);
  const renewing =
    spec.scope === 'renewing' ? sql`AND nr.next_renewal_on > ${d} AND nr.next_renewal_on <= ${d} + ${spec.horizonDays}::int` : sql``;
  const shard = spec.accountIds ? sql`AND a.account_id = ANY(${[...spec.accountIds]}::bigint[])` : sql``;
  return sql`
    SELECT a.account_id, a.segment, a.industry, a.contract_start, nr.next_renewal_on,
           coalesce(decided.live_arr_cents, in_force.arr_before_cents, a.arr_cents) AS arr_cents,
           -- Only two labels: whether a renewals row for a future date exists is usually learnt when it is decided (after D).
           CASE WHEN decided.live_arr_cents IS NOT NULL THEN 'decided' ELSE 'contract' END AS arr_source,
           ${coverageSql(spec)}
    FROM accounts a
    LEFT JOIN LATERAL (
      -- A churn's ARR after (0) is not what a reactivated account pays.
      SELECT CASE WHEN r.outcome <> 'churned' THEN r.arr_after_cents END AS live_arr_cents
      FROM renewals r
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
      -- No churn decided by D that the account has not come back from by D: a paid, unpaused period starting on
      -- or after the churn's renewal date, or a later renewal decided by D that is not a churn. Periods still
      -- billed during a notice (before the churn's date) are no return. Probes by primary key, churners only.
      AND NOT EXISTS (
        SELECT 1 FROM renewals c
        WHERE c.account_id = a.account_id AND c.outcome = 'churned' AND c.decided_at < ${knownBefore}
          AND NOT EXISTS (
            SELECT 1 FROM subscription_periods sp
            WHERE sp.account_id = c.account_id AND sp.amount_cents > 0 AND sp.status <> 'paused' AND sp.period_start >= c.renewal_date AND sp.period_start <= ${d})
          AND NOT EXISTS (
            SELECT 1 FROM renewals r
            WHERE r.account_id = c.account_id AND r.renewal_date > c.renewal_date AND r.outcome <> 'churned' AND r.decided_at < ${knownBefore}))
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

/**
 * A pass's test for an account list (a shard, explain), on rows it reads whole, put before the day tests
 * (`… AND`): the list's range first, so the other shards' rows (each shard reads them all) stop at one or
 * two integer comparisons, then the list itself, unless it fills its range (an 'all' run's shards of dense
 * ids): there the range alone is exact, and each row is spared a hash probe (and the planner a
 * 5,000-element array per partition). (min/max by loop: Math.min(...ids) overflows the stack past ~120k
 * ids, a shard at 1M accounts.)
 */
function inAccountList(ids: readonly number[] | undefined): RawBuilder<unknown> {
  if (!ids) return sql``;
  if (ids.length === 0) return sql`false AND`;
  const low = min([...ids]);
  const high = max([...ids]);
  const range = sql`account_id BETWEEN ${low}::bigint AND ${high}::bigint AND`;
  return new Set(ids).size === high - low + 1 ? range : sql`${range} account_id = ANY(${[...ids]}::bigint[]) AND`;
}

function usageStatsSql(spec: IndicatorRunSpec): RawBuilder<unknown> {
  const { selected, lookback } = sharedAggregates(spec, 'usage', sql`count(*) AS usage_days`);
  const { d, dayMinus } = context(spec.asOf, null);
  // No semi-join with scope: the planner turns it into one index probe per account, ~4× slower than
  // the plain day-range scan + hash aggregate a full run needs. Accounts out of scope are dropped by
  // the LEFT JOIN from scope. An explicit account list (a shard, explain) does use the primary key.
  const shard = inAccountList(spec.accountIds);
  return sql`
    SELECT account_id, ${selected}
    FROM usage_daily
    WHERE ${shard} day > ${dayMinus(Math.max(lookback, 1))} AND day <= ${d}
    GROUP BY account_id`;
}

/**
 * usage_metrics_daily over the longest window asked for, only the metrics asked for, in ONE hash aggregate
 * by account: each distinct (metric, window aggregate) is one `… FILTER (WHERE metric_id = … AND <window>)`
 * column, computed once whichever indicators ask for it, and every indicator's column is an alias of it.
 * (Grouping by (account, metric) first and pivoting the few rows per account afterwards hashed a text key
 * per row and aggregated twice: ~30% slower on bench:indicators' 1.8M rows.)
 */
function metricStatsSql(spec: IndicatorRunSpec): RawBuilder<unknown> {
  const distinct = new Map<string, { column: string; source: MetricColumn }>();
  const aliases: RawBuilder<unknown>[] = [];
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
      // Metric names are data (bound parameters), so the key pairs them as JSON rather than by a separator they could contain.
      const key = JSON.stringify([column.metric, column.shared]);
      let shared = distinct.get(key);
      if (!shared) {
        shared = { column: `mw_${distinct.size}`, source: column };
        distinct.set(key, shared);
      }
      aliases.push(sql`${sql.ref(shared.column)} AS ${sql.ref(name)}`);
    }
  }
  if (aliases.length === 0) return sql`SELECT NULL::bigint AS account_id WHERE false`;
  const runContext = context(spec.asOf, null);
  const { d, dayMinus } = runContext;
  // Every row of the window is tested, so the tests are the cheap forms: a few metrics as `metric_id = …`
  // (ofMetric), not `= ANY` (which costs as much again per row), each with its own first day when it needs
  // fewer days than the pass (rows of the days before go no further than the WHERE), and a shard's range
  // (inAccountList). With more than eight metrics, one list and the pass's days.
  const names = [...metrics];
  const passDays = Math.max(lookback, 1);
  const metricDays = metricLookbacks([...distinct.values()].map(({ source }) => source));
  const perMetric = names.length <= 8;
  // The days of a metric's rows the WHERE lets through.
  const rowsFrom = (name: string) => (perMetric ? Math.min(metricDays.get(name) ?? passDays, passDays) : passDays);
  const rowsOf = (name: string) => (rowsFrom(name) < passDays ? sql`(${ofMetric(name)} AND day > ${dayMinus(rowsFrom(name))})` : ofMetric(name));
  const ofMetrics = perMetric
    ? sql`(${sql.join(names.map(rowsOf), sql` OR `)})`
    : sql`metric_id = ANY(ARRAY(SELECT metric_id FROM usage_metric_names WHERE name = ANY(${names}::text[])))`;
  const aggregate = (source: MetricColumn) =>
    metricPassAggregate(runContext, source, { metricCount: names.length, lookbackDays: passDays, rowsFrom: rowsFrom(source.metric) });
  const shard = inAccountList(spec.accountIds);
  return sql`
    SELECT account_id, ${sql.join(aliases)}
    FROM (
      SELECT account_id, ${sql.join([...distinct.values()].map(({ column, source }) => sql`${aggregate(source)} AS ${sql.ref(column)}`))}
      FROM usage_metrics_daily
      WHERE ${shard} day > ${dayMinus(passDays)} AND day <= ${d} AND ${ofMetrics}
      GROUP BY account_id
    ) per_account`;
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
  // Indicators with a LATERAL form are evaluated together in one pass over the scope (see `lateral` in
  // types.ts); the others each get a CTE joined to the scope.
  const joined = spec.indicators.map((indicator, index) => ({ ...indicator, index })).filter(({ definition }) => !definition.lateral);
  const lateral = spec.indicators.filter(({ definition }) => definition.lateral);
  const ctes = joined.map(({ definition, config, index }) => sql`${sql.ref(`i${index}`)} AS (${definition.sql(context(spec.asOf, config))})`);
  const flagged = ({ definition, config }: ConfiguredIndicator, value: RawBuilder<number | null>) =>
    sql`${definition.id}::text AS indicator, x.value, ${segmentFlagSql(value, sql<string | null>`x.segment`, config, definition.riskDirection)} AS flag, x.detail_values, x.detail`;
  const cleaned = ({ definition }: ConfiguredIndicator) => sql`
    nullif(nullif(nullif(v.value::float8, 'NaN'::float8), 'Infinity'::float8), '-Infinity'::float8) AS value,
    v.detail_values,
    ${definition.detail.extras.length > 0 ? sql`coalesce(v.detail_extras, '{}'::jsonb)` : sql`'{}'::jsonb`} AS detail`;
  const branches = joined.map((indicator) => sql`
      SELECT x.account_id, ${flagged(indicator, sql<number | null>`x.value`)}
      FROM (
        SELECT s.account_id, s.segment, ${cleaned(indicator)}
        FROM scope s LEFT JOIN ${sql.ref(`i${indicator.index}`)} v USING (account_id)
      ) x`);
  if (lateral.length > 0) {
    // One pass over the scope joined with the shared passes; per account, one row per indicator. `OFFSET 0`
    // evaluates each indicator's value once: as a plain subquery it would be pulled up and its expression
    // copied into the cleaned value and each test of the flag.
    const rows = lateral.map((indicator) => sql`
      SELECT ${flagged(indicator, sql<number | null>`x.value`)}
      FROM (SELECT s.segment, ${cleaned(indicator)} FROM (${indicator.definition.lateral!(context(spec.asOf, indicator.config))} OFFSET 0) v) x`);
    const shared = new Map<string, RawBuilder<unknown>>();
    for (const { definition, config } of lateral) {
      for (const [alias, join] of Object.entries(definition.lateralJoins?.(context(spec.asOf, config)) ?? {})) {
        if (!IDENTIFIER.test(alias)) throw new RadarError('usage', `indicator ${definition.id}: lateral join alias "${alias}" is not a lower-case identifier`);
        if (!shared.has(alias)) shared.set(alias, join);
      }
    }
    const joins = [...shared].map(([alias, join]) => sql`LEFT JOIN LATERAL (${join}) ${sql.ref(alias)} ON true`);
    branches.push(sql`
      SELECT s.account_id, f.indicator, f.value, f.flag, f.detail_values, f.detail
      FROM scope s LEFT JOIN usage_stats u USING (account_id) LEFT JOIN metric_stats m USING (account_id) ${sql.join(joins, sql` `)}
      CROSS JOIN LATERAL (${sql.join(rows, sql` UNION ALL `)}) f`);
  }
  return sql`
    WITH scope AS MATERIALIZED (${scopeSql(spec, lockAccounts)}),
         usage_stats AS (${usageStatsSql(spec)}),
         metric_stats AS (${metricStatsSql(spec)}),
         invoice_stats AS (${invoiceStatsSql(spec)}),
         support_stats AS (${supportStatsSql(spec)}),
         ${ctes.length > 0 ? sql`${sql.join(ctes)},` : sql``}
         computed AS (${sql.join(branches, sql` UNION ALL `)})`;
}

/**
 * The detail object of a stored or computed row. Rows written before detail_values existed (migration
 * 0005) hold their whole detail in the jsonb column, as does a row whose indicator is no longer registered
 * and a custom indicator's row written before custom details were packed. Any other id is a custom
 * indicator's (config is not at hand here): its packed values name their kind (custom/detail.ts).
 */
export function unpackDetail(indicator: string, values: readonly (number | null)[] | null, stored: IndicatorDetail | null): IndicatorDetail {
  if (!values) return stored ?? {};
  const fields = findIndicator(indicator)?.detail;
  if (fields) return fields.unpack(values, stored);
  return unpackCustomDetail(values) ?? stored ?? {};
}

/** The accounts in scope as of spec.asOf, ascending (accounts and renewals only: a few ms). */
export async function scopeAccountIds(db: Kysely<DB>, spec: IndicatorRunSpec): Promise<number[]> {
  return selectAccountIds(db, scopeSql(spec, false));
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
  return countRows(db, indicatorCountStatement(spec));
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
 * Runs `run` on the spec's accounts in `shards` account shards at once on one snapshot (sql/indicators.ts
 * inIndicatorShards), a renewing run narrowed to its in-scope accounts first.
 */
export function inIndicatorShards<T>(db: Kysely<DB>, spec: IndicatorRunSpec, shards: number, run: (trx: Kysely<DB>, shard: IndicatorRunSpec) => Promise<T>): Promise<T[]> {
  return inShards(db, spec, shards, run, narrowToScope);
}

/** Computes every indicator for the in-scope accounts without writing anything. */
export async function evaluateIndicatorValues(db: Kysely<DB>, spec: IndicatorRunSpec): Promise<ComputedIndicatorValue[]> {
  const rows = await selectComputedRows(db, indicatorSelectStatement(spec));
  return rows.map((row) => ({
    accountId: row.account_id,
    indicator: row.indicator,
    value: row.value,
    flag: row.flag as Flag,
    detail: unpackDetail(row.indicator, row.detail_values, row.detail),
  }));
}

/**
 * Computes and upserts every indicator for the in-scope accounts as of spec.asOf, in one statement.
 * A row is only rewritten when its value, flag or detail changed, so a re-run writes nothing.
 * `accountIds`: the in-scope accounts the statement computed, ascending.
 * Run inside a transaction (SET LOCAL).
 */
export async function writeIndicatorValues(
  db: Kysely<DB>,
  runSpec: IndicatorRunSpec,
  options: { readonly scoringValues?: boolean } = {},
): Promise<WriteSummary & { readonly accountIds: number[]; readonly scoring?: ScoringValues }> {
  const spec = await narrowToScope(db, runSpec);
  const ids = spec.indicators.map(({ definition }) => definition.id);
  await recordDetailFields(db, ids, detailFieldRows(spec.indicators));
  const counts = await writeComputedValues(db, spec.asOf, (lockAccounts) => computedCtes(spec, lockAccounts), options.scoringValues ? ids : undefined);
  return {
    accounts: counts.accounts,
    accountIds: counts.accountIds,
    written: counts.written,
    flags: { ok: counts.ok, warning: counts.warning, critical: counts.critical, 'no-data': counts.noData },
    ...(counts.scoring ? { scoring: { asOf: spec.asOf, indicators: ids, rows: counts.scoring as unknown as ScoringValues['rows'] } } : {}),
  };
}

/**
 * The values and flags of the rows an indicator write has just stored, per account in the order of
 * `indicators` (as readValuesForScoring returns them): the daily run hands them to its score step.
 */
export interface ScoringValues {
  readonly asOf: string;
  readonly indicators: readonly string[];
  readonly rows: readonly { readonly accountId: number; readonly values: (number | null)[]; readonly flags: Flag[]; readonly packedDetails: readonly (PackedDetail | null)[] }[];
}

/** A handed row's detail of one indicator, unpacked as readDetailsForScoring unpacks a stored one ({} without a row). */
export function handedDetail(indicator: string, packed: PackedDetail | null | undefined): IndicatorDetail {
  return packed ? unpackDetail(indicator, packed.detailValues, packed.detail) : {};
}

/** The indicators' detail field lists as rows of indicator_detail_fields (for the indicator_values_readable view). */
function detailFieldRows(indicators: readonly ConfiguredIndicator[]): DetailFieldRow[] {
  return indicators.flatMap(({ definition }) =>
    definition.detail.names.map((name, index) => {
      const kind = definition.detail.kinds[name]!;
      return typeof kind === 'string'
        ? { indicator: definition.id, position: index + 1, name, kind, words: null }
        : { indicator: definition.id, position: index + 1, name, kind: 'words', words: kind };
    }),
  );
}

/**
 * Stored values and flags of some indicators for some accounts, one row per account in the order of
 * `indicators` (scoring's one read; no details: readDetailsForScoring fetches those of the drivers).
 */
export async function readValuesForScoring(
  db: Kysely<DB>,
  asOf: string,
  accountIds: readonly number[],
  indicators: readonly string[],
): Promise<{ accountId: number; values: (number | null)[]; flags: Flag[] }[]> {
  return (await readScoringValues(db, asOf, accountIds, indicators)) as { accountId: number; values: (number | null)[]; flags: Flag[] }[];
}

/** The stored details of some (account, indicator) pairs, by `${accountId}:${indicator}` (scoring's drivers). */
export async function readDetailsForScoring(db: Kysely<DB>, asOf: string, pairs: readonly { accountId: number; indicator: string }[]): Promise<Map<string, IndicatorDetail>> {
  const rows = await readPackedDetails(db, asOf, pairs);
  return new Map(rows.map((row) => [`${row.accountId}:${row.indicator}`, unpackDetail(row.indicator, row.detailValues, row.detail)]));
}

/** Stored indicator values as of a day, optionally for some accounts only. */
export async function readIndicatorValues(db: Kysely<DB>, asOf: string, accountIds?: readonly number[], indicators?: readonly string[]): Promise<StoredIndicatorValue[]> {
  const rows = await readIndicatorRows(db, asOf, accountIds, indicators);
  return rows.map(({ detailValues, ...row }) => ({ ...row, flag: row.flag as Flag, detail: unpackDetail(row.indicator, detailValues, row.detail) }));
}
