// Building blocks of the custom kinds: where a metric is read from, the aggregates an indicator adds to the
// shared passes (usage_stats over usage_daily, metric_stats over usage_metrics_daily), and the SELECT
// every kind returns. Metric and signal names reach the SQL only as bound parameters; column names are
// usage_daily's own (a fixed list) or derived from the checked id.
import { sql, type RawBuilder } from 'kysely';
import { USAGE_DAILY_METRICS } from '../../config/sources.ts';
import type { CoverageColumn } from '../coverage.ts';
import type { IndicatorSqlContext } from '../types.ts';
import { packCustomDetail } from './detail.ts';
import type { CustomKind } from './schema.ts';
import { latestSignalProbe, sharedSignalAsG, signalAlias } from './signal.ts';

export type Pass = 'usage' | 'metrics';

/** Where a metric's daily values come from. */
export interface MetricSource {
  readonly pass: Pass;
  readonly coverage: CoverageColumn;
  /** The daily value in the pass's rows. */
  readonly value: RawBuilder<number>;
}

/** usage_daily's columns (active_users, sessions, events, minutes) win over a usage_metrics_daily metric of the same name. */
export function metricSource(name: string): MetricSource {
  if ((USAGE_DAILY_METRICS as readonly string[]).includes(name)) return { pass: 'usage', coverage: 'usage_from', value: sql.ref(name) };
  return { pass: 'metrics', coverage: 'metrics_from', value: METRIC_VALUE };
}

/** The daily value of a usage_metrics_daily row (the metric pass reads every metric from this one column). */
const METRIC_VALUE = sql<number>`value`;

/**
 * The rows of the metric `name`: its id, looked up once per statement (an InitPlan), so each row's test is an
 * integer comparison (migration 0020). A name no load has fed has no id: no row matches, as before.
 */
export function ofMetric(name: string): RawBuilder<boolean> {
  return sql<boolean>`metric_id = (SELECT metric_id FROM usage_metric_names WHERE name = ${name})`;
}

type Context = Pick<IndicatorSqlContext<unknown>, 'dayMinus' | 'd'>;

/**
 * The day tests of `op`'s window: after its first day, and up to its last when it ends before D. `rowsFrom`:
 * the rows tested are known to be of the last `rowsFrom` days (the pass's WHERE), so a window reaching that
 * far back needs no first-day test.
 */
function windowDayTests(context: Pick<Context, 'dayMinus'>, op: WindowOp, rowsFrom?: number): RawBuilder<boolean>[] {
  const start = op.endDaysAgo + op.length;
  const tests: RawBuilder<boolean>[] = [];
  if (rowsFrom === undefined || start < rowsFrom) tests.push(sql<boolean>`day > ${context.dayMinus(start)}`);
  if (op.endDaysAgo > 0) tests.push(sql<boolean>`day <= ${context.dayMinus(op.endDaysAgo)}`);
  return tests;
}

/** An aggregate of one metric over one window: Σ value, days with value > 0, last such day, Σ (day − D)·value, or average seats (usage_daily). */
export interface WindowOp {
  readonly fn: 'sum' | 'positiveDays' | 'lastPositiveDay' | 'sumXY' | 'avgSeats';
  readonly length: number;
  readonly endDaysAgo: number;
}

/** How windowAggregate picks its rows beyond the window's days. */
export interface WindowRows {
  /** The metric's rows, in the metric pass (which reads every metric asked for). */
  readonly rows?: RawBuilder<boolean>;
  /** Test `rows` before the days (for a window most of the pass's rows fall in). */
  readonly metricFirst?: boolean;
  /** The rows are of the last `rowsFrom` days already (see windowDayTests). */
  readonly rowsFrom?: number;
}

