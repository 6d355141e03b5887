// share: the share of the window's covered days on which the metric was above zero. A day without a row
// had none; no data without coverage of the window.
import { sql } from 'kysely';
import { coveredDays } from '../coverage.ts';
import type { IndicatorSqlContext } from '../types.ts';
import { kindParts, type KindParts, metricSource, ref, type PassAggregates } from './metric.ts';
import type { CustomSpecOf } from './schema.ts';

export function shareSql(spec: CustomSpecOf<'share'>, context: IndicatorSqlContext<unknown>, aggregates: PassAggregates): KindParts {
  const source = metricSource(spec.metric);
  const active = aggregates.add(spec.metric, 'active', { fn: 'positiveDays', length: spec.windowDays, endDaysAgo: 0 });
  return kindParts({
    facts: { covered: coveredDays(context, source.coverage, spec.windowDays), active: sql`coalesce(${active}, 0)` },
    value: sql`${ref('active')}::float8 / nullif(${ref('covered')}, 0)`,
    detail: { windowDays: sql`${spec.windowDays}::int`, coveredDays: ref('covered'), activeDays: ref('active') },
  });
}
