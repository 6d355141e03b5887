// The stream between a source (files, HTTP) and the loader: batches of mapped records, each with where
// it came from, plus rows that could not even be read (a broken JSON line, a short CSV row).
import type { MappedRow } from './entities.ts';
import type { RejectRecord } from '../../sql/ingest.ts';

export interface SourceRecord {
  readonly mapped: MappedRow;
  /** "invoices.csv:123" or "page 3"; shown to people in ingest_rejects. */
  readonly location: string;
  /** The raw source row, built only when the row is rejected. */
  raw(): unknown;
}

export interface RecordBatch {
  readonly records: readonly SourceRecord[];
  readonly unreadable: readonly RejectRecord[];
}

/** What a source reports once all its batches are read: the watermark to store with the data. */
export interface SourceResult {
  readonly watermark: string | undefined;
  readonly detail?: Record<string, unknown>;
}

export interface RecordSource {
  readonly batches: AsyncIterable<RecordBatch>;
  /** Valid after `batches` is exhausted. */
  result(): SourceResult;
}
