// Re-tries quarantined rows, e.g. after the accounts they referenced have arrived. Rows that now pass
// are loaded through the same loader (the same validation as a load); every retried reject is marked
// resolved in the same transaction, and the ones that fail again are quarantined anew under the retry
// run, at their original location, with their current reason. Structural rejects (a CSV row with the
// wrong field count, a broken JSON line, a raw row altered to be stored) are not retryable: their raw
// form cannot say which value belongs to which field. They stay open and the summary says why.
import type { Kysely } from 'kysely';
import type { RadarConfig } from '../../config/schema.ts';
import { openRejects, resolveRejects } from '../../sql/ingest.ts';
import type { DB } from '../../sql/schema.ts';
import type { Logger } from '../log.ts';
import type { SourceConfig } from '../../config/sources.ts';
import type { EntitySpec, MappedRow } from './entities.ts';
import { fileFormat } from './file-source.ts';
import { loadRecords, type LoadSummary } from './load.ts';
import { csvMapper, jsonMapper, type MappingConfig } from './mapping.ts';
import { jsonBatch, type RecordSource } from './records.ts';
import { effectiveSource, shapeOf, type NamedSource } from './run.ts';
import { sampleFormatSources, subscriptionsFormatSource } from './sample-format.ts';

export interface RetryOptions {
  readonly logger: Logger;
  readonly only?: string;
}

export interface RetrySummary {
  readonly source: string;
  readonly retried: number;
  readonly loaded: number;
  readonly stillRejected: number;
  /** Open rejects of the source that cannot be retried (structural); fix the file and load it again. */
  readonly notRetryable: number;
  readonly skippedReason?: string;
  readonly run?: LoadSummary;
}

/**
 * Maps a stored raw row as the load mapped it: a CSV row (stored as header name → cell) through the CSV
 * mapper built on its own header, so column names match as in a load (trimmed, any case, positional when
 * the file has no header); NDJSON and HTTP records through the JSON mapper.
 */
function rawMapper(source: SourceConfig, spec: EntitySpec, mapping: MappingConfig, sourceName: string): (raw: unknown, location: string) => MappedRow {
  const fromJson = jsonMapper(spec, mapping, sourceName);
  if (source.kind !== 'file') return (raw) => fromJson(raw);
  const csvMappers = new Map<string, (cells: readonly string[]) => MappedRow>();
  return (raw, location) => {
    const file = location.replace(/:\d+$/, '');
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || fileFormat(file, source.format) !== 'csv') return fromJson(raw);
    const header = Object.keys(raw);
    const key = JSON.stringify(header);
    let mapCells = csvMappers.get(key);
    if (!mapCells) {
      mapCells = csvMapper(spec, mapping, sourceName, header, file, { positional: !source.header });
      csvMappers.set(key, mapCells);
    }
    return mapCells(Object.values(raw as Record<string, string | null>).map((cell) => cell ?? ''));
  };
}

export async function retryRejects(db: Kysely<DB>, config: RadarConfig, options: RetryOptions): Promise<RetrySummary[]> {
  const rejects = await openRejects(db, options.only);
  const known = new Map<string, NamedSource>([...sampleFormatSources(), subscriptionsFormatSource(), ...Object.entries(config.sources).map(([name, source]) => ({ name, source }))].map((named) => [named.name, named]));
  const bySource = new Map<string, typeof rejects>();
  for (const reject of rejects) {
    const group = bySource.get(reject.source) ?? [];
    group.push(reject);
    bySource.set(reject.source, group);
  }
  const summaries: RetrySummary[] = [];
  for (const [sourceName, sourceRejects] of bySource) {
    const named = known.get(sourceName);
    if (!named) {
      summaries.push({ source: sourceName, retried: 0, loaded: 0, stillRejected: sourceRejects.length, notRetryable: 0, skippedReason: 'source is no longer in the config' });
      continue;
    }
    const retryable = sourceRejects.filter((reject) => reject.retryable);
    const notRetryable = sourceRejects.length - retryable.length;
    const skippedReason = notRetryable > 0 ? `${notRetryable} structural reject(s) not retried (wrong field count, broken CSV or JSON): fix the file and load it again with --force` : undefined;
    if (retryable.length === 0) {
      summaries.push({ source: sourceName, retried: 0, loaded: 0, stillRejected: notRetryable, notRetryable, ...(skippedReason ? { skippedReason } : {}) });
      continue;
    }
    const effective = effectiveSource(named.source);
    const shape = shapeOf(named, effective.entity, { retry: true });
    const mapRaw = rawMapper(named.source, shape.spec, effective.mapping, sourceName);
    const raws = retryable.map((reject) => reject.raw);
    const batch = jsonBatch(raws, retryable.map((reject) => mapRaw(reject.raw, reject.location)), (index) => retryable[index]!.location);
    const recordSource: RecordSource = {
      batches: (async function* () {
        yield batch;
      })(),
      result: () => ({ watermark: undefined }),
    };
    const run = await loadRecords(db, recordSource, {
      spec: shape.spec,
      createStager: shape.createStager,
      source: sourceName,
      entity: effective.entity,
      settings: effective.settings,
      // A retry must never be refused for its reject share: what still fails simply stays quarantined.
      maxRejectShare: 1,
      logger: options.logger,
      beforeCommit: (trx) => resolveRejects(trx, retryable.map((reject) => reject.reject_id)),
    });
    summaries.push({
      source: sourceName,
      retried: retryable.length,
      loaded: run.inserted + run.updated + run.unchanged,
      stillRejected: run.rejected + notRetryable,
      notRetryable,
      ...(skippedReason ? { skippedReason } : {}),
      run,
    });
  }
  return summaries;
}
