// Renewals derived from subscription periods, on both backends, with hand-built histories (issue 15).
// Every expected renewal below is worked out by hand from the periods and the rules in
// docs/subscriptions.md; "now" is 2026-06-15T12:00Z and the grace window is the default 3 days.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { fileSourceSchema } from '../config/sources.ts';
import { ingestSource } from '../pipelines/ingest/run.ts';
import { describeDerivation } from '../pipelines/ingest/subscriptions.ts';
import { silentLogger } from '../pipelines/log.ts';
import type { DB } from '../sql/schema.ts';
import { describeEachBackend } from './support/database.ts';

const NOW = new Date('2026-06-15T12:00:00Z');
const ACCOUNT_IDS = ['monthly', 'annual', 'cancel-at-end', 'cancel-now', 'late', 'lapsing', 'lapsed', 'reactivated', 'trial', 'paused'];
const ACCOUNTS = ['account_id,name,arr_cents,contract_start,renewal_date', ...ACCOUNT_IDS.map((id) => `${id},${id} Ltd,777,2024-01-01,2030-01-01`)].join('\n');

const HEADER = 'account_id,subscription_id,period_start,period_end,interval,interval_count,amount_cents,quantity,status,canceled_at,cancel_at_period_end,ended_at';
const PERIODS = [
  // Monthly, $100: upgrade to 2 seats, back to 1, renewed; the June period is still running.
  'monthly,sub_a,2026-03-01,2026-04-01,month,1,10000,1,active,,false,',
  'monthly,sub_a,2026-04-01,2026-05-01,month,1,10000,2,active,,false,',
  'monthly,sub_a,2026-05-01,2026-06-01,month,1,10000,1,active,,false,',
  'monthly,sub_a,2026-06-01,2026-07-01,month,1,10000,1,active,,false,',
  // Annual, $12,000 then $15,000.
  'annual,sub_b,2024-06-01,2025-06-01,year,1,1200000,1,active,,false,',
  'annual,sub_b,2025-06-01,2026-06-01,year,1,1200000,1,active,,false,',
  'annual,sub_b,2026-06-01,2027-06-01,year,1,1500000,1,active,,false,',
  // Cancelled on 20 May, at the end of the May period.
  'cancel-at-end,sub_c,2026-04-01,2026-05-01,month,1,5000,1,active,,false,',
  'cancel-at-end,sub_c,2026-05-01,2026-06-01,month,1,5000,1,active,2026-05-20T10:00:00Z,true,',
  // Cancelled at once on 10 June, inside a running period.
  'cancel-now,sub_d,2026-05-01,2026-06-01,month,1,5000,1,active,,false,',
  'cancel-now,sub_d,2026-06-01,2026-07-01,month,1,5000,1,canceled,2026-06-10T12:00:00Z,false,2026-06-10T12:00:00Z',
  // The old subscription ended on 1 May and its successor was recorded a day late, on 2 May: not a churn.
  'late,sub_e1,2026-04-01,2026-05-01,month,1,8000,1,canceled,,false,2026-05-01T00:00:00Z',
  'late,sub_e2,2026-05-02,2026-06-02,month,1,8000,1,active,,false,',
  'late,sub_e2,2026-06-02,2026-07-02,month,1,8000,1,active,,false,',
  // Ended 2 days ago, not cancelled: inside the grace window, no outcome yet.
  'lapsing,sub_f,2026-05-13,2026-06-13,month,1,3000,1,active,,false,',
  // Ended 5 days ago, not cancelled, nothing followed: churned once the grace window passed (13 June).
  'lapsed,sub_g,2026-05-10,2026-06-10,month,1,3000,1,active,,false,',
  // Churned in February (cancelled 20 January), came back in April on a new subscription.
  'reactivated,sub_i1,2026-01-01,2026-02-01,month,1,6000,1,canceled,2026-01-20T09:00:00Z,false,2026-02-01T00:00:00Z',
  'reactivated,sub_i2,2026-04-01,2026-05-01,month,1,6000,1,active,,false,',
  'reactivated,sub_i2,2026-05-01,2026-06-01,month,1,6000,1,active,,false,',
  'reactivated,sub_i2,2026-06-01,2026-07-01,month,1,6000,1,active,,false,',
  // A free trial (no renewal at its end), then paid monthly from 15 April.
  'trial,sub_t,2026-04-01,2026-04-15,day,14,0,1,trialing,,false,',
  'trial,sub_t,2026-04-15,2026-05-15,month,1,2000,1,active,,false,',
  'trial,sub_t,2026-05-15,2026-06-15,month,1,2000,1,active,,false,',
  'trial,sub_t,2026-06-15,2026-07-15,month,1,2000,1,active,,false,',
  // Paused for April: the March renewal is decided when billing resumes on 1 May.
  'paused,sub_p,2026-03-01,2026-04-01,month,1,4000,1,active,,false,',
  'paused,sub_p,2026-04-01,2026-05-01,month,1,4000,1,paused,,false,',
  'paused,sub_p,2026-05-01,2026-06-01,month,1,4000,1,active,,false,',
  'paused,sub_p,2026-06-01,2026-07-01,month,1,4000,1,active,,false,',
];

