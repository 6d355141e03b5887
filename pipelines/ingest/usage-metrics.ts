// Wide daily files → usage_metrics_daily: one source row per (account, day) whose `metrics` columns each
// become a row (account, day, metric). An empty cell is no row (not zero); a repeated (account, day) in
// one load keeps its last row; the load's totals replace what is stored for those days.
import { createStaging } from '../../sql/ingest.ts';
import { mergeMetricTotals } from '../../sql/usage-metrics.ts';
import { entitySpecs, metricValueField, type EntitySpec, type StagedRow } from './entities.ts';
import type { Stager } from './stager.ts';

/** The usage_metrics spec with one optional numeric field per metric (mapped by the source's `metrics`). */
export function wideMetricsSpec(metrics: readonly string[]): EntitySpec {
  const base = entitySpecs.usage_metrics;
  return { ...base, fields: { ...base.fields, ...Object.fromEntries(metrics.map((metric) => [metric, metricValueField(metric)])) } };
}

const COLUMNS = ['account_id', 'day', 'metric', 'value'] as const;

export function wideMetricsStager(metrics: readonly string[], source: string): Stager {
  return {
    columns: COLUMNS,
    // Staged by name (the readable view's columns); the merge gives the names their ids.
    createStaging: (trx) => createStaging(trx, 'usage_metrics_daily_readable', COLUMNS),
    stage(row: StagedRow, out: StagedRow[]) {
      for (const metric of metrics) {
        const value = row[metric];
        if (value !== null && value !== undefined) out.push({ account_id: row.account_id!, day: row.day!, metric, value });
      }
    },
    merge: (trx, stagedRows) => mergeMetricTotals(trx, { source, totals: 'latest', write: 'replace', stagedRows, metrics }),
    detail: () => ({}),
  };
}
