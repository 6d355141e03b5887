// HTTP API pages as record batches for the loader. The watermark of the last page is stored only
// when the run commits, in the same transaction as the rows.
import type { HttpSource } from '../../config/sources.ts';
import { durationMs } from '../../config/sources.ts';
import { fetchHttpSource } from '../http/index.ts';
import type { Logger } from '../log.ts';
import type { EntitySpec } from './entities.ts';
import { jsonMapper, type MappingConfig } from './mapping.ts';
import { jsonBatch, type RecordBatch, type RecordSource } from './records.ts';

export interface HttpSourceOptions {
  readonly name: string;
  readonly source: HttpSource;
  readonly spec: EntitySpec;
  readonly mapping: MappingConfig;
  readonly watermark: string | undefined;
  readonly secret: (envName: string) => string | undefined;
  readonly logger: Logger;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
}

export function openHttpSource(options: HttpSourceOptions): RecordSource {
  const mapRecord = jsonMapper(options.spec, options.mapping, options.name);
  let watermark: string | undefined;
  let pages = 0;

  async function* batches(): AsyncGenerator<RecordBatch> {
    const pagesIterator = fetchHttpSource(options.source, {
      watermark: options.watermark,
      secret: options.secret,
      logger: options.logger,
      name: options.name,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.source.lookback ? { lookbackSeconds: durationMs(options.source.lookback) / 1000 } : {}),
    });
    for await (const page of pagesIterator) {
      pages += 1;
      watermark = page.watermark ?? watermark;
      yield jsonBatch(page.records, page.records.map(mapRecord), (index) => `${page.location} #${index + 1}`);
    }
  }

  return {
    batches: batches(),
    // No page, no new watermark: the stored one stays.
    result: () => ({ watermark: pages > 0 ? watermark : undefined, detail: { pages } }),
  };
}
