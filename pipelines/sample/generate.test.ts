// Reproducibility, manifest counts and the planted faults of writeSampleCompany.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RadarError } from '../errors.ts';
import { parseDay } from './days.ts';
import type { RejectReason } from './faults.ts';
import { SAMPLE_FILES, SIGNAL_FILES, type SampleFile, type SignalFile } from './files.ts';
import { writeSampleCompany, type SampleOptions } from './generate.ts';
import { generateIntoTempDir, physicalLines, readSample, type SampleData } from './sample-reader.ts';

const OPTIONS: Omit<SampleOptions, 'outDir'> = { accounts: 60, years: 1, seed: 7, end: '2026-03-01' };
const dirs: string[] = [];

async function generate(overrides: Partial<typeof OPTIONS> = {}): Promise<string> {
  const { dir } = await generateIntoTempDir({ ...OPTIONS, ...overrides });
  dirs.push(dir);
  return dir;
}

function hashes(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((file) => [file, createHash('sha256').update(readFileSync(join(dir, file))).digest('hex')]));
}

afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('writeSampleCompany reproducibility', () => {
  it('writes byte-identical files for the same seed, and different ones for another seed', async () => {
    const [first, second, other] = await Promise.all([generate(), generate(), generate({ seed: 8 })]);
    const firstHashes = hashes(first);
    expect(Object.keys(firstHashes)).toEqual([...SAMPLE_FILES, ...SIGNAL_FILES, 'faults.json', 'manifest.json'].sort());
    expect(hashes(second)).toEqual(firstHashes);
    const otherHashes = hashes(other);
    for (const file of [...SAMPLE_FILES, ...SIGNAL_FILES]) expect(otherHashes[file], file).not.toBe(firstHashes[file]);
  });

  it('rejects invalid options with a usage error naming each problem', async () => {
    const attempt = writeSampleCompany({ accounts: 0, years: 1, seed: 1, end: '2026-02-30', outDir: join(dirs[0] ?? '.', 'never') });
    await expect(attempt).rejects.toBeInstanceOf(RadarError);
    await expect(attempt).rejects.toThrow(/accounts must be.*end must be a date/);
  });
});

// ---- An independent validator: which rules does a record break? -----------------------------

type Fields = Record<string, unknown>;
const isDay = (value: unknown) => typeof value === 'string' && parseDay(value) !== undefined;
const isInstant = (value: unknown) => typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(value) && isDay(value.slice(0, 10));
const isCount = (value: unknown) => typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value));
const present = (value: unknown) => value !== undefined && value !== null && value !== '';

function problems(file: SampleFile, record: Fields, knownAccounts: ReadonlySet<string>): Set<RejectReason> {
  const found = new Set<RejectReason>();
  const requireFields = (...fields: string[]) => fields.forEach((field) => !present(record[field]) && found.add('missing required field'));
  const days = (...fields: string[]) => fields.forEach((field) => present(record[field]) && !isDay(record[field]) && found.add('bad date'));
  const instants = (...fields: string[]) => fields.forEach((field) => present(record[field]) && !isInstant(record[field]) && found.add('bad date'));
  const counts = (...fields: string[]) =>
    fields.forEach((field) => {
      const value = record[field];
      if (!present(value)) return;
      if (String(value).startsWith('-')) found.add(/amount|cents/.test(field) ? 'negative amount' : 'negative count');
      else if (!isCount(value) && !/^\d+\.\d{2}$/.test(String(value))) found.add('non-numeric count');
    });
  const account = () => present(record.account_id) && !knownAccounts.has(String(record.account_id)) && found.add('unknown account');
  switch (file) {
    case 'accounts.csv':
      requireFields('account_id', 'name', 'segment', 'arr_cents', 'contract_start', 'renewal_date', 'status');
      days('contract_start', 'renewal_date');
      counts('arr_cents');
      break;
    case 'usage_daily.csv.gz':
      requireFields('account_id', 'day', 'active_users');
      days('day');
      counts('active_users', 'sessions', 'events', 'minutes', 'licensed_seats');
      account();
      break;
    case 'support_contacts.ndjson':
      requireFields('external_id', 'account_id', 'opened_at', 'channel', 'priority');
      instants('opened_at', 'closed_at');
      if (present(record.satisfaction) && !(Number(record.satisfaction) >= 1 && Number(record.satisfaction) <= 5)) found.add('out of range');
      account();
      break;
    case 'invoices.csv':
      requireFields('external_id', 'account_id', 'issued_on', 'due_on', 'amount', 'status');
      days('issued_on', 'due_on');
      instants('paid_at');
      counts('amount', 'failed_attempts');
      account();
      break;
    case 'renewals.csv':
      requireFields('account_id', 'renewal_date', 'outcome', 'arr_before_cents', 'arr_after_cents', 'decided_at');
      days('renewal_date');
      instants('decided_at');
      counts('arr_before_cents', 'arr_after_cents');
      account();
      break;
    case 'market_events.csv':
      requireFields('event_date', 'competitor', 'kind');
      days('event_date');
      if (present(record.kind) && !['launch', 'feature', 'price_cut', 'acquisition', 'funding', 'other'].includes(String(record.kind))) found.add('invalid value');
      break;
  }
  return found;
}

