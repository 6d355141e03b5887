// latest / latestChange: an account signal's latest value known on D, and its change from the observation
// before (latest − previous, in the signal's own units: NPS 9 → 6 is −3). No signal yet (or only one, for
// latestChange): no data.
import { sql } from 'kysely';
import type { IndicatorSqlContext } from '../types.ts';
import { kindParts, type KindParts, type PassAggregates } from './metric.ts';
import type { CustomSpecOf } from './schema.ts';

export function latestSql(spec: CustomSpecOf<'latest' | 'latestChange'>, _context: IndicatorSqlContext<unknown>, _aggregates: PassAggregates): KindParts {
  const facts = { latest: sql`g.latest`, previous: sql`g.previous`, observed_at: sql`g.observed_at`, previous_at: sql`g.previous_at` };
  if (spec.kind === 'latest') {
    return kindParts({ facts, signal: spec.signal, value: sql`latest`, detail: { observedAt: sql`observed_at` } });
  }
  return kindParts({
    facts,
    signal: spec.signal,
    value: sql`latest - previous`,
    detail: { latest: sql`latest`, previous: sql`previous`, observedAt: sql`observed_at`, previousObservedAt: sql`previous_at` },
  });
}
