// `radar sample --subscriptions` (issue 15): deriving renewals from the sample's billing export gives the
// renewals file the sample writes — same dates, outcomes and ARR before/after; decided_at by the documented
// rule (the next period's start; a churn's cancellation) — on both backends.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fileSourceSchema } from '../config/sources.ts';
import { ingestSource } from '../pipelines/ingest/run.ts';
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

describeEachBackend('sample subscriptions export', (context) => {
  it('derives the renewals file: same dates, outcomes and ARR, decided_at by the rule', async () => {
    const { db } = context();
    const load = (entity: 'accounts' | 'subscriptions') =>
      ingestSource(db, { name: entity, source: fileSourceSchema.parse({ kind: 'file', entity, path: `${entity}.csv`, maxRejectShare: 1 }) }, { logger: silentLogger, baseDir: dir, now: END_OF_RECORDS });
    await load('accounts');
    const loaded = await load('subscriptions');
    expect(loaded).toMatchObject({ status: 'succeeded' });
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
      expect({ key: key(row.account_id!, row.renewal_date!), outcome: match?.outcome, before: Number(match?.arr_before_cents), after: Number(match?.arr_after_cents), decidedAt: match && new Date(match.decided_at).toISOString() }).toEqual({
        key: key(row.account_id!, row.renewal_date!),
        outcome: row.outcome,
        before: Number(row.arr_before_cents),
        after: Number(row.arr_after_cents),
        decidedAt,
      });
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
