// level: a metric over a window, per covered day, per active-user day or per licensed seat.
//   day:        Σ metric / covered days
//   activeUser: Σ metric / Σ active_users (what an active user does on an average day; zero users: no data)
//   seat:       (Σ metric / covered days) / average licensed seats over the days that report seats
// Covered days: the window's days from the account's first covered day (a day without a row is zero).
import { sql, type RawBuilder } from 'kysely';
import { coveredDays } from '../coverage.ts';
import type { IndicatorSqlContext } from '../types.ts';
import { kindParts, type KindParts, metricSource, PassAggregates, ref } from './metric.ts';
import type { CustomSpecOf } from './schema.ts';

type Per = CustomSpecOf<'level'>['per'];

/** The facts of one windowed level, prefixed `prefix`: <prefix>_total, <prefix>_covered, <prefix>_per, and its level expression. */
export function windowLevel(
  aggregates: PassAggregates,
  context: IndicatorSqlContext<unknown>,
  options: { metric: string; per: Per; length: number; endDaysAgo: number; prefix: string },
): { facts: Record<string, RawBuilder<unknown>>; level: RawBuilder<number | null> } {
  const { prefix, length, endDaysAgo } = options;
  const source = metricSource(options.metric);
  const window = { length, endDaysAgo };
  const total = aggregates.add(options.metric, `${prefix}_total`, { fn: 'sum', ...window });
  const facts: Record<string, RawBuilder<unknown>> = {
    [`${prefix}_total`]: sql`coalesce(${total}, 0)::float8`,
    [`${prefix}_covered`]: coveredDays(context, source.coverage, length, endDaysAgo),
  };
  const totalRef = ref(`${prefix}_total`);
  const covered = ref(`${prefix}_covered`);
  const perDay = sql<number | null>`(${totalRef} / nullif(${covered}, 0))`;
  if (options.per === 'day') return { facts, level: perDay };
  if (options.per === 'activeUser') {
    facts[`${prefix}_per`] = sql`${aggregates.add('active_users', `${prefix}_users`, { fn: 'sum', ...window })}::float8`;
    return { facts, level: sql`CASE WHEN ${covered} > 0 THEN ${totalRef} / nullif(${ref(`${prefix}_per`)}, 0) END` };
  }
  facts[`${prefix}_per`] = sql`${aggregates.add('active_users', `${prefix}_seats`, { fn: 'avgSeats', ...window })}::float8`;
  return { facts, level: sql`${perDay} / nullif(${ref(`${prefix}_per`)}, 0)` };
}

export function levelSql(spec: CustomSpecOf<'level'>, context: IndicatorSqlContext<unknown>, aggregates: PassAggregates): KindParts {
  const { facts, level } = windowLevel(aggregates, context, { metric: spec.metric, per: spec.per, length: spec.windowDays, endDaysAgo: 0, prefix: 'w' });
  return kindParts({
    facts,
    value: level,
    detail: {
      windowDays: sql`${spec.windowDays}::int`,
      coveredDays: ref('w_covered'),
      total: ref('w_total'),
      perDenominator: spec.per === 'day' ? ref('w_covered') : ref('w_per'),
    },
  });
}
