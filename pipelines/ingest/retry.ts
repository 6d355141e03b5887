// Re-tries quarantined rows, e.g. after the accounts they referenced have arrived. Rows that now pass
// are loaded through the same loader; every retried reject is marked resolved in the same transaction,
// and the ones that fail again are quarantined anew under the retry run with their current reason.
import type { Kysely } from 'kysely';
import type { RadarConfig } from '../../config/schema.ts';
import { openRejects, resolveRejects } from '../../sql/ingest.ts';
import type { DB } from '../../sql/schema.ts';
import type { Logger } from '../log.ts';
import { loadRecords, type LoadSummary } from './load.ts';
import { jsonMapper } from './mapping.ts';
import { jsonBatch, type RecordSource } from './records.ts';
import { effectiveSource, shapeOf, type NamedSource } from './run.ts';
import { sampleFormatSources } from './sample-format.ts';

export interface RetryOptions {
  readonly logger: Logger;
  readonly only?: string;
}

export interface RetrySummary {
  readonly source: string;
  readonly retried: number;
  readonly loaded: number;
  readonly stillRejected: number;
  readonly skippedReason?: string;
  readonly run?: LoadSummary;
}

export async function retryRejects(db: Kysely<DB>, config: RadarConfig, options: RetryOptions): Promise<RetrySummary[]> {
  const rejects = await openRejects(db, options.only);
  const known = new Map<string, NamedSource>([...sampleFormatSources(), ...Object.entries(config.sources).map(([name, source]) => ({ name, source }))].map((named) => [named.name, named]));
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
      summaries.push({ source: sourceName, retried: 0, loaded: 0, stillRejected: sourceRejects.length, skippedReason: 'source is no longer in the config' });
      continue;
    }
    const effective = effectiveSource(named.source);
    // Raw rows are stored keyed by the source's own column names, so the JSON mapper reads them for CSV too.
    const shape = shapeOf(named, effective.entity, { retry: true });
    const mapRecord = jsonMapper(shape.spec, effective.mapping, sourceName);
    const raws = sourceRejects.map((reject) => reject.raw);
    const batch = jsonBatch(raws, raws.map(mapRecord), (index) => `retry of reject ${sourceRejects[index]!.reject_id} (${sourceRejects[index]!.location})`);
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
      beforeCommit: (trx) => resolveRejects(trx, sourceRejects.map((reject) => reject.reject_id)),
    });
    summaries.push({ source: sourceName, retried: sourceRejects.length, loaded: run.inserted + run.updated + run.unchanged, stillRejected: run.rejected, run });
  }
  return summaries;
}
