// trend: the least-squares slope of the daily metric over the covered days of the window (a day without
// a row is a point at zero), times 30, divided by the mean: the fitted change per 30 days as a share of
// the mean. No data with fewer than minDays covered days, or no occurrence in the whole window.
import { sql } from 'kysely';
import { coveredDays } from '../coverage.ts';
import { leastSquaresSql } from '../least-squares.ts';
import type { IndicatorSqlContext } from '../types.ts';
import { kindParts, type KindParts, metricSource, ref, type PassAggregates } from './metric.ts';
import type { CustomSpecOf } from './schema.ts';

export function trendSql(spec: CustomSpecOf<'trend'>, context: IndicatorSqlContext<unknown>, aggregates: PassAggregates): KindParts {
  const source = metricSource(spec.metric);
  const sumY = aggregates.add(spec.metric, 'sum_y', { fn: 'sum', length: spec.windowDays, endDaysAgo: 0 });
  const sumXY = aggregates.add(spec.metric, 'sum_xy', { fn: 'sumXY', length: spec.windowDays, endDaysAgo: 0 });
  const fit = leastSquaresSql({ n: ref('covered'), sumY: ref('sum_y'), sumXY: ref('sum_xy') });
  return kindParts({
    facts: { covered: coveredDays(context, source.coverage, spec.windowDays), sum_y: sql`coalesce(${sumY}, 0)`, sum_xy: sql`coalesce(${sumXY}, 0)` },
    value: sql`CASE WHEN ${ref('covered')} >= ${spec.minDays}::int AND ${fit.mean} > 0 THEN ${fit.slope} * 30 / ${fit.mean} END`,
    detail: {
      windowDays: sql`${spec.windowDays}::int`,
      coveredDays: ref('covered'),
      mean: fit.mean,
      slopePer30Days: sql`${fit.slope} * 30`,
    },
  });
}
