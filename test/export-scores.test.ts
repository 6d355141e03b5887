// `radar export scores`: one row per account with its score as of a day, point in time (a later score
// leaves the export as of D byte-identical), RFC 4180 quoting, text cells neutralised against
// spreadsheet formulas, NDJSON, read in batches; on both backends, and once as a real process.
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import Papa from 'papaparse';
import { expect, it } from 'vitest';
import { centsToDecimal, driversInWords, scoreExportLines, type ExportFormat } from '../pipelines/export/scores.ts';
import { spreadsheetText } from '../pipelines/csv.ts';
import { openDatabase } from '../sql/database.ts';
import { migrate } from '../sql/migrate.ts';
import type { DB } from '../sql/schema.ts';
import { addAccount, addScore, DRIVERS, resetAlertTables } from './alerts-fixtures.ts';
import { runRadar } from './support/cli.ts';
import { describeEachBackend } from './support/database.ts';

async function exported(db: Kysely<DB>, asOf: string, format: ExportFormat = 'csv', batchSize = 2): Promise<string> {
  let text = '';
  for await (const chunk of scoreExportLines(db, { asOf, format, batchSize })) text += chunk;
  return text;
}

/** Five accounts whose names need quoting or neutralising; scores on 2026-01-10 and 2026-01-14. */
async function seed(db: Kysely<DB>): Promise<Record<string, number>> {
  await resetAlertTables(db);
  const ids = {
    acme: await addAccount(db, { externalId: 'ACME-1', name: 'Acme, "the" Logistics', arrCents: 12_000_050, renewalDate: '2026-03-01' }),
    formula: await addAccount(db, { externalId: 'F-2', name: '=HYPERLINK("http://x.example","click")', arrCents: 500_000, renewalDate: '2026-04-15' }),
    lines: await addAccount(db, { externalId: '-3', name: 'Two\nLines', arrCents: 99, renewalDate: '2026-05-01' }),
    plain: await addAccount(db, { externalId: 'PLAIN-4', name: 'Plain Co', arrCents: 100, renewalDate: '2026-06-01' }),
    never: await addAccount(db, { externalId: 'NEVER-5', name: '@never scored', arrCents: 0, renewalDate: '2026-07-01' }),
  };
  await addScore(db, ids.acme, '2026-01-10', 0.31, 'medium', [DRIVERS.payment]);
  await addScore(db, ids.acme, '2026-01-14', 0.72, 'high', [DRIVERS.support, DRIVERS.usage, DRIVERS.protective, DRIVERS.competition, DRIVERS.payment]);
  await addScore(db, ids.formula, '2026-01-14', 0.5, 'medium', [{ indicator: 'seatUtilisation', contribution: 0.2 }]);
  await addScore(db, ids.lines, '2026-01-02', 0.05, 'low', [DRIVERS.protective]);
  await addScore(db, ids.plain, '2026-01-15', 0.9, 'critical', [DRIVERS.usage]);
  return ids;
}

// By hand: ACME's 01-14 score, its positive drivers strongest first (usage 0.9, payment 0.6, support 0.4; competition 0.3 is the 4th);
// F-2's name starts with = and is prefixed with '; '-3' starts with - likewise; PLAIN-4's score is dated after 01-14: unscored as of then.
const EXPECTED_0114 = [
  'external_id,name,churn_probability,tier,top_drivers,renewal_date,arr,currency,as_of,scored_on,model_version',
  'ACME-1,"Acme, ""the"" Logistics",0.72,high,Active users fell 45% over the last 30 days; The latest invoice is 21 days overdue; No support contact in 60 days after a busy quarter,2026-03-01,120000.50,USD,2026-01-14,2026-01-14,m-2026-01',
  `F-2,"'=HYPERLINK(""http://x.example"",""click"")",0.5,medium,seatUtilisation,2026-04-15,5000.00,USD,2026-01-14,2026-01-14,m-2026-01`,
  `'-3,"Two\nLines",0.05,low,,2026-05-01,0.99,USD,2026-01-14,2026-01-02,m-2026-01`,
  'PLAIN-4,Plain Co,,,,2026-06-01,1.00,USD,2026-01-14,,',
  `NEVER-5,'@never scored,,,,2026-07-01,0.00,USD,2026-01-14,,`,
  '',
].join('\r\n');

it('formats money exactly, neutralises formulas and words the drivers', () => {
  expect([centsToDecimal(0), centsToDecimal(5), centsToDecimal(1005), centsToDecimal(-250), centsToDecimal(12_345_678_901)]).toEqual(['0.00', '0.05', '10.05', '-2.50', '123456789.01']);
  expect(['=1+1', '+1', '-1', '@SUM(A1)', '\tx', 'a=b', ''].map(spreadsheetText)).toEqual(["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", 'a=b', '']);
  expect(driversInWords([{ indicator: 'a', contribution: 0.1 }, { indicator: 'b', contribution: -1, sentence: 'B' }, { indicator: 'c', contribution: 0.5, sentence: 'C' }])).toEqual(['C', 'a']);
  expect(driversInWords(null)).toEqual([]);
});

