// daysSince: days from the metric's last day above zero (or the signal's last observation, by its UTC
// day) to D, looking back windowDays. Not seen in the window: the window's covered days ("at least that
// long"). No data without coverage of the window. A signal's coverage starts at the contract start.
import { sql, type RawBuilder } from 'kysely';
import { coveredDays } from '../coverage.ts';
import type { IndicatorSqlContext } from '../types.ts';
import { kindParts, type KindParts, metricSource, ref, type PassAggregates } from './metric.ts';
import type { CustomSpecOf } from './schema.ts';

export function daysSinceSql(spec: CustomSpecOf<'daysSince'>, context: IndicatorSqlContext<unknown>, aggregates: PassAggregates): KindParts {
  let last: RawBuilder<unknown>;
  let covered: RawBuilder<number>;
  if (spec.signal !== undefined) {
    last = sql`CASE WHEN g.observed_on > ${context.dayMinus(spec.windowDays)} THEN g.observed_on END`;
    covered = sql<number>`coalesce(greatest(0, ${context.d} - greatest(${context.dayMinus(spec.windowDays - 1)}, s.contract_start) + 1), 0)`;
  } else {
    const metric = spec.metric ?? '';
    last = aggregates.add(metric, 'last', { fn: 'lastPositiveDay', length: spec.windowDays, endDaysAgo: 0 });
    const source = metricSource(metric);
    covered = coveredDays(context, source.coverage, spec.windowDays);
  }
  return kindParts({
    facts: { covered, last_seen: last },
    value: sql`CASE WHEN ${ref('covered')} > 0 THEN least(${ref('covered')}, coalesce(${context.d} - ${ref('last_seen')}, ${ref('covered')}))::float8 END`,
    detail: { windowDays: sql`${spec.windowDays}::int`, coveredDays: ref('covered'), lastSeen: ref('last_seen') },
    ...(spec.signal !== undefined ? { signal: spec.signal } : {}),
  });
}
