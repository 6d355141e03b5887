// How the entities that do not map one source row to one stored row are staged and merged: raw events
// (many rows → one total per account, day and metric), wide daily files (one row → one row per metric)
// and account signals (stored with their source). The loader validates and quarantines rows as for every
// entity; a Stager takes each valid row from there, and merges once, after the whole load is staged.
import type { Kysely } from 'kysely';
import type { Entity, SourceConfig } from '../../config/sources.ts';
import type { MergeCounts } from '../../sql/ingest.ts';
import type { DB } from '../../sql/schema.ts';
import { entitySpecs, type EntitySpec, type StagedRow } from './entities.ts';
import { signalStager } from './account-signals.ts';
import { eventStager } from './usage-events.ts';
import { wideMetricsSpec, wideMetricsStager } from './usage-metrics.ts';

export interface Stager {
  /** Staging columns, in COPY order. */
  readonly columns: readonly string[];
  createStaging(trx: Kysely<DB>): Promise<void>;
  /** Appends to `out` the staged rows for one valid row (its account id already resolved); none skips it. */
  stage(row: StagedRow, out: StagedRow[]): void;
  /**
   * Emits the rows stage() held back to pre-aggregate them, at the end of each batch (optional), each as
   * one CSV record of `columns` (no line break): a pre-aggregating stager builds them as its keys anyway.
   */
  endBatch?(emit: (csvRecord: string) => void): void;
  /** Merges everything staged by the load, in its transaction. */
  merge(trx: Kysely<DB>, stagedRows: number): Promise<MergeCounts>;
  /** Facts for the run summary (event names skipped…). */
  detail(): Record<string, unknown>;
}

export interface SourceShape {
  readonly spec: EntitySpec;
  /** A fresh stager per load; undefined for entities staged and merged row for row. */
  readonly createStager?: (() => Stager) | undefined;
}

export interface ShapeOptions {
  readonly source: string;
  /** Rows retried from quarantine add to stored event totals instead of replacing them. */
  readonly retry?: boolean;
}

/** The field spec and stager of a source's entity (wide files add their metrics as fields). */
export function sourceShape(entity: Entity, config: Pick<SourceConfig, 'events' | 'metrics'>, options: ShapeOptions): SourceShape {
  switch (entity) {
    case 'usage_events':
      return { spec: entitySpecs.usage_events, createStager: () => eventStager(config.events, { source: options.source, write: options.retry ? 'add' : 'replace' }) };
    case 'usage_metrics': {
      const metrics = Object.keys(config.metrics ?? {});
      return { spec: wideMetricsSpec(metrics), createStager: () => wideMetricsStager(metrics, options.source) };
    }
    case 'account_signals':
      return { spec: entitySpecs.account_signals, createStager: () => signalStager(options.source) };
    default:
      return { spec: entitySpecs[entity] };
  }
}
