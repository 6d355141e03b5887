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
  /** Which rows of the pass belong to the metric. */
  readonly rows: RawBuilder<boolean>;
}

/** usage_daily's columns (active_users, sessions, events, minutes) win over a usage_metrics_daily metric of the same name. */
export function metricSource(name: string): MetricSource {
  if ((USAGE_DAILY_METRICS as readonly string[]).includes(name)) return { pass: 'usage', coverage: 'usage_from', value: sql.ref(name), rows: sql<boolean>`true` };
  // COLLATE "C": the same equality (every database collation in Postgres 15 is deterministic) without the
  // locale lookups texteq makes per call under the default collation; the metric pass tests it on every row.
  return { pass: 'metrics', coverage: 'metrics_from', value: sql<number>`value`, rows: sql<boolean>`metric = ${name} COLLATE "C"` };
}

type Context = Pick<IndicatorSqlContext<unknown>, 'dayMinus' | 'd'>;

/** Rows of the window of `length` days ending `endDaysAgo` days before D. */
export function inWindow(context: Pick<Context, 'dayMinus'>, length: number, endDaysAgo = 0): RawBuilder<boolean> {
  return endDaysAgo === 0
    ? sql<boolean>`day > ${context.dayMinus(length)}`
    : sql<boolean>`day > ${context.dayMinus(endDaysAgo + length)} AND day <= ${context.dayMinus(endDaysAgo)}`;
}

/** An aggregate of one metric over one window: Σ value, days with value > 0, last such day, Σ (day − D)·value, or average seats (usage_daily). */
export interface WindowOp {
  readonly fn: 'sum' | 'positiveDays' | 'lastPositiveDay' | 'sumXY' | 'avgSeats';
  readonly length: number;
  readonly endDaysAgo: number;
}

/** `op` over the rows of its window (and of `rows`: the metric's, in the metric pass, which reads every metric asked for). */
function windowAggregate(context: Context, value: RawBuilder<number>, op: WindowOp, rows?: RawBuilder<boolean>): RawBuilder<unknown> {
  const inWindowOnly = inWindow(context, op.length, op.endDaysAgo);
  // The day test first: it is cheaper than the metric's text comparison and most rows fail it for the short windows.
  const window = rows ? sql<boolean>`${inWindowOnly} AND ${rows}` : inWindowOnly;
  switch (op.fn) {
    case 'sum':
      return sql`sum(${value}) FILTER (WHERE ${window})`;
    case 'positiveDays':
      return sql`count(*) FILTER (WHERE ${window} AND ${value} > 0)`;
    case 'lastPositiveDay':
      return sql`max(day) FILTER (WHERE ${window} AND ${value} > 0)`;
    case 'sumXY':
      return sql`sum((day - ${context.d}) * ${value}) FILTER (WHERE ${window})`;
    case 'avgSeats':
      return sql`avg(licensed_seats) FILTER (WHERE ${window} AND licensed_seats > 0)`;
  }
}

/**
 * A column of the metric pass: the window aggregate `shared` (the same name for every indicator asking for
 * the same window) over the metric's rows (`metric = …` in its FILTER), computed once per account and
 * (metric, shared) whichever indicators ask for it. See indicators/statement.ts metricStatsSql.
 */
export interface MetricColumn {
  readonly metric: string;
  readonly shared: string;
  readonly aggregate: RawBuilder<unknown>;
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
    this.metrics[name] = { metric, shared, aggregate: windowAggregate(this.context, source.value, op, source.rows) };
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
