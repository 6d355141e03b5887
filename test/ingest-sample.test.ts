// The sample company end to end on both backends: every planted fault is quarantined where faults.json
// says, nothing else is missing, and a forced second load inserts nothing.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { ingestDirectory } from '../pipelines/ingest/run.ts';
import { silentLogger } from '../pipelines/log.ts';
import { writeSampleCompany, type SampleManifest } from '../pipelines/sample/generate.ts';
import { describeEachBackend } from './support/database.ts';

interface Faults {
  rejects: { file: string; line: number; reason: string; entity: string }[];
  duplicates: { file: string; line: number; duplicateOfLine: number }[];
}

const dir = mkdtempSync(join(tmpdir(), 'radar-sample-ingest-'));
let manifest: SampleManifest;
let faults: Faults;

beforeAll(async () => {
  manifest = await writeSampleCompany({ accounts: 80, years: 1, seed: 11, end: '2026-06-30', outDir: dir });
  faults = JSON.parse(readFileSync(join(dir, 'faults.json'), 'utf8')) as Faults;
});

const TABLE_OF_FILE: Record<string, 'accounts' | 'usage_daily' | 'support_contacts' | 'invoices' | 'renewals' | 'market_events'> = {
  'accounts.csv': 'accounts',
  'usage_daily.csv.gz': 'usage_daily',
  'support_contacts.ndjson': 'support_contacts',
  'invoices.csv': 'invoices',
  'renewals.csv': 'renewals',
  'market_events.csv': 'market_events',
};

describeEachBackend('sample company ingest', (context) => {
  it('quarantines exactly the planted faults and loads every other row', async () => {
    const { db } = context();
    const summaries = await ingestDirectory(db, dir, { logger: silentLogger });
    // The six core files, the product event export and the NPS survey.
    expect(summaries.map((summary) => summary.status)).toEqual(Array(8).fill('succeeded'));

    const rejects = await db.selectFrom('ingest_rejects').select(['location', 'reason']).execute();
    const planted = faults.rejects.map((fault) => `${fault.file}:${fault.line}`).sort();
    expect(rejects.map((reject) => reject.location).sort()).toEqual(planted);
    for (const reject of rejects) expect(reject.reason).toMatch(/is not|is missing|unknown account|negative|fields, the header|not valid JSON|before|needs arr_after/);

    for (const [file, table] of Object.entries(TABLE_OF_FILE)) {
      const rejected = faults.rejects.filter((fault) => fault.file === file).length;
      const duplicates = faults.duplicates.filter((duplicate) => duplicate.file === file).length;
      const stored = Number((await db.selectFrom(table).select(db.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      expect({ file, stored }).toEqual({ file, stored: manifest.rows[file as keyof SampleManifest['rows']] - rejected - duplicates });
    }
  });

  it('inserts and updates nothing on a forced second load', async () => {
    const { db } = context();
    const again = await ingestDirectory(db, dir, { logger: silentLogger, force: true });
    for (const summary of again) expect(summary).toMatchObject({ status: 'succeeded', inserted: 0, updated: 0 });
  });
});
