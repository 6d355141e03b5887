// Indicators against a hand-built company, on both backends. Every expected value below is worked
// out by hand from the fixture (the arithmetic is written out), never by calling the code under test.
// D = 2024-03-31: a month end in a leap year, so windows cross 2024-02-29.
import { sql, type Kysely } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../config/load.ts';
import { computeIndicators, configuredIndicators, evaluateIndicators, readIndicatorValues } from '../indicators/compute.ts';
import { flagFor } from '../indicators/flag.ts';
import { indicatorRegistry } from '../indicators/registry.ts';
import type { Flag, Thresholds } from '../indicators/types.ts';
import { usageDecline } from '../indicators/usage-decline.ts';
import { runScript } from '../sql/database.ts';
import { evaluateIndicatorValues, writeIndicatorValues } from '../indicators/statement.ts';
import { prepareIndicatorTransaction } from '../sql/indicators.ts';
import { canCheckReferencesOnce } from '../sql/ingest.ts';
import type { DB } from '../sql/schema.ts';
import { describeEachBackend } from './support/database.ts';

const D = '2024-03-31';
const { config } = parseConfig({});
const run = (db: Kysely<DB>, scope: 'renewing' | 'all' = 'renewing') => computeIndicators(db, { asOf: D, config, scope, horizonDays: 90 });

interface Ids {
  alpha: number;
  bravo: number;
  charlie: number;
  delta: number;
  echo: number;
  foxtrot: number;
}

async function account(db: Kysely<DB>, externalId: string, values: { segment: string; industry: string | null; arr: number; start: string; renewal: string }): Promise<number> {
  const row = await db
    .insertInto('accounts')
    .values({ external_id: externalId, name: externalId, segment: values.segment, industry: values.industry, arr_cents: values.arr, contract_start: values.start, renewal_date: values.renewal })
    .returning('account_id')
    .executeTakeFirstOrThrow();
  return row.account_id;
}

async function usage(db: Kysely<DB>, accountId: number, from: string, to: string, row: { users: number; events: number; seats: number | null }): Promise<void> {
  await sql`INSERT INTO usage_daily (account_id, day, active_users, events, licensed_seats)
            SELECT ${accountId}::bigint, d::date, ${row.users}::int, ${row.events}::int, ${row.seats}::int
            FROM generate_series(${from}::date, ${to}::date, interval '1 day') d`.execute(db);
}