const midnight = (day: string) => `${day}T00:00:00.000Z`;
type Expected = [account: string, renewalDate: string, outcome: string, before: number, after: number, decidedAt: string];
const EXPECTED: Expected[] = [
  ['annual', '2025-06-01', 'renewed', 1_200_000, 1_200_000, midnight('2025-06-01')],
  ['annual', '2026-06-01', 'expanded', 1_200_000, 1_500_000, midnight('2026-06-01')],
  ['cancel-at-end', '2026-05-01', 'renewed', 60_000, 60_000, midnight('2026-05-01')],
  ['cancel-at-end', '2026-06-01', 'churned', 60_000, 0, '2026-05-20T10:00:00.000Z'],
  ['cancel-now', '2026-06-01', 'renewed', 60_000, 60_000, midnight('2026-06-01')],
  ['cancel-now', '2026-07-01', 'churned', 60_000, 0, '2026-06-10T12:00:00.000Z'],
  ['lapsed', '2026-06-10', 'churned', 36_000, 0, midnight('2026-06-13')],
  ['late', '2026-05-01', 'renewed', 96_000, 96_000, midnight('2026-05-02')],
  ['late', '2026-06-02', 'renewed', 96_000, 96_000, midnight('2026-06-02')],
  ['monthly', '2026-04-01', 'expanded', 120_000, 240_000, midnight('2026-04-01')],
  ['monthly', '2026-05-01', 'downgraded', 240_000, 120_000, midnight('2026-05-01')],
  ['monthly', '2026-06-01', 'renewed', 120_000, 120_000, midnight('2026-06-01')],
  ['paused', '2026-04-01', 'renewed', 48_000, 48_000, midnight('2026-05-01')],
  ['paused', '2026-06-01', 'renewed', 48_000, 48_000, midnight('2026-06-01')],
  ['reactivated', '2026-02-01', 'churned', 72_000, 0, '2026-01-20T09:00:00.000Z'],
  ['reactivated', '2026-05-01', 'renewed', 72_000, 72_000, midnight('2026-05-01')],
  ['reactivated', '2026-06-01', 'renewed', 72_000, 72_000, midnight('2026-06-01')],
  ['trial', '2026-05-15', 'renewed', 24_000, 24_000, midnight('2026-05-15')],
  ['trial', '2026-06-15', 'renewed', 24_000, 24_000, midnight('2026-06-15')],
];

function writeFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'radar-subscriptions-'));
  writeFileSync(join(dir, name), `${text}\n`);
  return dir;
}

async function load(db: Kysely<DB>, entity: 'accounts' | 'subscriptions' | 'renewals', text: string, now = NOW) {
  const dir = writeFile(`${entity}.csv`, text);
  const source = fileSourceSchema.parse({ kind: 'file', entity, path: `${entity}.csv`, maxRejectShare: 1 });
  return ingestSource(db, { name: entity, source }, { logger: silentLogger, baseDir: dir, force: true, now });
}

async function renewals(db: Kysely<DB>): Promise<Expected[]> {
  const rows = await db
    .selectFrom('renewals')
    .innerJoin('accounts', 'accounts.account_id', 'renewals.account_id')
    .select(['external_id', 'renewals.renewal_date', 'outcome', 'arr_before_cents', 'arr_after_cents', 'decided_at'])
    .orderBy('external_id')
    .orderBy('renewals.renewal_date')
    .execute();
  return rows.map((row) => [row.external_id, String(row.renewal_date), row.outcome, Number(row.arr_before_cents), Number(row.arr_after_cents), new Date(row.decided_at).toISOString()]);
}

async function account(db: Kysely<DB>, id: string) {
  const row = await db.selectFrom('accounts').select(['renewal_date', 'arr_cents', 'status']).where('external_id', '=', id).executeTakeFirstOrThrow();
  return { renewalDate: String(row.renewal_date), arr: Number(row.arr_cents), status: row.status };
}

const replaceLine = (lines: readonly string[], from: string, to: string) => lines.map((line) => (line === from ? to : line));

