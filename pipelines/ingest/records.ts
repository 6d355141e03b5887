// The stream between a source (files, HTTP) and the loader: batches of mapped rows, each with where it
// came from, plus rows that could not even be read (a broken JSON line, a short CSV row).
import type { MappedRow } from './entities.ts';
import type { RejectRecord } from '../../sql/ingest.ts';

export interface RecordBatch {
  readonly rows: readonly MappedRow[];
  /**
   * Where row `index` came from ("invoices.csv:123", "page 3 #7") and its raw source form. Built only
   * for rejected rows: per-row closures or location strings would cost more than the parsing on big loads.
   */
  origin(index: number): { location: string; raw: unknown };
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
  /** Share of the input consumed so far (0..1), when the size is known up front (files); drives the ETA. */
  fractionDone?(): number;
}

/** A batch of JSON records (NDJSON lines, HTTP pages, stored rejects). */
export function jsonBatch(records: readonly unknown[], rows: readonly MappedRow[], locate: (index: number) => string, unreadable: readonly RejectRecord[] = []): RecordBatch {
  return { rows, unreadable, origin: (index) => ({ location: locate(index), raw: records[index] }) };
}