async function buildFixture(db: Kysely<DB>): Promise<Ids> {
  // alpha: long-standing; renews 2024-05-15 (45 days after D); downgraded at its 2023 renewal.
  // Current state says ARR 5,000,000 — as of D it is the 4,500,000 decided at that renewal.
  const alpha = await account(db, 'alpha', { segment: 'enterprise', industry: 'fintech', arr: 5_000_000, start: '2022-01-01', renewal: '2024-05-15' });
  // bravo: brand new (2024-02-15), renews 2024-06-01 (62 days), seats unknown.
  const bravo = await account(db, 'bravo', { segment: 'smb', industry: null, arr: 1_000_000, start: '2024-02-15', renewal: '2024-06-01' });
  // charlie: no usage at all; next renewal from the renewals table, 2024-06-29 = D + 90 (in scope).
  // Its account row is current state (already renewed to 2025, ARR after a downgrade decided after D).
  const charlie = await account(db, 'charlie', { segment: 'smb', industry: 'retail', arr: 2_000_000, start: '2021-06-01', renewal: '2025-06-29' });
  // delta: renews 2024-06-30 = D + 91: outside the 90-day horizon.
  const delta = await account(db, 'delta', { segment: 'smb', industry: 'retail', arr: 700_000, start: '2020-01-01', renewal: '2024-06-30' });
  // echo: churn decided before D: out of scope even with --all.
  const echo = await account(db, 'echo', { segment: 'smb', industry: 'retail', arr: 900_000, start: '2020-01-01', renewal: '2024-05-01' });
  // foxtrot: contract starts after D.
  const foxtrot = await account(db, 'foxtrot', { segment: 'smb', industry: 'retail', arr: 900_000, start: '2024-04-15', renewal: '2025-04-15' });

  await db
    .insertInto('renewals')
    .values([
      { account_id: alpha, renewal_date: '2023-05-15', outcome: 'downgraded', arr_before_cents: 5_000_000, arr_after_cents: 4_500_000, decided_at: '2023-04-20T12:00:00Z' },
      { account_id: charlie, renewal_date: '2024-06-29', outcome: 'downgraded', arr_before_cents: 3_000_000, arr_after_cents: 2_000_000, decided_at: '2024-06-10T12:00:00Z' },
      { account_id: echo, renewal_date: '2024-05-01', outcome: 'churned', arr_before_cents: 900_000, arr_after_cents: 0, decided_at: '2024-03-20T09:00:00Z' },
    ])
    .execute();

  // alpha usage. Baseline 2023-12-03 … 2024-03-01 (90 days, incl. 2024-02-29): 100 events/day, 5 users, 10 seats.
  // Recent 2024-03-02 … 2024-03-31 (30 days): 60 events and 4 users on 03-02 … 03-26 (25 days), nothing on 03-27 … 03-31; 20 seats.
  await usage(db, alpha, '2023-12-03', '2024-03-01', { users: 5, events: 100, seats: 10 });
  await usage(db, alpha, '2024-03-02', '2024-03-26', { users: 4, events: 60, seats: 20 });
  await usage(db, alpha, '2024-03-27', '2024-03-31', { users: 0, events: 0, seats: 20 });
  // bravo usage since its start: 10 events, 2 users a day, seats unknown. 2024-02-15 … 2024-03-31 = 15 + 31 = 46 days.
  await usage(db, bravo, '2024-02-15', '2024-03-31', { users: 2, events: 10, seats: null });
  await usage(db, delta, '2024-01-01', '2024-03-31', { users: 1, events: 5, seats: 5 });

  // alpha: one invoice paid exactly on its due date.
  // charlie: a payment history (void one excluded; c5 was paid after D, so as of D it is unpaid).
  await db
    .insertInto('invoices')
    .values([
      { external_id: 'a1', account_id: alpha, issued_on: '2024-02-29', due_on: '2024-03-30', paid_at: '2024-03-30T00:00:00Z', amount_cents: 400_000, status: 'paid' },
      { external_id: 'c-early', account_id: charlie, issued_on: '2023-08-31', due_on: '2023-09-30', paid_at: '2023-09-29T08:00:00Z', amount_cents: 200_000, status: 'paid', failed_attempts: 4 },
      { external_id: 'c0', account_id: charlie, issued_on: '2023-09-30', due_on: '2023-10-30', paid_at: '2023-11-09T23:30:00Z', amount_cents: 200_000, status: 'paid' },
      { external_id: 'c1', account_id: charlie, issued_on: '2023-12-01', due_on: '2023-12-31', paid_at: '2023-12-31T15:00:00Z', amount_cents: 250_000, status: 'paid' },
      { external_id: 'c2', account_id: charlie, issued_on: '2024-01-01', due_on: '2024-01-31', paid_at: '2024-02-29T10:00:00Z', amount_cents: 250_000, status: 'paid', failed_attempts: 2 },
      { external_id: 'c3', account_id: charlie, issued_on: '2024-02-01', due_on: '2024-02-29', amount_cents: 300_000, status: 'open', failed_attempts: 1 },
      { external_id: 'c4', account_id: charlie, issued_on: '2024-03-01', due_on: '2024-03-31', amount_cents: 300_000, status: 'open' },
      { external_id: 'c5', account_id: charlie, issued_on: '2024-03-15', due_on: '2024-04-14', paid_at: '2024-04-20T10:00:00Z', amount_cents: 310_000, status: 'paid', failed_attempts: 1 },
      { external_id: 'c-void', account_id: charlie, issued_on: '2024-02-10', due_on: '2024-03-01', amount_cents: 999_000, status: 'void', failed_attempts: 3 },
    ])
    .execute();

  // charlie support. Baseline 2023-12-03T00:00Z … 2024-03-02T00:00Z: 9 contacts (first and last instants included);
  // recent 2024-03-02 … 2024-03-31 (UTC): 4 contacts. One just before the baseline and one just after D.
  const contact = (id: string, openedAt: string, extra: { priority?: string; satisfaction?: number; closedAt?: string } = {}) => ({
    external_id: id,
    account_id: charlie,
    opened_at: openedAt,
    closed_at: extra.closedAt ?? null,
    priority: extra.priority ?? 'normal',
    satisfaction: extra.satisfaction ?? null,
  });
  await db
    .insertInto('support_contacts')
    .values([
      contact('t-before', '2023-12-02T23:59:59Z', { priority: 'urgent' }),
      contact('t-b1', '2023-12-03T00:00:00Z'),
      contact('t-b2', '2023-12-25T10:00:00Z'),
      contact('t-b3', '2024-01-15T10:00:00Z'),
      contact('t-b4', '2024-01-20T10:00:00Z'),
      contact('t-b5', '2024-01-31T23:00:00Z'),
      contact('t-b6', '2024-02-10T10:00:00Z', { priority: 'high' }),
      contact('t-b7', '2024-02-29T12:00:00Z'),
      contact('t-b8', '2024-02-29T23:59:59Z'),
      contact('t-b9', '2024-03-01T23:59:59Z', { satisfaction: 1, closedAt: '2024-03-01T23:59:59Z' }),
      contact('t-r1', '2024-03-02T00:00:00Z', { priority: 'urgent' }),
      contact('t-r2', '2024-03-10T09:00:00Z', { priority: 'low', satisfaction: 2, closedAt: '2024-03-11T09:00:00Z' }),
      contact('t-r3', '2024-03-15T09:00:00Z', { priority: 'high', satisfaction: 1, closedAt: '2024-03-16T09:00:00Z' }),
      // Rated 1 but closed (and so rated) after D: not an escalation as of D.
      contact('t-r4', '2024-03-31T23:59:59Z', { satisfaction: 1, closedAt: '2024-04-02T09:00:00Z' }),
      contact('t-after', '2024-04-01T00:00:00Z', { priority: 'urgent' }),
    ])
    .execute();

  await db
    .insertInto('market_events')
    .values([
      { event_date: '2024-01-02', competitor: 'Rival', kind: 'launch', segment: null, industry: null }, // first day of the 90-day window; everyone
      { event_date: '2024-01-01', competitor: 'Rival', kind: 'launch', segment: null, industry: null }, // one day too early
      { event_date: '2024-02-29', competitor: 'Upstart', kind: 'feature', segment: 'smb', industry: null }, // bravo, charlie
      { event_date: '2024-03-31', competitor: 'Upstart', kind: 'launch', segment: 'enterprise', industry: 'fintech' }, // alpha
      { event_date: '2024-03-15', competitor: 'Rival', kind: 'price_cut', segment: null, industry: null }, // wrong kind
      { event_date: '2024-03-20', competitor: 'Other', kind: 'feature', segment: null, industry: 'retail' }, // charlie
      { event_date: '2024-03-25', competitor: 'Other', kind: 'feature', segment: 'smb', industry: 'fintech' }, // both must match: nobody
      { event_date: '2024-04-01', competitor: 'Rival', kind: 'feature', segment: null, industry: null }, // after D
    ])
    .execute();
  return { alpha, bravo, charlie, delta, echo, foxtrot };
}

