// `radar sample --subscriptions` (issue 15): deriving renewals from the sample's billing export gives the
// renewals file the sample writes — same dates and outcomes, ARR before/after within 6 cents (a monthly price
// is whole cents: 12 × round(ARR / 12)), decided_at by the documented rule (the next period's start; a churn's
// cancellation) — on both backends, though the export bills small accounts monthly with mid-term add-ons,
// failed-payment replacements and trials.
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ingestDirectory } from '../pipelines/ingest/run.ts';
import { silentLogger } from '../pipelines/log.ts';
import { generateIntoTempDir, readSample, type TextRecord } from '../pipelines/sample/sample-reader.ts';
import { describeEachBackend } from './support/database.ts';

const END = '2026-06-30';
const END_OF_RECORDS = new Date('2026-07-01T00:00:00Z');
let dir: string;
let renewalsFile: TextRecord[];

beforeAll(async () => {
  ({ dir } = await generateIntoTempDir({ accounts: 100, years: 2, seed: 15, end: END, subscriptions: true }));
  renewalsFile = readSample(dir).renewals;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const key = (account: string, day: string) => `${account} ${day}`;

it('bills small accounts monthly, with the mess of a real export, and the rest annually', () => {
  const rows = readFileSync(join(dir, 'subscriptions.csv'), 'utf8').trim().split('\n').slice(1).map((line) => line.split(','));
  const count = (test: (row: string[]) => boolean) => rows.filter(test).length;
  // Columns: 4 interval, 7 quantity, 9 canceled_at, 11 ended_at, 12 term_end.
  expect(count((row) => row[4] === 'month')).toBeGreaterThan(10 * count((row) => row[4] === 'year'));
  expect(count((row) => row[4] === 'year')).toBeGreaterThan(20);
  expect(count((row) => row[4] === 'day' && row[6] === '0')).toBeGreaterThan(0);
  expect(count((row) => Number(row[7]) > 1)).toBeGreaterThan(0);
  expect(count((row) => row[11] !== '' && row[8] === 'canceled')).toBeGreaterThan(0);
  expect(count((row) => row[12] === '')).toBe(0);
});

describeEachBackend('sample subscriptions export', (context) => {
  it('derives the renewals file: same dates and outcomes, ARR within 6 cents, decided_at by the rule', async () => {
    const { db } = context();
    // The billing system's path: a folder with the accounts and the billing export, no renewals file.
    const billingDir = join(dir, 'billing');
    mkdirSync(billingDir, { recursive: true });
    for (const file of ['accounts.csv', 'subscriptions.csv']) copyFileSync(join(dir, file), join(billingDir, file));
    const loaded = await ingestDirectory(db, billingDir, { logger: silentLogger, force: true, now: END_OF_RECORDS });
    expect(loaded.map((summary) => [summary.source, summary.status])).toEqual([
      ['dir-accounts', 'succeeded'],
      ['dir-subscriptions', 'succeeded'],
    ]);
    const accounts = new Set((await db.selectFrom('accounts').select('external_id').execute()).map((row) => row.external_id));
    // Planted faults may reject an account; its subscriptions are then rejected as an unknown account.

    const derivedRows = await db
      .selectFrom('renewals')
      .innerJoin('accounts', 'accounts.account_id', 'renewals.account_id')
      .select(['external_id', 'renewals.renewal_date', 'outcome', 'arr_before_cents', 'arr_after_cents', 'decided_at'])
      .execute();
    const derived = new Map(derivedRows.map((row) => [key(row.external_id, String(row.renewal_date)), row]));
    const expected = renewalsFile.filter((row) => accounts.has(row.account_id!));
    expect(expected.length).toBeGreaterThan(100);
    for (const row of expected) {
      const match = derived.get(key(row.account_id!, row.renewal_date!));
      const decidedAt = row.outcome === 'churned' ? new Date(row.decided_at!).toISOString() : `${row.renewal_date}T00:00:00.000Z`;
      const within6Cents = (derivedCents: unknown, fileCents: string | undefined) => Math.abs(Number(derivedCents) - Number(fileCents)) <= 6;
      expect({
        key: key(row.account_id!, row.renewal_date!),
        outcome: match?.outcome,
        before: within6Cents(match?.arr_before_cents, row.arr_before_cents),
        after: within6Cents(match?.arr_after_cents, row.arr_after_cents),
        decidedAt: match && new Date(match.decided_at).toISOString(),
      }).toEqual({ key: key(row.account_id!, row.renewal_date!), outcome: row.outcome, before: true, after: true, decidedAt });
    }
    // The only extra renewals are those the billing system knows but the renewals file leaves out: a
    // renewal in the last 10 days whose (later) decision the file holds back, and a churn already
    // announced for a renewal after the end.
    const inFile = new Set(expected.map((row) => key(row.account_id!, row.renewal_date!)));
    const extras = derivedRows.filter((row) => !inFile.has(key(row.external_id, String(row.renewal_date))));
    for (const extra of extras) {
      const day = String(extra.renewal_date);
      expect(extra.outcome === 'churned' ? day > END : day > '2026-06-20' && day <= END).toBe(true);
    }
  });
});