describeEachBackend('radar export scores', (context) => {
  it('writes one RFC 4180 row per account as of the day, in batches, and a later score leaves it unchanged', async () => {
    const { db } = context();
    const ids = await seed(db);
    const before = await exported(db, '2026-01-14');
    expect(before).toBe(EXPECTED_0114);
    // A spreadsheet-grade parser reads the same five records back, the line break inside the quotes kept.
    const parsed = Papa.parse<string[]>(before.trimEnd(), { newline: '\r\n' });
    expect(parsed.errors).toEqual([]);
    expect(parsed.data.map((row) => row[1])).toEqual(['name', 'Acme, "the" Logistics', `'=HYPERLINK("http://x.example","click")`, 'Two\nLines', 'Plain Co', "'@never scored"]);

    // Facts dated after D: a new score for ACME on 01-20 and one for F-2 on 01-15 (after D) do not move the export as of D.
    await addScore(db, ids.acme!, '2026-01-20', 0.99, 'critical', [DRIVERS.usage]);
    await addScore(db, ids.formula!, '2026-01-15', 0.1, 'low', [DRIVERS.usage]);
    expect(await exported(db, '2026-01-14')).toBe(before);
    expect(await exported(db, '2026-01-14', 'csv', 1000)).toBe(before);
    const later = (await exported(db, '2026-01-20')).split('\r\n');
    expect(later[1]).toBe('ACME-1,"Acme, ""the"" Logistics",0.99,critical,Active users fell 45% over the last 30 days,2026-03-01,120000.50,USD,2026-01-20,2026-01-20,m-2026-01');
    expect(later[2]).toMatch(/^F-2,.*,0.1,low,.*,2026-01-20,2026-01-15,m-2026-01$/);
  });

  it('NDJSON: one object a line, values unchanged (numbers, drivers as a list, names not prefixed)', async () => {
    const { db } = context();
    await seed(db);
    const lines = (await exported(db, '2026-01-14', 'json', 3)).split('\n');
    expect(lines.at(-1)).toBe('');
    const rows = lines.slice(0, -1).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rows.map((row) => row.externalId)).toEqual(['ACME-1', 'F-2', '-3', 'PLAIN-4', 'NEVER-5']);
    expect(rows[0]).toEqual({
      externalId: 'ACME-1', name: 'Acme, "the" Logistics', churnProbability: 0.72, tier: 'high',
      topDrivers: ['Active users fell 45% over the last 30 days', 'The latest invoice is 21 days overdue', 'No support contact in 60 days after a busy quarter'],
      renewalDate: '2026-03-01', arrCents: 12_000_050, currency: 'USD', asOf: '2026-01-14', scoredOn: '2026-01-14', modelVersion: 'm-2026-01',
    });
    expect(rows[1]!.name).toBe('=HYPERLINK("http://x.example","click")');
    expect(rows[3]).toMatchObject({ churnProbability: null, tier: null, topDrivers: [], scoredOn: null });
  });
});

it('runs as a process: --out writes the file whole, stdout without --out, bad days refused', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'radar-export-'));
  const db = await openDatabase({ dataDir: join(dataDir, 'pgdata') });
  try {
    await migrate(db);
    await seed(db);
  } finally {
    await db.destroy();
  }
  const env = { RADAR_DATA_DIR: dataDir };
  const out = join(dataDir, 'crm', 'scores.csv');
  const written = await runRadar(['--json', 'export', 'scores', '--as-of', '2026-01-14', '--out', out], env);
  expect(written.code, written.stderr).toBe(0);
  expect(written.stderr).toContain('"event":"scores_exported"');
  expect(JSON.parse(written.stdout)).toEqual({ asOf: '2026-01-14', format: 'csv', rows: 5, file: out });
  expect(readFileSync(out, 'utf8')).toBe(EXPECTED_0114);
  expect(existsSync(`${out}.partial`)).toBe(false);
  const piped = await runRadar(['export', 'scores', '--as-of', '2026-01-14', '--format', 'json'], env);
  expect(piped.code).toBe(0);
  expect(piped.stdout.split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { externalId: string }).externalId)).toEqual(['ACME-1', 'F-2', '-3', 'PLAIN-4', 'NEVER-5']);
  const bad = await runRadar(['export', 'scores', '--as-of', '2026-02-30'], env);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('--as-of must be a day YYYY-MM-DD, got "2026-02-30"');
});