// ---- The expected values, by hand ---------------------------------------------------------------

// alpha usageTrend: 90 days 2024-01-02 … 2024-03-31, x = day − D from −89 to 0, x̄ = −44.5.
//   y = 100 for x = −89 … −30 (60 days: 2024-01-02 … 2024-03-01), 60 for x = −29 … −5 (25 days), 0 for x = −4 … 0.
//   Σx over −89…−30 = −(30+…+89) = −60·59.5 = −3570; over −29…−5 = −(5+…+29) = −25·17 = −425.
//   Sxy = Σ(x − x̄)·y = 100·(−3570 − 60·(−44.5)) + 60·(−425 − 25·(−44.5)) = −90000 + 41250 = −48750
//   Sxx = n(n² − 1)/12 = 90·8099/12 = 60742.5; slope = Sxy/Sxx; mean = (60·100 + 25·60 + 5·0)/90.
const alphaSlope = (100 * (-3570 - 60 * -44.5) + 60 * (-425 - 25 * -44.5)) / ((90 * (90 ** 2 - 1)) / 12);
const alphaMean = (60 * 100 + 25 * 60 + 5 * 0) / 90;

type Expected = Record<string, [number | null, Flag]>;
const expected: { alpha: Expected; bravo: Expected; charlie: Expected } = {
  alpha: {
    // per seat: recent (25·60 + 5·0)/30 = 50 events/day on 20 seats = 2.5; baseline 90·100/90 = 100 on 10 seats = 10.
    usageDecline: [(1500 / 30 / 20) / (9000 / 90 / 10) - 1, 'critical'], // −0.75
    usageTrend: [(alphaSlope * 30) / alphaMean, 'warning'], // ≈ −0.289
    activeDays: [25, 'ok'],
    seatUtilisation: [(25 * 4 + 5 * 0) / (30 * 20), 'critical'], // 100/600
    supportChange: [null, 'no-data'], // no baseline contacts
    supportEscalations: [0, 'ok'],
    paymentDelay: [0, 'ok'], // a1 paid on its due date: 2024-03-30 − 2024-03-30 = 0
    paymentDelayAverage: [0, 'ok'],
    oldestUnpaidOverdueDays: [0, 'ok'],
    overdueAmount: [0, 'ok'],
    failedPayments: [0, 'ok'],
    competitorReleases: [2, 'warning'], // Rival 01-02 (market), Upstart 03-31 (enterprise+fintech)
    daysToRenewal: [30 + 15, 'ok'], // April 30 + May 15
    tenure: [365 + 365 + (31 + 29 + 30), 'ok'], // 2022, 2023, 2024-01-01 → 03-31
    arr: [4_500_000, 'ok'], // decided at the 2023 renewal; the account row's 5,000,000 is current state
    recentDowngrade: [1, 'warning'], // decided 2023-04-20, within 365 days before D (window starts 2023-04-02)
  },
  bravo: {
    usageDecline: [null, 'no-data'], // started 2024-02-15, needs history back to 2023-12-03
    usageTrend: [0, 'ok'], // 46 reported days of constant usage: slope 0
    activeDays: [30, 'ok'], // started before 2024-03-02, active every day of the window
    seatUtilisation: [null, 'no-data'], // seats unknown
    supportChange: [null, 'no-data'],
    supportEscalations: [0, 'ok'],
    paymentDelay: [null, 'no-data'], // no invoices
    paymentDelayAverage: [null, 'no-data'],
    oldestUnpaidOverdueDays: [null, 'no-data'],
    overdueAmount: [null, 'no-data'],
    failedPayments: [null, 'no-data'],
    competitorReleases: [2, 'warning'], // Rival 01-02 (market), Upstart 02-29 (smb)
    daysToRenewal: [30 + 31 + 1, 'ok'], // to 2024-06-01
    tenure: [15 + 31 - 1, 'critical'], // 02-15 → 02-29 is 14 days, + 31 to 03-31 = 45
    arr: [1_000_000, 'ok'],
    recentDowngrade: [0, 'ok'],
  },
  charlie: {
    // No usage rows at all since its 2021 contract start: every covered day is a day without usage.
    usageDecline: [null, 'no-data'], // a baseline of zero events: nothing to compare with
    usageTrend: [null, 'no-data'], // 90 covered days at zero: mean 0, no trend
    activeDays: [0, 'critical'], // 0 of 30 covered days active (≤ 8)
    seatUtilisation: [null, 'no-data'], // no day reports seats
    supportChange: [(4 / 30) / (9 / 90) - 1, 'ok'], // +33%
    supportEscalations: [3, 'critical'], // t-r1 urgent, t-r2 rated 2, t-r3 high (and rated 1); t-r4 rated after D
    // last 6 invoices issued by D (void excluded, c-early is the 7th): c5 0 (not due), c4 0 (due on D), c3 31 (unpaid since 02-29),
    // c2 29 (due 01-31, paid on the leap day), c1 0 (paid on its due date), c0 10 (due 10-30, paid 11-09).
    paymentDelay: [31, 'critical'],
    paymentDelayAverage: [(0 + 0 + 31 + 29 + 0 + 10) / 6, 'warning'],
    oldestUnpaidOverdueDays: [31, 'warning'], // c3: 2024-03-31 − 2024-02-29
    overdueAmount: [300_000, 'warning'], // c3 only (c4 is due on D, c5 not yet due)
    failedPayments: [1 + 0 + 1, 'warning'], // issued after 2024-01-01: c3 1, c4 0, c5 1 (c2 issued 01-01 is one day out; void excluded)
    competitorReleases: [3, 'critical'], // Rival 01-02, Upstart 02-29 (smb), Other 03-20 (retail)
    daysToRenewal: [30 + 31 + 29, 'ok'], // to 2024-06-29 from the renewals table
    tenure: [365 + 365 + 366 - 62, 'ok'], // to 2024-06-01 would be 365+365+366; D is 62 days earlier
    arr: [3_000_000, 'ok'], // the contract in force: ARR before the 2024-06-29 renewal
    recentDowngrade: [0, 'ok'], // its downgrade was decided after D
  },
};

