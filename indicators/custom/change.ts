// change: the level in the recent window vs the level in the baseline window just before it, relative
// (recent / baseline − 1). Like usageDecline, both windows must be covered in full (a new account is
// never "declining"), and a baseline of zero gives no data.
import { sql } from 'kysely';
import { coversWindow } from '../coverage.ts';
import type { IndicatorSqlContext } from '../types.ts';
import { windowLevel } from './level.ts';
import { kindParts, type KindParts, metricSource, ref, type PassAggregates } from './metric.ts';
import type { CustomSpecOf } from './schema.ts';

export function changeSql(spec: CustomSpecOf<'change'>, context: IndicatorSqlContext<unknown>, aggregates: PassAggregates): KindParts {
  const recent = windowLevel(aggregates, context, { metric: spec.metric, per: spec.per, length: spec.recentDays, endDaysAgo: 0, prefix: 'r' });
  const baseline = windowLevel(aggregates, context, { metric: spec.metric, per: spec.per, length: spec.baselineDays, endDaysAgo: spec.recentDays, prefix: 'b' });
  const enough = coversWindow(context, metricSource(spec.metric).coverage, spec.recentDays + spec.baselineDays);
  return kindParts({
    facts: { ...recent.facts, ...baseline.facts, enough_history: enough },
    value: sql`CASE WHEN ${ref('enough_history')} AND ${baseline.level} > 0 THEN ${recent.level} / ${baseline.level} - 1 END`,
    detail: {
      recentDays: sql`${spec.recentDays}::int`,
      baselineDays: sql`${spec.baselineDays}::int`,
      enoughHistory: ref('enough_history'),
      recent: recent.level,
      baseline: baseline.level,
    },
  });
}
