// Reads a generated sample back, for this folder's tests and learnability check only (real
// imports go through pipelines/ingest). Planted fault lines are skipped unless asked for.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Papa from 'papaparse';
import type { PlantedFaults } from './faults.ts';
import type { SampleFile } from './files.ts';
import { writeSampleCompany, type SampleManifest, type SampleOptions } from './generate.ts';

export type TextRecord = Record<string, string>;
export type JsonRecord = Record<string, string | number | null>;

export interface SampleData {
  readonly manifest: SampleManifest;
  readonly faults: PlantedFaults;
  readonly accounts: TextRecord[];
  readonly usage: TextRecord[];
  readonly support: JsonRecord[];
  readonly invoices: TextRecord[];
  readonly renewals: TextRecord[];
  readonly marketEvents: TextRecord[];
}

export function readText(dir: string, file: string): string {
  const bytes = readFileSync(join(dir, file));
  return file.endsWith('.gz') ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
}

/** Physical lines, 1-based as faults.json counts them: `lines[n - 1]` is line n. */
export function physicalLines(dir: string, file: SampleFile): string[] {
  const lines = readText(dir, file).split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function plantedLines(faults: PlantedFaults, file: SampleFile): Set<number> {
  return new Set([...faults.rejects, ...faults.duplicates].filter((fault) => fault.file === file).map((fault) => fault.line));
}

/** The generator never writes line breaks inside fields, so each physical line is one record. */
function csvCells(line: string): string[] {
  return line.includes('"') ? (Papa.parse<string[]>(line).data[0] ?? []) : line.split(',');
}

function readCsv(dir: string, file: SampleFile, skip: Set<number>): TextRecord[] {
  const [header = '', ...lines] = physicalLines(dir, file);
  const columns = csvCells(header);
  const records: TextRecord[] = [];
  lines.forEach((line, index) => {
    if (skip.has(index + 2)) return;
    const cells = csvCells(line);
    records.push(Object.fromEntries(columns.map((column, i) => [column, cells[i] ?? ''])));
  });
  return records;
}

function readNdjson(dir: string, file: SampleFile, skip: Set<number>): JsonRecord[] {
  return physicalLines(dir, file)
    .map((line, index) => ({ line, number: index + 1 }))
    .filter(({ number }) => !skip.has(number))
    .map(({ line }) => JSON.parse(line) as JsonRecord);
}

export function readSample(dir: string): SampleData {
  const faults = JSON.parse(readText(dir, 'faults.json')) as PlantedFaults;
  const csv = (file: SampleFile) => readCsv(dir, file, plantedLines(faults, file));
  return {
    manifest: JSON.parse(readText(dir, 'manifest.json')) as SampleManifest,
    faults,
    accounts: csv('accounts.csv'),
    usage: csv('usage_daily.csv.gz'),
    support: readNdjson(dir, 'support_contacts.ndjson', plantedLines(faults, 'support_contacts.ndjson')),
    invoices: csv('invoices.csv'),
    renewals: csv('renewals.csv'),
    marketEvents: csv('market_events.csv'),
  };
}

/** Generates a sample into a fresh temporary directory (tests remove it with `rmSync`). */
export async function generateIntoTempDir(options: Omit<SampleOptions, 'outDir'>): Promise<{ dir: string; manifest: SampleManifest }> {
  const dir = mkdtempSync(join(tmpdir(), 'radar-sample-'));
  return { dir, manifest: await writeSampleCompany({ ...options, outDir: dir }) };
}