describeEachBackend('indicators', (context) => {
  let ids: Ids;
  beforeAll(async () => {
    ids = await buildFixture(context().db);
  });

  it('has an expectation for every registered indicator', () => {
    const registered = indicatorRegistry.map((indicator) => indicator.id).sort();
    for (const account of Object.values(expected)) expect(Object.keys(account).sort()).toEqual(registered);
  });

  it('computes every indicator as worked out by hand', async () => {
    const { db } = context();
    const result = await run(db);
    expect(result).toMatchObject({ asOf: D, accounts: 3, indicators: indicatorRegistry.length, written: 3 * indicatorRegistry.length });
    const rows = await readIndicatorValues(db, D);
    for (const name of ['alpha', 'bravo', 'charlie'] as const) {
      for (const [indicator, [value, flag]] of Object.entries(expected[name])) {
        const row = rows.find((candidate) => candidate.accountId === ids[name] && candidate.indicator === indicator);
        const label = `${name}.${indicator}`;
        expect({ label, flag: row?.flag, isNull: row?.value === null }).toEqual({ label, flag, isNull: value === null });
        if (value !== null) expect(row?.value, label).toBeCloseTo(value, 9);
      }
    }
  });

  it('stores the counts behind a value and explains them', async () => {
    const { db } = context();
    const [row] = await readIndicatorValues(db, D, [ids.alpha]).then((rows) => rows.filter((r) => r.indicator === 'usageDecline'));
    expect(row?.detail).toMatchObject({ recentEventsPerDay: 50, baselineEventsPerDay: 100, recentSeats: 20, baselineSeats: 10, perSeat: true, recentReportedDays: 30, baselineReportedDays: 90 });
    const section = (config.indicators as unknown as Record<string, { recentDays: number; baselineDays: number; warning: number; critical: number }>).usageDecline!;
    expect(usageDecline.explain(row!.value, row!.detail, section)).toBe(
      'avg 50 events/day in the last 30 days vs 100 in the 90 before (per licensed seat: 20 seats vs 10): \u221275%',
    );
    const [payment] = await readIndicatorValues(db, D, [ids.charlie]).then((rows) => rows.filter((r) => r.indicator === 'paymentDelay'));
    expect(payment?.detail).toMatchObject({ invoices: 6, lateInvoices: 3, unpaid: 3, maxDelayDays: 31 });
  });

  it('reads back every kind of detail field as a JSON detail would have it (numbers, booleans, dates, timestamps, words, extras)', async () => {
    const { db } = context();
    const rows = await readIndicatorValues(db, D);
    const detail = (name: keyof Ids, indicator: string) => rows.find((row) => row.accountId === ids[name] && row.indicator === indicator)?.detail;
    expect(detail('alpha', 'daysToRenewal')).toEqual({ nextRenewalOn: '2024-05-15' });
    expect(detail('alpha', 'tenure')).toEqual({ contractStart: '2022-01-01' });
    expect(detail('alpha', 'arr')).toEqual({ source: 'decided' });
    expect(detail('charlie', 'arr')).toEqual({ source: 'contract' });
    expect(detail('alpha', 'recentDowngrade')).toEqual({
      windowDays: 365, renewalDate: '2023-05-15', arrBeforeCents: 5_000_000, arrAfterCents: 4_500_000, decidedAt: '2023-04-20T12:00:00.000Z',
    });
    expect(detail('bravo', 'recentDowngrade')).toEqual({ windowDays: 365, renewalDate: null, arrBeforeCents: null, arrAfterCents: null, decidedAt: null });
    // c-early, c0 … c5 issued by D (void excluded); only c3 (due on the leap day) is unpaid and overdue.
    expect(detail('charlie', 'oldestUnpaidOverdueDays')).toEqual({ invoices: 7, overdueInvoices: 1, oldestDueOn: '2024-02-29' });
    expect(detail('charlie', 'competitorReleases')).toEqual({ windowDays: 90, events: 3, latest: '2024-03-20', competitors: ['Other', 'Rival', 'Upstart'] });
    expect(detail('bravo', 'usageDecline')).toMatchObject({ enoughHistory: false, perSeat: false, recentReportedDays: 30, baselineEventsPerDay: 10 });
    expect(detail('charlie', 'activeDays')).toEqual({ recentDays: 30, reportedDays: 0, activeDays: 0, fullWindow: true });
    // No invoices: the invoice indicators return no row for bravo, so there are no counts behind the value.
    expect(detail('bravo', 'paymentDelay')).toEqual({});
  });

  it('gives the same details in SQL through the indicator_values_readable view', async () => {
    const { db } = context();
    const viewed = await db.selectFrom('indicator_values_readable').select(['account_id', 'indicator', 'detail']).where('as_of', '=', D).execute();
    const read = await readIndicatorValues(db, D);
    expect(viewed.length).toBe(read.length);
    for (const row of read) {
      const view = viewed.find((candidate) => candidate.account_id === row.accountId && candidate.indicator === row.indicator);
      expect({ indicator: row.indicator, detail: view?.detail }).toEqual({ indicator: row.indicator, detail: row.detail });
    }
  });

  it('brings the stored field lists back in line with the indicator files on the next write', async () => {
    const { db } = context();
    await db.updateTable('indicator_detail_fields').set({ name: 'stale' }).where('indicator', '=', 'tenure').execute();
    await db.insertInto('indicator_detail_fields').values({ indicator: 'tenure', position: 2, name: 'gone', kind: 'number' }).execute();
    await run(db);
    const tenure = await db.selectFrom('indicator_detail_fields').select(['position', 'name', 'kind']).where('indicator', '=', 'tenure').orderBy('position').execute();
    expect(tenure).toEqual([{ position: 1, name: 'contractStart', kind: 'date' }]);
    const words = await db.selectFrom('indicator_detail_fields').select(['kind', 'words']).where('indicator', '=', 'arr').execute();
    expect(words).toEqual([{ kind: 'words', words: ['contract', 'decided'] }]);
  });

  it('keeps the stored detail layout: fields are read by position, so a list may only grow at its end', () => {
    // Stored rows are unpacked with the current lists. Reordering or removing a field would misread every
    // row already stored; append new fields instead (older rows then read them as null).
    const layout = Object.fromEntries(indicatorRegistry.map((indicator) => [indicator.id, indicator.detail.names]));
    expect(layout).toEqual({
      usageDecline: ['recentDays', 'baselineDays', 'enoughHistory', 'perSeat', 'recentReportedDays', 'baselineReportedDays', 'recentEventsPerDay', 'baselineEventsPerDay', 'recentSeats', 'baselineSeats'],
      usageTrend: ['days', 'minDays', 'coveredDays', 'meanEventsPerDay', 'slopePerDay'],
      activeDays: ['recentDays', 'reportedDays', 'activeDays', 'fullWindow'],
      seatUtilisation: ['recentDays', 'daysWithSeats', 'avgActiveUsers', 'avgLicensedSeats'],
      supportChange: ['recentDays', 'baselineDays', 'recentContacts', 'baselineContacts', 'enoughHistory'],
      supportEscalations: ['recentDays', 'contacts', 'highPriority', 'lowSatisfaction'],
      paymentDelay: ['invoices', 'lastN', 'lateInvoices', 'unpaid', 'maxDelayDays'],
      paymentDelayAverage: ['invoices', 'lastN', 'totalDelayDays'],
      oldestUnpaidOverdueDays: ['invoices', 'overdueInvoices', 'oldestDueOn'],
      overdueAmount: ['invoices', 'overdueInvoices', 'overdueCents'],
      failedPayments: ['windowDays', 'invoicesInWindow', 'invoicesWithFailures'],
      competitorReleases: ['windowDays', 'events', 'latest'],
      daysToRenewal: ['nextRenewalOn'],
      tenure: ['contractStart'],
      arr: ['source'],
      recentDowngrade: ['windowDays', 'renewalDate', 'arrBeforeCents', 'arrAfterCents', 'decidedAt'],
    });
  });

  it('reads a row stored before details were packed (migration 0005) with its jsonb detail unchanged', async () => {
    const { db } = context();
    const before = { recentDays: 30, contacts: 2, highPriority: 1, lowSatisfaction: 0 };
    await db.insertInto('indicator_values')
      .values({ account_id: ids.alpha, as_of: '2020-01-01', indicator: 'supportEscalations', value: 1, flag: 'warning', detail: JSON.stringify(before) })
      .execute();
    const [row] = await readIndicatorValues(db, '2020-01-01');
    expect(row).toMatchObject({ indicator: 'supportEscalations', value: 1, detail: before });
  });

  it('picks the same downgrade every run when two were decided at the same instant (the later renewal)', async () => {
    const { db } = context();
    const golf = await account(db, 'golf', { segment: 'smb', industry: null, arr: 800_000, start: '2021-01-01', renewal: '2024-05-01' });
    await db.insertInto('renewals').values([
      // Stored later renewal first: without the tie-break the index hands back the other one first.
      { account_id: golf, renewal_date: '2023-07-01', outcome: 'downgraded', arr_before_cents: 900_000, arr_after_cents: 800_000, decided_at: '2023-06-01T09:00:00Z' },
      { account_id: golf, renewal_date: '2023-05-01', outcome: 'downgraded', arr_before_cents: 1_000_000, arr_after_cents: 900_000, decided_at: '2023-06-01T09:00:00Z' },
    ]).execute();
    try {
      const values = await evaluateIndicators(db, { asOf: D, config, scope: 'all', horizonDays: 90, accountIds: [golf] });
      const downgrade = values.find((value) => value.indicator === 'recentDowngrade');
      expect(downgrade).toMatchObject({ value: 1, detail: { renewalDate: '2023-07-01', arrBeforeCents: 900_000, arrAfterCents: 800_000 } });
    } finally {
      await db.deleteFrom('accounts').where('account_id', '=', golf).execute();
    }
  });

  it('sets every stored flag by the same rule as flagFor', async () => {
    const { db } = context();
    const rows = await readIndicatorValues(db, D);
    const sections = config.indicators as unknown as Record<string, Thresholds>;
    expect(rows.length).toBe(3 * indicatorRegistry.length);
    for (const row of rows) {
      const definition = indicatorRegistry.find((indicator) => indicator.id === row.indicator)!;
      expect({ indicator: row.indicator, flag: row.flag }).toEqual({ indicator: row.indicator, flag: flagFor(row.value, sections[row.indicator]!, definition.riskDirection) });
    }
  });

  it('scopes to renewals within the horizon: D+90 is in, D+91, churned and not-yet-started accounts are out', async () => {
    const { db } = context();
    const computed = new Set((await readIndicatorValues(db, D)).map((row) => row.accountId));
    expect([...computed].sort()).toEqual([ids.alpha, ids.bravo, ids.charlie].sort());
    const all = new Set((await evaluateIndicators(db, { asOf: D, config, scope: 'all', horizonDays: 90 })).map((row) => row.accountId));
    expect([...all].sort()).toEqual([ids.alpha, ids.bravo, ids.charlie, ids.delta].sort());
    const wider = await evaluateIndicators(db, { asOf: D, config, scope: 'renewing', horizonDays: 91 });
    expect(new Set(wider.map((row) => row.accountId)).has(ids.delta)).toBe(true);
  });

  it('is idempotent: a second run writes nothing and leaves identical rows', async () => {
    const { db } = context();
    const before = await readIndicatorValues(db, D);
    const again = await run(db);
    expect(again.written).toBe(0);
    expect(await readIndicatorValues(db, D)).toEqual(before);
  });

  it('checks account references once per write (triggers off for that statement only): the foreign key still guards the table', async () => {
    const { db } = context();
    // The test roles may switch triggers off, so the run above took the set-based path.
    expect(await canCheckReferencesOnce(db, 'indicator_values')).toBe(true);
    const stored = await db.selectFrom('indicator_values').select((eb) => eb.fn.countAll<number>().as('n')).where('as_of', '=', D).executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(3 * indicatorRegistry.length);
    await expect(
      db.insertInto('indicator_values').values({ account_id: 987_654_321, as_of: D, indicator: 'arr', value: 1, flag: 'ok' }).execute(),
    ).rejects.toThrow(/foreign key/);
    const role = await sql<{ role: string }>`SELECT current_setting('session_replication_role') AS role`.execute(db);
    expect(role.rows[0]?.role).toBe('origin');
  });

  it('writes as a role that may not switch triggers off, with the per-row foreign-key check', async () => {
    const { db, options } = context();
    const schema = options.schema ?? 'public';
    // Roles are cluster-wide: create it once, grant it this test's schema.
    await sql.raw(`DO $$ BEGIN CREATE ROLE radar_test_plain NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`).execute(db);
    await runScript(db, `GRANT USAGE ON SCHEMA ${schema} TO radar_test_plain; GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA ${schema} TO radar_test_plain`);
    const summary = await db.transaction().execute(async (trx) => {
      await prepareIndicatorTransaction(trx);
      await sql`SET LOCAL ROLE radar_test_plain`.execute(trx);
      expect(await canCheckReferencesOnce(trx, 'indicator_values')).toBe(false);
      return writeIndicatorValues(trx, { asOf: '2024-03-30', indicators: configuredIndicators(config), scope: 'all', horizonDays: 90 });
    });
    expect(summary).toMatchObject({ accounts: 4, written: 4 * indicatorRegistry.length });
  });

  it('computes bit-identical values with and without parallel workers, run after run', async () => {
    const { db } = context();
    const spec = { asOf: D, indicators: configuredIndicators(config), scope: 'all' as const, horizonDays: 90 };
    // Parallel plans forced even for this small fixture (on PGlite the settings are accepted and change nothing).
    const evaluate = (parallel: boolean) =>
      db.transaction().execute(async (trx) => {
        await prepareIndicatorTransaction(trx);
        if (parallel) {
          for (const setting of ['parallel_setup_cost = 0', 'parallel_tuple_cost = 0', 'min_parallel_table_scan_size = 0', 'max_parallel_workers_per_gather = 2']) {
            await sql.raw(`SET LOCAL ${setting}`).execute(trx);
          }
        } else {
          await sql`SET LOCAL max_parallel_workers_per_gather = 0`.execute(trx);
        }
        return evaluateIndicatorValues(trx, spec);
      });
    const serial = await evaluate(false);
    expect(serial.length).toBe(4 * indicatorRegistry.length);
    // toEqual compares numbers with Object.is: exact, to the last bit.
    for (let run = 0; run < 3; run++) expect(await evaluate(true)).toEqual(serial);
    expect(await evaluate(false)).toEqual(serial);
  });

  it('gives the same rows in account shards (Postgres server: one exported snapshot, two connections)', async () => {
    const { db, backend } = context();
    if (backend.name !== 'postgres') return;
    const options = { asOf: D, config, scope: 'all' as const, horizonDays: 90 };
    const whole = await evaluateIndicators(db, options);
    expect(await evaluateIndicators(db, { ...options, shards: 2 })).toEqual(whole);
    expect(await evaluateIndicators(db, { ...options, shards: 3, accountIds: [ids.charlie, ids.alpha] })).toEqual(whole.filter((row) => row.accountId === ids.alpha || row.accountId === ids.charlie));
  });

  it('applies thresholds from config', async () => {
    const { db } = context();
    const strict = parseConfig({ indicators: { competitorReleases: { warning: 3, critical: 5 } } }).config;
    const rows = await evaluateIndicators(db, { asOf: D, config: strict, scope: 'renewing', horizonDays: 90, accountIds: [ids.charlie] });
    expect(rows.find((row) => row.indicator === 'competitorReleases')).toMatchObject({ accountId: ids.charlie, value: 3, flag: 'warning' });
    expect(new Set(rows.map((row) => row.accountId))).toEqual(new Set([ids.charlie]));
  });

  it('does not move when facts dated after D arrive (no leakage)', async () => {
    const { db } = context();
    await run(db);
    const before = await readIndicatorValues(db, D);
    expect(before.length).toBe(3 * indicatorRegistry.length);
    // Usage after D, for everyone.
    for (const id of [ids.alpha, ids.bravo, ids.charlie]) await usage(db, id, '2024-04-01', '2024-04-20', { users: 50, events: 9999, seats: 1 });
    // Tickets opened after D (and the escalations they would add).
    await db
      .insertInto('support_contacts')
      .values([
        { external_id: 'leak-1', account_id: ids.charlie, opened_at: '2024-04-01T00:00:00Z', priority: 'urgent' },
        { external_id: 'leak-2', account_id: ids.alpha, opened_at: '2024-04-02T10:00:00Z', priority: 'high', satisfaction: 1, closed_at: '2024-04-03T10:00:00Z' },
      ])
      .execute();
    // Invoices issued after D, one unpaid with failed attempts.
    await db
      .insertInto('invoices')
      .values([
        { external_id: 'leak-a', account_id: ids.alpha, issued_on: '2024-04-01', due_on: '2024-04-01', amount_cents: 5_000_000, status: 'open', failed_attempts: 7 },
        { external_id: 'leak-b', account_id: ids.bravo, issued_on: '2024-04-15', due_on: '2024-05-15', amount_cents: 100, status: 'open' },
      ])
      .execute();
    // Payments after D: the overdue c3 and the due-on-D c4 get paid.
    await db.updateTable('invoices').set({ paid_at: '2024-04-05T09:00:00Z', status: 'paid' }).where('external_id', 'in', ['c3', 'c4']).execute();
    // Renewals decided after D: bravo churns, alpha gets a renewal row for its next date (arr_before = the contract in force).
    await db
      .insertInto('renewals')
      .values([
        { account_id: ids.bravo, renewal_date: '2024-06-01', outcome: 'churned', arr_before_cents: 1_000_000, arr_after_cents: 0, decided_at: '2024-05-20T10:00:00Z' },
        { account_id: ids.alpha, renewal_date: '2024-05-15', outcome: 'downgraded', arr_before_cents: 4_500_000, arr_after_cents: 1_000_000, decided_at: '2024-04-10T10:00:00Z' },
      ])
      .execute();
    // Current-state columns move on too.
    await db.updateTable('accounts').set({ arr_cents: 1_000_000, status: 'churned' }).where('account_id', 'in', [ids.alpha, ids.bravo]).execute();
    // A competitor launch after D.
    await db.insertInto('market_events').values({ event_date: '2024-04-02', competitor: 'Late', kind: 'launch', segment: null, industry: null }).execute();

    const again = await run(db);
    expect(again.accounts).toBe(3);
    expect(await readIndicatorValues(db, D)).toEqual(before);
    expect(again.written).toBe(0);
    // The same facts do move a later as-of day, so the test would notice if they were ignored altogether.
    const later = await evaluateIndicators(db, { asOf: '2024-04-06', config, scope: 'all', horizonDays: 90, accountIds: [ids.charlie] });
    expect(later.find((row) => row.indicator === 'overdueAmount')?.value).toBe(0);
    // Window 03-08 … 04-06: t-r2, t-r3, t-r4 (its rating is known from 04-02), t-after and leak-1; t-r1 (03-02) has left it.
    expect(later.find((row) => row.indicator === 'supportEscalations')?.value).toBe(5);
  });
});