/** `op` over the rows of its window (FILTER omitted when nothing is left to test). */
export function windowAggregate(context: Context, value: RawBuilder<number>, op: WindowOp, pick: WindowRows = {}): RawBuilder<unknown> {
  const days = windowDayTests(context, op, pick.rowsFrom);
  const tests = pick.rows ? (pick.metricFirst ? [pick.rows, ...days] : [...days, pick.rows]) : days;
  const filter = (...more: RawBuilder<boolean>[]) => {
    const all = [...tests, ...more];
    return all.length > 0 ? sql` FILTER (WHERE ${sql.join(all, sql` AND `)})` : sql``;
  };
  switch (op.fn) {
    case 'sum':
      return sql`sum(${value})${filter()}`;
    case 'positiveDays':
      return sql`count(*)${filter(sql<boolean>`${value} > 0`)}`;
    case 'lastPositiveDay':
      return sql`max(day)${filter(sql<boolean>`${value} > 0`)}`;
    case 'sumXY':
      return sql`sum((day - ${context.d}) * ${value})${filter()}`;
    case 'avgSeats':
      return sql`avg(licensed_seats)${filter(sql<boolean>`licensed_seats > 0`)}`;
  }
}

/**
 * A column of the metric pass: the window aggregate `shared` (the same name for every indicator asking for
 * the same window) of `op` over the metric's rows, computed once per account and (metric, shared) whichever
 * indicators ask for it. The pass builds the aggregate (metricPassAggregate): how it tests the metric
 * depends on every metric the pass reads. See indicators/statement.ts metricStatsSql.
 */
export interface MetricColumn {
  readonly metric: string;
  readonly shared: string;
  readonly op: WindowOp;
}

/** The longest window the columns ask of each metric (days before D), which bounds the rows the pass reads of it. */
export function metricLookbacks(columns: Iterable<MetricColumn>): Map<string, number> {
  const days = new Map<string, number>();
  for (const { metric, op } of columns) days.set(metric, Math.max(days.get(metric) ?? 0, op.endDaysAgo + op.length));
  return days;
}

/**
 * A metric pass column's aggregate, in a pass over `metricCount` metrics and the last `lookbackDays` days, whose
 * WHERE holds only rows of the last `rowsFrom` days for this column's metric. Every row of the pass is tested by
 * every column, so the tests are as few and as cheap as they can be: with one metric the WHERE already holds
 * only its rows (no metric test); otherwise the test more rows fail goes first: the metric (1 in metricCount
 * rows pass) for a window longer than lookbackDays / metricCount days, else the days; and a window reaching
 * back to rowsFrom needs no first-day test.
 */
export function metricPassAggregate(context: Context, column: MetricColumn, pass: { metricCount: number; lookbackDays: number; rowsFrom: number }): RawBuilder<unknown> {
  if (pass.metricCount <= 1) return windowAggregate(context, METRIC_VALUE, column.op, { rowsFrom: pass.rowsFrom });
  const metricFirst = column.op.length * pass.metricCount > pass.lookbackDays;
  return windowAggregate(context, METRIC_VALUE, column.op, { rows: ofMetric(column.metric), metricFirst, rowsFrom: pass.rowsFrom });
}

/** The aggregates one custom indicator adds to the shared passes, each named c_<id>_<key>. */
export class PassAggregates {
  readonly usage: Record<string, RawBuilder<unknown>> = {};
  readonly metrics: Record<string, MetricColumn> = {};
  constructor(
    private readonly id: string,
    private readonly context: Context,
  ) {}

  /** Adds `op` over the metric `name` (read through `source`); returns the column as the kind's SELECT reads it. */
  add(metric: string, key: string, op: WindowOp): RawBuilder<number | null> {
    const source = metricSource(metric);
    const name = `c_${this.id.toLowerCase()}_${key}`;
    if (source.pass === 'usage') {
      this.usage[name] = windowAggregate(this.context, source.value, op);
      return sql.ref(`u.${name}`);
    }
    const shared = `w_${op.fn.toLowerCase()}_${op.length}_${op.endDaysAgo}`;
    this.metrics[name] = { metric, shared, op };
    return sql.ref(`m.${name}`);
  }
}

