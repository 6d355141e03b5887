// Contract terms (issue 15): a plan billed monthly on an annual commitment renews at the end of its term,
// not at every invoice; on both backends. Every expected renewal is worked out by hand from the periods
// below and the rules in docs/subscriptions.md; "now" is 2026-06-15T12:00Z, grace 3 days.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { fileSourceSchema } from '../config/sources.ts';
import { ingestSource } from '../pipelines/ingest/run.ts';
import { silentLogger } from '../pipelines/log.ts';
import type { DB } from '../sql/schema.ts';
import { typicalPeriodDays } from '../sql/subscriptions.ts';
import { describeEachBackend } from './support/database.ts';

const NOW = new Date('2026-06-15T12:00:00Z');
const IDS = ['upgraded', 'dunning', 'notice', 'gap'];
const ACCOUNTS = ['account_id,name,arr_cents,contract_start,renewal_date', ...IDS.map((id) => `${id},${id} Ltd,777,2024-01-01,2030-01-01`)].join('\n');
const HEADER = 'account_id,subscription_id,period_start,period_end,interval,interval_count,amount_cents,quantity,status,canceled_at,cancel_at_period_end,ended_at,term_end';
const PERIODS = [
  // $100 a month on a term ending 1 June 2026: a second seat for February and March (not a renewal either
  // way), then a new term at $125: one renewal, 1 June, $1,200 → $1,500.
  'upgraded,sub_u,2026-01-01,2026-02-01,month,1,10000,1,active,,false,,2026-06-01',
  'upgraded,sub_u,2026-02-01,2026-03-01,month,1,10000,2,active,,false,,2026-06-01',
  'upgraded,sub_u,2026-03-01,2026-04-01,month,1,10000,2,active,,false,,2026-06-01',
  'upgraded,sub_u,2026-04-01,2026-05-01,month,1,10000,1,active,,false,,2026-06-01',
  'upgraded,sub_u,2026-05-01,2026-06-01,month,1,10000,1,active,,false,,2026-06-01',
  'upgraded,sub_u,2026-06-01,2026-07-01,month,1,12500,1,active,,false,,2027-06-01',
  // A failed payment ends the subscription on 1 May; the customer subscribes again on 2 May under a new
  // id, same term (a prorated stub to 1 June first): no renewal, the term runs to 1 September.
  'dunning,sub_d1,2026-03-01,2026-04-01,month,1,5000,1,active,,false,,2026-09-01',
  'dunning,sub_d1,2026-04-01,2026-05-01,month,1,5000,1,canceled,,false,2026-05-01T00:00:00Z,2026-09-01',
  'dunning,sub_d2,2026-05-02,2026-06-01,month,1,4839,1,active,,false,,2026-09-01',
  'dunning,sub_d2,2026-06-01,2026-07-01,month,1,5000,1,active,,false,,2026-09-01',
  // Notice given on 20 April to leave at the end of the term (1 June): churned, decided at the notice.
  'notice,sub_n,2026-04-01,2026-05-01,month,1,3000,1,active,,false,,2026-06-01',
  'notice,sub_n,2026-05-01,2026-06-01,month,1,3000,1,canceled,2026-04-20T10:00:00Z,true,,2026-06-01',
  // Loads missed December and January, and April and May: the term ending 1 December 2025 renewed
  // (decided when the next period was seen, 1 February); the gap inside the next term is no renewal.
  'gap,sub_g,2025-11-01,2025-12-01,month,1,2000,1,active,,false,,2025-12-01',
  'gap,sub_g,2026-02-01,2026-03-01,month,1,2000,1,active,,false,,2026-12-01',
  'gap,sub_g,2026-03-01,2026-04-01,month,1,2000,1,active,,false,,2026-12-01',
  'gap,sub_g,2026-06-01,2026-07-01,month,1,2000,1,active,,false,,2026-12-01',
];
const EXPECTED = [
  ['gap', '2025-12-01', 'renewed', 24_000, 24_000, '2026-02-01T00:00:00.000Z'],
  ['notice', '2026-06-01', 'churned', 36_000, 0, '2026-04-20T10:00:00.000Z'],
  ['upgraded', '2026-06-01', 'expanded', 120_000, 150_000, '2026-06-01T00:00:00.000Z'],
];