describeEachBackend('subscriptions → renewals', (context) => {
  it('derives one renewal per decided period end, and none for running, trial or in-grace periods', async () => {
    const { db } = context();
    expect(await load(db, 'accounts', ACCOUNTS)).toMatchObject({ status: 'succeeded', inserted: ACCOUNT_IDS.length });
    const summary = await load(db, 'subscriptions', [HEADER, ...PERIODS].join('\n'));
    expect(summary).toMatchObject({ status: 'succeeded', read: PERIODS.length, inserted: PERIODS.length, rejected: 0 });
    expect(summary.detail?.derivedRenewals).toEqual({ derived: 19, inserted: 19, updated: 0, unchanged: 0, deleted: 0, keptFromSource: 0 });
    expect(await renewals(db)).toEqual(EXPECTED);
  });

  it('sets the accounts’ renewal date, ARR and status from their latest periods', async () => {
    const { db } = context();
    expect(await account(db, 'monthly')).toEqual({ renewalDate: '2026-07-01', arr: 120_000, status: 'active' });
    expect(await account(db, 'annual')).toEqual({ renewalDate: '2027-06-01', arr: 1_500_000, status: 'active' });
    // Still inside the grace window: live until 16 June.
    expect(await account(db, 'lapsing')).toEqual({ renewalDate: '2026-06-13', arr: 36_000, status: 'active' });
    // Nothing live: churned, ARR left as the accounts file had it (the loss is in the renewal).
    expect(await account(db, 'lapsed')).toEqual({ renewalDate: '2026-06-10', arr: 777, status: 'churned' });
    expect(await account(db, 'cancel-at-end')).toEqual({ renewalDate: '2026-06-01', arr: 777, status: 'churned' });
    expect(await account(db, 'cancel-now')).toEqual({ renewalDate: '2026-07-01', arr: 777, status: 'churned' });
    expect(await account(db, 'reactivated')).toEqual({ renewalDate: '2026-07-01', arr: 72_000, status: 'active' });
  });

  it('changes nothing when the same export is loaded again', async () => {
    const { db } = context();
    const before = await renewals(db);
    const summary = await load(db, 'subscriptions', [HEADER, ...PERIODS].join('\n'));
    expect(summary).toMatchObject({ status: 'succeeded', inserted: 0, updated: 0, unchanged: PERIODS.length });
    expect(summary.detail).toMatchObject({ derivedRenewals: { derived: 19, inserted: 0, updated: 0, unchanged: 19, deleted: 0 }, accountsUpdated: 0 });
    expect(describeDerivation(summary.detail)).toBe('derived renewals: 0 inserted, 0 updated, 19 unchanged, 0 deleted; 0 account(s) updated');
    expect(await renewals(db)).toEqual(before);
  });

  it('follows corrections in the source: a backdated upgrade, a late cancellation, a cancellation withdrawn', async () => {
    const { db } = context();
    let corrected = replaceLine(PERIODS, 'monthly,sub_a,2026-06-01,2026-07-01,month,1,10000,1,active,,false,', 'monthly,sub_a,2026-06-01,2026-07-01,month,1,10000,3,active,,false,');
    corrected = replaceLine(corrected, 'lapsed,sub_g,2026-05-10,2026-06-10,month,1,3000,1,active,,false,', 'lapsed,sub_g,2026-05-10,2026-06-10,month,1,3000,1,canceled,2026-06-05T08:00:00Z,false,');
    corrected = replaceLine(
      corrected,
      'cancel-now,sub_d,2026-06-01,2026-07-01,month,1,5000,1,canceled,2026-06-10T12:00:00Z,false,2026-06-10T12:00:00Z',
      'cancel-now,sub_d,2026-06-01,2026-07-01,month,1,5000,1,active,,false,',
    );
    const summary = await load(db, 'subscriptions', [HEADER, ...corrected].join('\n'));
    expect(summary).toMatchObject({ status: 'succeeded', inserted: 0, updated: 3 });
    expect(summary.detail?.derivedRenewals).toEqual({ derived: 18, inserted: 0, updated: 2, unchanged: 16, deleted: 1, keptFromSource: 0 });
    const expected = EXPECTED.filter(([id, day]) => !(id === 'cancel-now' && day === '2026-07-01')).map((row): Expected => {
      if (row[0] === 'monthly' && row[1] === '2026-06-01') return ['monthly', '2026-06-01', 'expanded', 120_000, 360_000, midnight('2026-06-01')];
      if (row[0] === 'lapsed') return ['lapsed', '2026-06-10', 'churned', 36_000, 0, '2026-06-05T08:00:00.000Z'];
      return row;
    });
    expect(await renewals(db)).toEqual(expected);
    expect(await account(db, 'monthly')).toEqual({ renewalDate: '2026-07-01', arr: 360_000, status: 'active' });
    expect(await account(db, 'cancel-now')).toEqual({ renewalDate: '2026-07-01', arr: 60_000, status: 'active' });
  });

  it('decides the renewal in the grace window once time passes, and leaves it when the successor arrives late', async () => {
    const { db } = context();
    const later = new Date('2026-06-16T00:00:00Z');
    // 16 June = 13 June + 3 days: the lapsing period is now churned, decided at the end of its grace window.
    const churnedSummary = await load(db, 'subscriptions', [HEADER, 'lapsing,sub_f,2026-05-13,2026-06-13,month,1,3000,1,active,,false,'].join('\n'), later);
    expect(churnedSummary.detail?.derivedRenewals).toMatchObject({ inserted: 1, updated: 0 });
    expect((await renewals(db)).filter(([id]) => id === 'lapsing')).toEqual([['lapsing', '2026-06-13', 'churned', 36_000, 0, midnight('2026-06-16')]]);
    // The next period shows up, starting 14 June (a day late): the churn becomes a renewal.
    const renewed = await load(db, 'subscriptions', [HEADER, 'lapsing,sub_f,2026-06-14,2026-07-14,month,1,3000,1,active,,false,'].join('\n'), later);
    expect(renewed.detail?.derivedRenewals).toMatchObject({ inserted: 0, updated: 1, deleted: 0 });
    expect((await renewals(db)).filter(([id]) => id === 'lapsing')).toEqual([['lapsing', '2026-06-13', 'renewed', 36_000, 36_000, midnight('2026-06-14')]]);
  });

  it('leaves renewals that a renewals source wrote alone, even where it replaced a derived one', async () => {
    const { db } = context();
    const fromSource = await load(db, 'renewals', 'account_id,renewal_date,outcome,arr_before_cents,arr_after_cents,decided_at\nannual,2026-06-01,renewed,1200000,1200000,2026-05-15T00:00:00Z');
    expect(fromSource).toMatchObject({ status: 'succeeded', updated: 1 });
    const summary = await load(db, 'subscriptions', [HEADER, ...PERIODS].join('\n'));
    expect(summary.detail?.derivedRenewals).toMatchObject({ keptFromSource: 1 });
    expect((await renewals(db)).filter(([id]) => id === 'annual')).toEqual([
      ['annual', '2025-06-01', 'renewed', 1_200_000, 1_200_000, midnight('2025-06-01')],
      ['annual', '2026-06-01', 'renewed', 1_200_000, 1_200_000, '2026-05-15T00:00:00.000Z'],
    ]);
  });

  it('quarantines impossible periods with their reason and never writes a renewal against the schema', async () => {
    const { db } = context();
    const bad = [
      'monthly,sub_x1,2026-03-01,2026-02-01,month,1,100,1,active,,false,',
      'monthly,sub_x2,2026-03-01,2026-04-01,fortnight,1,100,1,active,,false,',
      'monthly,sub_x3,2026-03-01,2026-04-01,month,1,-100,1,active,,false,',
      ',sub_x4,2026-03-01,2026-04-01,month,1,100,1,active,,false,',
    ];
    const summary = await load(db, 'subscriptions', [HEADER, ...bad].join('\n'));
    expect(summary).toMatchObject({ status: 'succeeded', read: 4, inserted: 0, rejected: 4 });
    const reasons = await db.selectFrom('ingest_rejects').select('reason').where('run_id', '=', summary.runId).orderBy('reject_id').execute();
    expect(reasons.map((row) => row.reason)).toEqual([
      'period_end 2026-02-01 is not after period_start 2026-03-01',
      'interval "fortnight" is not one of day, week, month, year (map it under the source\'s values)',
      'amount_cents "-100" is a negative amount',
      'account_id is missing',
    ]);
    const violations = await db
      .selectFrom('renewals')
      .select(db.fn.countAll().as('n'))
      .where((eb) =>
        eb.or([
          eb.and([eb('outcome', '=', 'churned'), eb('arr_after_cents', '<>', 0)]),
          eb.and([eb('outcome', '=', 'downgraded'), eb('arr_after_cents', '>=', eb.ref('arr_before_cents'))]),
          eb.and([eb('outcome', '=', 'expanded'), eb('arr_after_cents', '<=', eb.ref('arr_before_cents'))]),
          eb.and([eb('outcome', '=', 'renewed'), eb('arr_after_cents', '<>', eb.ref('arr_before_cents'))]),
        ]),
      )
      .executeTakeFirstOrThrow();
    expect(Number(violations.n)).toBe(0);
  });
});
