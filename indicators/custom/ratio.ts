// ratio: Σ numerator ÷ max(Σ denominator, floor) over the window, e.g. dislikes per like. The floor keeps
// a handful of denominator events from making a huge ratio; with floor 0 a zero denominator gives no
// data. No data without coverage of the window (the numerator's coverage).
import { sql } from 'kysely';
import { coveredDays } from '../coverage.ts';
import type { IndicatorSqlContext } from '../types.ts';
import { kindParts, type KindParts, metricSource, ref, type PassAggregates } from './metric.ts';
import type { CustomSpecOf } from './schema.ts';

export function ratioSql(spec: CustomSpecOf<'ratio'>, context: IndicatorSqlContext<unknown>, aggregates: PassAggregates): KindParts {
  const numerator = metricSource(spec.numerator);
  const window = { fn: 'sum', length: spec.windowDays, endDaysAgo: 0 } as const;
  return kindParts({
    facts: {
      covered: coveredDays(context, numerator.coverage, spec.windowDays),
      top: sql`coalesce(${aggregates.add(spec.numerator, 'num', window)}, 0)::float8`,
      bottom: sql`coalesce(${aggregates.add(spec.denominator, 'den', window)}, 0)::float8`,
    },
    value: sql`CASE WHEN ${ref('covered')} > 0 THEN ${ref('top')} / nullif(greatest(${ref('bottom')}, ${spec.floor}::float8), 0) END`,
    detail: {
      windowDays: sql`${spec.windowDays}::int`,
      coveredDays: ref('covered'),
      numeratorTotal: ref('top'),
      denominatorTotal: ref('bottom'),
      floor: sql`${spec.floor}::float8`,
    },
  });
}