async function load(db: Kysely<DB>, entity: 'accounts' | 'subscriptions', text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'radar-terms-'));
  writeFileSync(join(dir, `${entity}.csv`), `${text}\n`);
  const source = fileSourceSchema.parse({ kind: 'file', entity, path: `${entity}.csv`, maxRejectShare: 1 });
  return ingestSource(db, { name: entity, source }, { logger: silentLogger, baseDir: dir, force: true, now: NOW });
}

async function renewals(db: Kysely<DB>) {
  const rows = await db
    .selectFrom('renewals')
    .innerJoin('accounts', 'accounts.account_id', 'renewals.account_id')
    .select(['external_id', 'renewals.renewal_date', 'outcome', 'arr_before_cents', 'arr_after_cents', 'decided_at'])
    .orderBy('external_id')
    .orderBy('renewals.renewal_date')
    .execute();
  return rows.map((row) => [row.external_id, String(row.renewal_date), row.outcome, Number(row.arr_before_cents), Number(row.arr_after_cents), new Date(row.decided_at).toISOString()]);
}

describeEachBackend('subscriptions billed monthly on a contract term', (context) => {
  it('derives one renewal per term end, none at the invoices inside a term', async () => {
    const { db } = context();
    await load(db, 'accounts', ACCOUNTS);
    const summary = await load(db, 'subscriptions', [HEADER, ...PERIODS].join('\n'));
    expect(summary).toMatchObject({ status: 'succeeded', inserted: PERIODS.length, rejected: 0 });
    expect(summary.detail?.derivedRenewals).toEqual({ derived: 3, inserted: 3, updated: 0, unchanged: 0, deleted: 0, keptFromSource: 0 });
    expect(await renewals(db)).toEqual(EXPECTED);
  });

  it('dates the accounts’ next renewal at the term end, not the invoice', async () => {
    const { db } = context();
    const rows = await db.selectFrom('accounts').select(['external_id', 'renewal_date', 'arr_cents', 'status']).orderBy('external_id').execute();
    expect(rows.map((row) => [row.external_id, String(row.renewal_date), Number(row.arr_cents), row.status])).toEqual([
      // sub_d2's current period: $50 × 12.
      ['dunning', '2026-09-01', 60_000, 'active'],
      ['gap', '2026-12-01', 24_000, 'active'],
      // Nothing live: ARR left as the accounts file had it.
      ['notice', '2026-06-01', 777, 'churned'],
      ['upgraded', '2027-06-01', 150_000, 'active'],
    ]);
  });

  it('measures the typical renewal period per term, not per invoice', async () => {
    const { db } = context();
    // Terms, from the first period seen to the term end: upgraded 2026-01-01→06-01 151 days and
    // 06-01→2027-06-01 365; dunning sub_d1 03-01→09-01 184, sub_d2 05-02→09-01 122; notice 04-01→06-01 61;
    // gap 2025-11-01→12-01 30 and 2026-02-01→12-01 303. Median of 7: 151.
    expect(await typicalPeriodDays(db)).toEqual({ days: 151, basis: 'subscription periods', count: 7 });
  });

  it('changes nothing on a second load, and quarantines a term that ends before its period starts', async () => {
    const { db } = context();
    const again = await load(db, 'subscriptions', [HEADER, ...PERIODS, 'gap,sub_x,2026-03-01,2026-04-01,month,1,100,1,active,,false,,2026-01-01'].join('\n'));
    expect(again).toMatchObject({ status: 'succeeded', inserted: 0, updated: 0, unchanged: PERIODS.length, rejected: 1 });
    expect(again.detail).toMatchObject({ derivedRenewals: { derived: 3, inserted: 0, updated: 0, unchanged: 3, deleted: 0 }, accountsUpdated: 0 });
    const reasons = await db.selectFrom('ingest_rejects').select('reason').where('run_id', '=', again.runId).execute();
    expect(reasons.map((row) => row.reason)).toEqual(['term_end 2026-01-01 is not after period_start 2026-03-01']);
    expect(await renewals(db)).toEqual(EXPECTED);
  });
});