/** What a kind computes, before it becomes a SELECT. */
export interface KindParts {
  /** Named per-account facts (the FROM joins scope s with usage_stats u, metric_stats m and `joins`). */
  readonly facts: Readonly<Record<string, RawBuilder<unknown>>>;
  /** The value, over the facts (refer to them with sql.ref(name)). */
  readonly value: RawBuilder<number | null>;
  /** Detail fields, over the facts: the kind's fields of DETAIL_FIELD_KINDS (detail.ts), packed by the statement. */
  readonly detail: Readonly<Record<string, RawBuilder<unknown>>>;
  /** Extra joins after the stats (e.g. a windowed LATERAL over account_signals). */
  readonly joins?: RawBuilder<unknown>;
  /** A signal whose latest two observations the facts read as `g` (signal.ts), probed once per signal in the statement. */
  readonly signal?: string;
}

/** A kind's parts as given (the kinds return them; definition.ts builds both SELECT forms below from them). */
export const kindParts = (parts: KindParts): KindParts => parts;

/**
 * The indicator's one row for the scope row `s` (with usage_stats `u` and metric_stats `m` joined by the
 * caller), as a LATERAL subquery of (value, detail_values): the statement evaluates every
 * custom indicator this way in one pass over the scope (indicators/statement.ts), instead of joining the
 * scope with the passes again for each. The detail is packed (detail.ts: the kind, then its fields), from a
 * row of the detail fields so each is evaluated once. `OFFSET 0` keeps the facts a subquery of their own:
 * pulled up, each fact's expression would be copied into every place the value and the detail read it (a
 * trend's covered days eight times over, in numeric), and evaluated as often, for every account.
 */
export function kindLateral(kind: CustomKind, parts: KindParts): RawBuilder<unknown> {
  const facts = Object.entries(parts.facts).map(([name, expression]) => sql`${expression} AS ${sql.ref(name)}`);
  const detail = Object.entries(parts.detail).map(([name, expression]) => sql`${expression} AS ${sql.ref(name)}`);
  const packed = packCustomDetail(kind, Object.fromEntries(Object.keys(parts.detail).map((name) => [name, sql.ref(`detail.${name}`)])));
  return sql`
    SELECT kind.value, ${packed} AS detail_values
    FROM (
      SELECT s.account_id${facts.length > 0 ? sql`, ${sql.join(facts)}` : sql``}
      FROM (SELECT) AS one ${parts.signal !== undefined ? sharedSignalAsG(parts.signal) : sql``} ${parts.joins ?? sql``}
      OFFSET 0
    ) facts
    CROSS JOIN LATERAL (SELECT ${parts.value} AS value) kind
    CROSS JOIN LATERAL (SELECT ${detail.length > 0 ? sql.join(detail) : sql``}) detail`;
}

/** The LATERAL joins kindLateral reads by alias (a signal's probe), for the statement to join once each. */
export function kindLateralJoins(parts: KindParts, context: IndicatorSqlContext<unknown>): Record<string, RawBuilder<unknown>> {
  return parts.signal === undefined ? {} : { [signalAlias(parts.signal)]: latestSignalProbe(context, parts.signal) };
}

/** The same as one SELECT of (account_id, value, detail_values) over the scope (IndicatorDefinition.sql). */
export function kindSelect(kind: CustomKind, parts: KindParts, context: IndicatorSqlContext<unknown>): RawBuilder<unknown> {
  const joins = Object.entries(kindLateralJoins(parts, context)).map(([alias, probe]) => sql`LEFT JOIN LATERAL (${probe}) ${sql.ref(alias)} ON true`);
  return sql`
    SELECT s.account_id, v.value, v.detail_values
    FROM scope s LEFT JOIN usage_stats u USING (account_id) LEFT JOIN metric_stats m USING (account_id) ${sql.join(joins, sql` `)}
    CROSS JOIN LATERAL (${kindLateral(kind, parts)}) v`;
}

export const ref = (name: string): RawBuilder<number | null> => sql.ref(name);
