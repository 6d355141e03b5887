// Raw event exports → usage_metrics_daily: each valid event is staged under its metric name (after the
// source's rename, include and exclude); the whole load is then summed per (account, day, metric), so
// an export split across files adds up, and those totals replace what the source loaded before for the
// same days. Event names that are excluded or not included are counted for the run summary.
import type { Kysely } from 'kysely';
import { eventMetricName, type SourceConfig } from '../../config/sources.ts';
import { createEventStaging, EVENT_STAGING_COLUMNS, mergeMetricTotals, type MetricWrite } from '../../sql/usage-metrics.ts';
import type { DB } from '../../sql/schema.ts';
import type { StagedRow } from './entities.ts';
import type { Stager } from './stager.ts';
import { csvField } from '../csv.ts';

/** Segment `track` calls (exports, warehouse dumps as NDJSON): the account is the group. */
export const SEGMENT_TRACK_MAPPING: Readonly<Record<string, string>> = {
  account_id: 'groupId|context.groupId|properties.groupId',
  timestamp: 'timestamp',
  event: 'event',
  user_id: 'userId',
};

/** How many skipped event names the run summary lists (the most frequent). */
export const SKIPPED_NAMES_SHOWN = 10;

type Decision = { metric: string } | { skipped: 'excluded' | 'not included' | 'no letters or digits' };

/**
 * The metric an exported event name feeds, or why it is skipped; pure, decided once per name. `onMetric`
 * hears each metric name the first time an event name is decided to feed it (the load's metric names).
 */
export function eventSelection(events: SourceConfig['events'], onMetric?: (metric: string) => void): (exported: string) => Decision {
  const rename = events?.rename ?? {};
  const include = events?.include ? new Set(events.include) : undefined;
  const exclude = new Set(events?.exclude ?? []);
  const decided = new Map<string, Decision>();
  return (exported) => {
    let decision = decided.get(exported);
    if (decision === undefined) {
      const metric = eventMetricName(exported, rename);
      if (metric === undefined) decision = { skipped: 'no letters or digits' };
      else if (exclude.has(exported) || exclude.has(metric)) decision = { skipped: 'excluded' };
      else if (include && !include.has(exported) && !include.has(metric)) decision = { skipped: 'not included' };
      else {
        decision = { metric };
        onMetric?.(metric);
      }
      decided.set(exported, decision);
    }
    return decision;
  };
}

export interface SkippedEvents {
  readonly total: number;
  /** The most frequent skipped names, most frequent first. */
  readonly names: ReadonlyArray<{ readonly event: string; readonly count: number; readonly reason: string }>;
  /** Distinct skipped names not listed. */
  readonly moreNames: number;
}

export function eventStager(events: SourceConfig['events'], options: { source: string; write: MetricWrite }): Stager {
  // The metric names this load stages, collected as names are decided (not per event), given ids on merge.
  const metrics = new Set<string>();
  const select = eventSelection(events, (metric) => metrics.add(metric));
  const skipped = new Map<string, { count: number; reason: string }>();
  // Each batch's events summed per (account, day, metric, user) before COPY: the merge's sum and distinct-user
  // count come out the same, and a user's many clicks in a day are staged (and parsed by Postgres) once. The
  // key is the staged CSV record itself without its value (the columns' CSV forms are unambiguous), so a
  // row costs one string and a number, not an object per row and its CSV line again at the end of the batch.
  const batch = new Map<string, number>();
  return {
    columns: EVENT_STAGING_COLUMNS,
    createStaging: (trx: Kysely<DB>) => createEventStaging(trx),
    stage(row: StagedRow) {
      const exported = String(row.event);
      const decision = select(exported);
      if ('metric' in decision) {
        // account_id: the resolved internal id; day: YYYY-MM-DD; metric: [a-z0-9_]; user: quoted if it must be.
        const key = `${row.account_id},${row.day},${csvField(decision.metric)},${csvField(row.user_id)}`;
        batch.set(key, (batch.get(key) ?? 0) + (row.value as number));
        return;
      }
      const tally = skipped.get(exported);
      if (tally) tally.count += 1;
      else skipped.set(exported, { count: 1, reason: decision.skipped });
    },
    endBatch(emit) {
      for (const [key, value] of batch) emit(`${key},${value}`);
      batch.clear();
    },
    merge: (trx, stagedRows) => mergeMetricTotals(trx, { source: options.source, totals: 'events', write: options.write, stagedRows, metrics: [...metrics] }),
    detail() {
      const names = [...skipped].map(([event, { count, reason }]) => ({ event, count, reason })).sort((a, b) => b.count - a.count || a.event.localeCompare(b.event));
      const summary: SkippedEvents = { total: names.reduce((sum, name) => sum + name.count, 0), names: names.slice(0, SKIPPED_NAMES_SHOWN), moreNames: Math.max(0, names.length - SKIPPED_NAMES_SHOWN) };
      return { skippedEvents: summary };
    },
  };
}

/** The run summary's line about skipped event names, or undefined when none was skipped. */
export function describeSkippedEvents(skipped: SkippedEvents | undefined): string | undefined {
  if (!skipped || skipped.total === 0) return undefined;
  const names = skipped.names.map((name) => `"${name.event}" ×${name.count} (${name.reason})`).join(', ');
  return `${skipped.total} event(s) not loaded by name: ${names}${skipped.moreNames > 0 ? `, and ${skipped.moreNames} more name(s)` : ''}`;
}
