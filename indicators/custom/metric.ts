// Building blocks of the custom kinds: where a metric is read from, the aggregates an indicator adds to the
// shared passes (usage_stats over usage_daily, metric_stats over usage_metrics_daily), and the SELECT
// every kind returns. Metric and signal names reach the SQL only as bound parameters; column names are
// usage_daily's own (a fixed list) or derived from the checked id.
import { sql, type RawBuilder } from 'kysely';
import { USAGE_DAILY_METRICS } from '../../config/sources.ts';
import type { CoverageColumn } from '../coverage.ts';
import type { IndicatorSqlContext } from '../types.ts';

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
  return { pass: 'metrics', coverage: 'metrics_from', value: sql<number>`value`, rows: sql<boolean>`metric = ${name}` };
}

export const ACTIVE_USERS = metricSource('active_users');

type Context = Pick<IndicatorSqlContext<unknown>, 'dayMinus'>;

/** Rows of the window of `length` days ending `endDaysAgo` days before D. */
export function inWindow(context: Context, length: number, endDaysAgo = 0): RawBuilder<boolean> {
  return endDaysAgo === 0
    ? sql<boolean>`day > ${context.dayMinus(length)}`
    : sql<boolean>`day > ${context.dayMinus(endDaysAgo + length)} AND day <= ${context.dayMinus(endDaysAgo)}`;
}

/** The aggregates one custom indicator adds to the shared passes, each named c_<id>_<key>. */
export class PassAggregates {
  readonly usage: Record<string, RawBuilder<unknown>> = {};
  readonly metrics: Record<string, RawBuilder<unknown>> = {};
  constructor(private readonly id: string) {}

  /** Adds `aggregate` over the rows of `source` matching `where`; returns the column as the kind's SELECT reads it. */
  add(source: MetricSource, key: string, aggregate: (value: RawBuilder<number>) => RawBuilder<unknown>, where: RawBuilder<boolean>): RawBuilder<number | null> {
    const name = `c_${this.id.toLowerCase()}_${key}`;
    this[source.pass][name] = sql`${aggregate(source.value)} FILTER (WHERE ${source.rows} AND ${where})`;
    return sql.ref(`${source.pass === 'usage' ? 'u' : 'm'}.${name}`);
  }

  /** Σ of the metric over a window (NULL when no row). */
  sum(source: MetricSource, key: string, where: RawBuilder<boolean>): RawBuilder<number | null> {
    return this.add(source, key, (value) => sql`sum(${value})`, where);
  }
}

/** What a kind computes, before it becomes a SELECT. */
export interface KindParts {
  /** Named per-account facts (the FROM joins scope s with usage_stats u, metric_stats m and `joins`). */
  readonly facts: Readonly<Record<string, RawBuilder<unknown>>>;
  /** The value, over the facts (refer to them with sql.ref(name)). */
  readonly value: RawBuilder<number | null>;
  /** Detail fields (jsonb), over the facts. */
  readonly detail: Readonly<Record<string, RawBuilder<unknown>>>;
  /** Extra joins after the stats (e.g. a signal's LATERAL). */
  readonly joins?: RawBuilder<unknown>;
}

/**
 * The one SELECT shape of every custom kind: (account_id, value, detail_values, detail_extras). The detail
 * is plain jsonb (detail_values stays empty): a handful of keys, and the ids are not known to code.
 */
export function kindSelect(parts: KindParts): RawBuilder<unknown> {
  const facts = Object.entries(parts.facts).map(([name, expression]) => sql`${expression} AS ${sql.ref(name)}`);
  const detail = Object.entries(parts.detail).map(([name, expression]) => sql`${name}::text, ${expression}`);
  return sql`
    SELECT account_id, ${parts.value} AS value, '{}'::float8[] AS detail_values, jsonb_build_object(${sql.join(detail)}) AS detail_extras
    FROM (
      SELECT s.account_id${facts.length > 0 ? sql`, ${sql.join(facts)}` : sql``}
      FROM scope s LEFT JOIN usage_stats u USING (account_id) LEFT JOIN metric_stats m USING (account_id) ${parts.joins ?? sql``}
    ) facts`;
}

export const ref = (name: string): RawBuilder<number | null> => sql.ref(name);