/** Records by physical line number (1-based; the CSV header is line 1). */
function recordsByLine(file: SampleFile, lines: readonly string[]): Map<number, Fields> {
  if (file.endsWith('.ndjson')) return new Map(lines.map((line, index) => [index + 1, JSON.parse(line) as Fields]));
  // The sample writes no line breaks inside fields, so each physical line is one record.
  const cellsOf = (line: string) => Papa.parse<string[]>(line).data[0] ?? [];
  const header = cellsOf(lines[0] ?? '');
  return new Map(
    lines.slice(1).map((line, index) => {
      const cells = cellsOf(line);
      return [index + 2, Object.fromEntries(header.map((name, column) => [name, cells[column] ?? ''])) as Fields] as const;
    }),
  );
}

describe('planted faults', () => {
  let dir: string;
  let sample: SampleData;
  beforeAll(async () => {
    dir = await generate({ accounts: 150, years: 1 });
    sample = readSample(dir);
  });

  it('counts every data line of every file in the manifest, planted lines included', () => {
    const { manifest } = sample;
    for (const file of SAMPLE_FILES) {
      const headerLines = file.endsWith('.ndjson') ? 0 : 1;
      expect(manifest.rows[file], file).toBe(physicalLines(dir, file).length - headerLines);
    }
    expect(manifest).toMatchObject({ seed: 7, accounts: 150, years: 1, end: '2026-03-01', recordsFrom: '2025-03-01' });
  });

  it('plants at least one reject and one duplicate in every file, exactly where faults.json says', () => {
    const { faults, accounts } = sample;
    const knownAccounts = new Set(accounts.map((account) => account.account_id as string));
    for (const file of SAMPLE_FILES) {
      const lines = physicalLines(dir, file);
      const records = recordsByLine(file, lines);
      expect(records.size, file).toBe(file.endsWith('.ndjson') ? lines.length : lines.length - 1);
      const rejects = faults.rejects.filter((fault) => fault.file === file);
      const duplicates = faults.duplicates.filter((fault) => fault.file === file);
      expect(rejects.length, file).toBeGreaterThanOrEqual(1);
      expect(duplicates.length, file).toBeGreaterThanOrEqual(1);
      const rejectLines = new Map(rejects.map((fault) => [fault.line, fault.reason]));
      const duplicateLines = new Set(duplicates.map((fault) => fault.line));
      for (const [number, record] of records) {
        const found = problems(file, record, knownAccounts);
        const planted = rejectLines.get(number);
        // A planted reject breaks exactly its stated rule; every other line breaks none.
        if (planted) expect([...found], `${file}:${number}`).toEqual([planted]);
        else expect([...found], `${file}:${number} ${lines[number - 1]}`).toEqual([]);
      }
      for (const fault of duplicates) expect(lines[fault.line - 1], `${file}:${fault.line}`).toBe(lines[fault.duplicateOfLine - 1]);
      // No exact duplicates other than the planted ones.
      const unplanted = lines.filter((_, index) => !duplicateLines.has(index + 1));
      expect(new Set(unplanted).size, file).toBe(unplanted.length);
    }
  });

  it('records each fault with the entity it belongs to', () => {
    const { faults } = sample;
    const entityOf: Record<SampleFile | SignalFile, string> = {
      'accounts.csv': 'accounts',
      'usage_daily.csv.gz': 'usage_daily',
      'support_contacts.ndjson': 'support_contacts',
      'invoices.csv': 'invoices',
      'renewals.csv': 'renewals',
      'market_events.csv': 'market_events',
      'events.ndjson.gz': 'usage_events',
      'nps_responses.csv': 'account_signals',
    };
    for (const fault of faults.rejects) expect(fault.entity).toBe(entityOf[fault.file as SampleFile | SignalFile]);
    // The event export and the survey get rejects; the event export no duplicates (an event has no id).
    for (const file of SIGNAL_FILES) expect(faults.rejects.filter((fault) => fault.file === file).length, file).toBeGreaterThanOrEqual(1);
    expect(faults.duplicates.filter((fault) => fault.file === 'events.ndjson.gz')).toEqual([]);
    expect(faults.duplicates.filter((fault) => fault.file === 'nps_responses.csv').length).toBeGreaterThanOrEqual(1);
  });
});
