// Planted faults: a few broken rows, rows for unknown accounts and exact duplicates, inserted as
// extra lines so the real data stays whole. faults.json records each one by 1-based physical line
// (the CSV header is line 1), so a test can check that ingest quarantines exactly these.
import type { Entity } from '../../config/sources.ts';
import type { Random } from './random.ts';

export type RejectReason =
  | 'bad date'
  | 'unknown account'
  | 'negative amount'
  | 'negative count'
  | 'non-numeric count'
  | 'missing required field'
  | 'out of range'
  | 'invalid value';

export interface PlantedReject {
  readonly file: string;
  readonly line: number;
  readonly reason: RejectReason;
  readonly entity: Entity;
}

export interface PlantedDuplicate {
  readonly file: string;
  readonly line: number;
  readonly duplicateOfLine: number;
}

export interface PlantedFaults {
  rejects: PlantedReject[];
  duplicates: PlantedDuplicate[];
}

/** A record as written: field → value; `undefined` means the field is missing. */
export type FileRecord = Record<string, string | number | null | undefined>;

export interface FaultKind {
  readonly reason: RejectReason;
  /** A broken copy of a good record; `ordinal` counts the faults planted in this file so far. */
  corrupt(record: FileRecord, ordinal: number): FileRecord;
}

export interface FileSpec<Row> {
  readonly file: string;
  readonly entity: Entity;
  /** CSV files have a header line; NDJSON files do not. */
  readonly header: string | null;
  toRecord(row: Row): FileRecord;
  encode(record: FileRecord): string;
  readonly faultKinds: readonly FaultKind[];
  /** False for files whose rows have no identity (raw events): a duplicated line would be a real second row. */
  readonly plantsDuplicates?: boolean;
}

/** ~0.05% of rows get a broken sibling, ~0.02% an exact duplicate; every file gets at least one of each. */
const REJECT_SHARE = 0.0005;
const DUPLICATE_SHARE = 0.0002;
const FIRST_REJECT_AFTER_ROW = 3;
const FIRST_DUPLICATE_AFTER_ROW = 5;

export interface PlantingTally {
  /** Data lines written (header excluded), planted lines included. */
  rows: number;
}

/**
 * Yields the file's lines (header first) with faults planted among the rows, recording each fault
 * in `faults` and the row count in `tally` as it goes, so huge files can be streamed.
 */
export function* linesWithFaults<Row>(rows: Iterable<Row>, spec: FileSpec<Row>, rng: Random, faults: PlantedFaults, tally: PlantingTally): Generator<string> {
  let line = 0;
  // Start the rotation of fault kinds at a seeded place, so small files (one fault each) vary by seed.
  let rejects = rng.int(0, spec.faultKinds.length - 1);
  const firstRejectOrdinal = rejects;
  let duplicates = 0;
  let last: { record: FileRecord; text: string; line: number } | undefined;
  const emit = (text: string): string => {
    line++;
    tally.rows++;
    return text;
  };
  const plantReject = (record: FileRecord): string => {
    const kind = spec.faultKinds[rejects % spec.faultKinds.length] as FaultKind;
    rejects++;
    const text = emit(spec.encode(kind.corrupt(record, rejects - firstRejectOrdinal)));
    faults.rejects.push({ file: spec.file, line, reason: kind.reason, entity: spec.entity });
    return text;
  };
  const plantDuplicate = (text: string, originalLine: number): string => {
    duplicates++;
    const copy = emit(text);
    faults.duplicates.push({ file: spec.file, line, duplicateOfLine: originalLine });
    return copy;
  };

  if (spec.header !== null) {
    line++;
    yield spec.header;
  }
  let index = 0;
  for (const row of rows) {
    index++;
    const record = spec.toRecord(row);
    const text = spec.encode(record);
    yield emit(text);
    last = { record, text, line };
    if (index === FIRST_REJECT_AFTER_ROW || rng.chance(REJECT_SHARE)) yield plantReject(record);
    if (spec.plantsDuplicates !== false && (index === FIRST_DUPLICATE_AFTER_ROW || rng.chance(DUPLICATE_SHARE))) yield plantDuplicate(text, last.line);
  }
  // Short files: plant after the last row so no file goes without.
  if (last && rejects === firstRejectOrdinal) yield plantReject(last.record);
  if (last && duplicates === 0 && spec.plantsDuplicates !== false) yield plantDuplicate(last.text, last.line);
}

// ---- Corruptions shared by the files ------------------------------------------------------

const replace = (record: FileRecord, field: string, value: string | number | undefined): FileRecord => ({ ...record, [field]: value });

/** `2025-04-07` → `2025-13-07`; timestamps keep their time part. */
export const badDate = (field: string): FaultKind => ({
  reason: 'bad date',
  corrupt: (record) => replace(record, field, String(record[field] ?? '2025-01-01').replace(/^(\d{4})-\d{2}/, '$1-13')),
});

/** Ids that can never be real: real ids are `acct-` and five digits. */
export const unknownAccount = (field = 'account_id'): FaultKind => ({
  reason: 'unknown account',
  corrupt: (record, ordinal) => replace(record, field, `acct-${String(99_999 - (ordinal % 90_000)).padStart(5, '0')}x`),
});

export const negative = (field: string, reason: 'negative amount' | 'negative count'): FaultKind => ({
  reason,
  corrupt: (record) => {
    const value = String(record[field] ?? '1');
    return replace(record, field, /^0(\.0+)?$/.test(value) ? '-1' : `-${value}`);
  },
});

export const nonNumeric = (field: string): FaultKind => ({ reason: 'non-numeric count', corrupt: (record) => replace(record, field, 'n/a') });

export const missing = (field: string): FaultKind => ({ reason: 'missing required field', corrupt: (record) => replace(record, field, undefined) });

export const outOfRange = (field: string, value: number): FaultKind => ({ reason: 'out of range', corrupt: (record) => replace(record, field, value) });

export const invalidValue = (field: string, value: string): FaultKind => ({ reason: 'invalid value', corrupt: (record) => replace(record, field, value) });
