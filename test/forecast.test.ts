// The renewal forecast on a hand-written company: figures recomputed by hand, a stored forecast that
// later data cannot move, and the forecast made at a period's start beside what happened.
//
// As of 2026-12-20, renewals dated in January 2027:
// - F1 smb  $1,000, renews 2027-01-10, scored 0.25 on 2026-12-18 → renews with 0.75
// - F2 smb  $3,000, renews 2027-01-20, never scored → smb's rate: 1 churn in 2 decided, (1+1)/(2+2) = 0.5
// - F3 ent $10,000, renews 2027-01-05, already decided (churned) on 2026-12-15 → renews with 0
// - F4 ent  $2,000, renews 2027-02-15: outside January.
// Expected renewed ARR 750 + 1,500 = $2,250 of $14,000 due; expected renewed logos 1.25.
// Renewed ARR outcomes: $0 (.25 × .5 = .125), $1,000 (.375), $3,000 (.125), $4,000 (.375): both intervals $0 … $4,000.
// Renewed logos: 0 (.125), 1 (.5), 2 (.375): the 80% interval 0 … 2.
import type { Kysely } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../config/load.ts';
import { intervalAt } from '../pipelines/forecast/maths.ts';
import { parseForecastPeriod } from '../pipelines/forecast/periods.ts';
import { computeForecast, forecastChecks, makeForecast, makeUpcomingForecasts, type ForecastFigures } from '../pipelines/forecast/run.ts';
import { forecastLines } from '../pipelines/forecast/text.ts';
import { buildWeeklyFigures } from '../pipelines/report/build.ts';
import { renderHtml, renderMarkdown } from '../pipelines/report/render.ts';
import { weeklySummaryMessage } from '../pipelines/report/slack.ts';
import { buildReportView } from '../pipelines/report/view.ts';
import { listForecasts } from '../sql/forecasts.ts';
import type { DB } from '../sql/schema.ts';
import { describeEachBackend } from './support/database.ts';

const MODEL = 'm-forecast-test';
const AS_OF = '2026-12-20';
const JANUARY = parseForecastPeriod('2027-01');
const config = parseConfig({ forecast: { simulations: 4000, seed: 3 } });

async function seed(db: Kysely<DB>): Promise<Record<string, number>> {
  const ids: Record<string, number> = {};
  const account = async (key: string, segment: string, arrCents: number, renewalDate: string, status: 'active' | 'churned' = 'active') => {
    const row = await db
      .insertInto('accounts')
      .values({ external_id: key, name: `Account ${key}`, segment, arr_cents: arrCents, csm_email: `${segment}@csm.example`, contract_start: '2024-01-01', renewal_date: renewalDate, status })
      .returning('account_id')
      .executeTakeFirstOrThrow();
    ids[key] = row.account_id;
  };
  await db
    .insertInto('models')
    .values({ version: MODEL, engine: 'irls', features: '[]', coefficients: '[]', intercept: 0, scaling: '{}', lead_days: 90, training_from: '2025-01-01', training_to: '2026-06-30', class_balance: '{}', metrics: '{}', config_hash: 'test' })
    .execute();
  await account('F1', 'smb', 1000_00, '2027-01-10');
  await account('F2', 'smb', 3000_00, '2027-01-20');
  await account('F3', 'ent', 10_000_00, '2027-01-05', 'churned');
  await account('F4', 'ent', 2000_00, '2027-02-15');
  await account('H1', 'smb', 500_00, '2027-06-01');
  await account('H2', 'smb', 0, '2026-07-01', 'churned');
  await db
    .insertInto('renewals')
    .values([
      { account_id: ids.H1!, renewal_date: '2026-06-01', outcome: 'renewed', arr_before_cents: 500_00, arr_after_cents: 500_00, decided_at: '2026-05-20T10:00:00Z' },
      { account_id: ids.H2!, renewal_date: '2026-07-01', outcome: 'churned', arr_before_cents: 700_00, arr_after_cents: 0, decided_at: '2026-06-20T10:00:00Z' },
      { account_id: ids.F3!, renewal_date: '2027-01-05', outcome: 'churned', arr_before_cents: 10_000_00, arr_after_cents: 0, decided_at: '2026-12-15T10:00:00Z' },
    ])
    .execute();
  await db.insertInto('risk_scores').values({ account_id: ids.F1!, as_of: '2026-12-18', model_version: MODEL, probability: 0.25, tier: 'medium' }).execute();
  return ids;
}

/** Facts that arrive after 2026-12-20: new scores, F1 churning, F2 renewing, a new smb history. */
async function addLaterData(db: Kysely<DB>, ids: Record<string, number>): Promise<void> {
  await db
    .insertInto('risk_scores')
    .values([
      { account_id: ids.F1!, as_of: '2026-12-25', model_version: MODEL, probability: 0.9, tier: 'critical' },
      { account_id: ids.F2!, as_of: '2026-12-21', model_version: MODEL, probability: 0.05, tier: 'low' },
    ])
    .execute();
  await db
    .insertInto('renewals')
    .values([
      { account_id: ids.F1!, renewal_date: '2027-01-10', outcome: 'churned', arr_before_cents: 1000_00, arr_after_cents: 0, decided_at: '2026-12-28T10:00:00Z' },
      { account_id: ids.F2!, renewal_date: '2027-01-20', outcome: 'renewed', arr_before_cents: 3000_00, arr_after_cents: 3000_00, decided_at: '2027-01-18T10:00:00Z' },
    ])
    .execute();
}

describeEachBackend('renewal forecast', (context) => {
  let ids: Record<string, number>;
  beforeAll(async () => {
    ids = await seed(context().db);
  });

  it('scores, segment rates and decided renewals, by hand', async () => {
    const figures = await computeForecast(context().db, { asOf: AS_OF, period: JANUARY, config: config.config });
    const { total, scored, unscored, decided } = figures.forecast;
    expect(total).toMatchObject({ accounts: 3, arrDueCents: 14_000_00, expectedRenewedCents: 2250_00 });
    expect(total.expectedRenewedLogos).toBeCloseTo(1.25, 12);
    expect(total.grossRevenueRetention).toBeCloseTo(2250 / 14_000, 12);
    expect(intervalAt(total.renewedCents, 0.8)).toMatchObject({ low: 0, high: 4000_00 });
    expect(intervalAt(total.renewedLogos, 0.8)).toMatchObject({ low: 0, high: 2 });
    expect([scored.accounts, unscored.accounts, decided.accounts]).toEqual([1, 1, 1]);
    expect(figures.segmentRates).toEqual([
      { segment: 'ent', decided: 1, churned: 1, churnRate: 2 / 3 },
      { segment: 'smb', decided: 2, churned: 1, churnRate: 0.5 },
    ]);
    expect(figures.forecast.accounts.map((a) => [a.accountId, a.source, a.expectedLossCents])).toEqual([
      [ids.F3, 'decided', 10_000_00],
      [ids.F2, 'segment_rate', 1500_00],
      [ids.F1, 'score', 250_00],
    ]);
    expect(figures.modelVersions).toEqual([MODEL]);
  });

  it('a stored forecast never changes: later data leaves it byte-identical, and a re-run keeps it', async () => {
    const { db } = context();
    const first = await makeForecast(db, { asOf: AS_OF, period: JANUARY, config: config.config, configHash: 'cfg-1' });
    expect(first.created).toBe(true);
    const before = JSON.stringify(await listForecasts(db, { periods: ['2027-01'] }));
    await addLaterData(db, ids);
    const again = await makeForecast(db, { asOf: AS_OF, period: JANUARY, config: parseConfig({ forecast: { seed: 99 } }).config, configHash: 'cfg-2' });
    expect(again.created).toBe(false);
    expect(again.forecast.configHash).toBe('cfg-1');
    expect(JSON.stringify(await listForecasts(db, { periods: ['2027-01'] }))).toBe(before);
    // Recomputed as of the same day, the later facts are invisible too (point in time) …
    const recomputed = await computeForecast(db, { asOf: AS_OF, period: JANUARY, config: config.config });
    expect(recomputed.forecast.total.expectedRenewedCents).toBe(2250_00);
    // … while a day after F2's score and F1's churn, the forecast moves: F1 is decided, F2 at 0.95.
    const later = await computeForecast(db, { asOf: '2026-12-29', period: JANUARY, config: config.config });
    expect(later.forecast.total.expectedRenewedCents).toBe(2850_00);
  });

  it('beside what happened: the forecast made at the start, the actual, inside the interval', async () => {
    const checks = await forecastChecks(context().db, { asOf: '2027-02-05', kind: 'month' });
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({
      asOf: AS_OF,
      leadDays: 12,
      expectedRenewedCents: 2250_00,
      actualRenewedCents: 3000_00,
      actualRenewedLogos: 1,
      undecided: 0,
      inside80: true,
      inside95: true,
    });
    // Before the month has closed there is nothing to check.
    expect(await forecastChecks(context().db, { asOf: '2027-01-31', kind: 'month' })).toEqual([]);
  });

  it('the daily forecasts cover the next quarter and three months, once', async () => {
    const { db } = context();
    const made = await makeUpcomingForecasts(db, { asOf: '2026-12-31', config: config.config, configHash: 'cfg-1' });
    expect(made).toEqual([
      { period: '2027-Q1', created: true },
      { period: '2027-01', created: true },
      { period: '2027-02', created: true },
      { period: '2027-03', created: true },
    ]);
    expect((await makeUpcomingForecasts(db, { asOf: '2026-12-31', config: config.config, configHash: 'cfg-1' })).every((m) => !m.created)).toBe(true);
    // The four share one read of the open renewals (up to March's end): each is what the period computed
    // on its own reads would be.
    const stored = await listForecasts(db, { asOf: '2026-12-31', scope: 'all' });
    expect(stored.map((row) => row.period).sort()).toEqual(['2027-01', '2027-02', '2027-03', '2027-Q1']);
    for (const row of stored) {
      const alone = await computeForecast(db, { asOf: '2026-12-31', period: parseForecastPeriod(row.period), config: config.config });
      expect(row.figures, row.period).toEqual(JSON.parse(JSON.stringify(alone)));
    }
    const accountsIn = (period: string) => (stored.find((row) => row.period === period)!.figures as unknown as ForecastFigures).forecast.accounts.map((a) => a.accountId);
    expect(accountsIn('2027-Q1').length).toBeGreaterThan(accountsIn('2027-01').length);
  });

  it('prints the figures a person reads', async () => {
    const { forecast } = await makeForecast(context().db, { asOf: AS_OF, period: JANUARY, config: config.config, configHash: 'cfg-1' });
    const lines = forecastLines(forecast, { topContributors: 2, created: false });
    expect(lines[0]).toBe('Renewal forecast 2027-01 (2027-01-01 … 2027-01-31), as of 2026-12-20 (stored earlier; unchanged)');
    expect(lines).toContain('  renewed ARR:   expected $2,250.00; 80% $0.00 … $4,000.00; 95% $0.00 … $4,000.00');
    expect(lines).toContain('  renewed logos: expected 1.3 of 3 (41.7%); 80% 0 … 2; 95% 0 … 2');
    expect(lines).toContain("    1. Account F2 (smb, renews 2027-01-20): $1,500.00 = 50.0% × $3,000.00 (segment's rate)");
  });

  it('the weekly report: the next quarter, each closed month beside its actual, and the Slack headline', async () => {
    // Week 2027-W05 ends Sunday 2027-02-07. January's forecast made at its start is the one kept on
    // 2026-12-31 (the daily forecasts above): F1 churned on 12-28 and F3 earlier (certain), F2 scored
    // 0.05 → expected $2,850; its 80% interval is $3,000 … $3,000 (F2 renews with 0.95 > 0.9), 95% $0 … $3,000.
    // F2 renewed: actual $3,000, inside both.
    const figures = await buildWeeklyFigures(context().db, { week: '2027-W05', config: config.config, now: new Date('2027-02-08T08:00:00Z') });
    expect(figures.forecast!.upcoming.map((u) => [u.figures.period.id, u.stored])).toEqual([
      ['2027-Q2', false],
      ['2027-03', false],
      ['2027-04', false],
      ['2027-05', false],
    ]);
    expect(figures.forecast!.calibration).toEqual({ months: 1, inside80: 1, inside95: 1 });
    const view = buildReportView(figures);
    const section = view.sections.find((s) => s.id === 'forecast')!;
    expect(section.title).toBe('Next quarter: renewal forecast for 2027-Q2');
    const rows = new Map(section.tables.flatMap((table) => table.rows.map((row) => [row.key, row.cells])));
    expect(rows.get('forecastCheck.2027-01')).toEqual(['2027-01', '2026-12-31', '3', '$2,850.00', '$3,000.00 … $3,000.00', '$3,000.00', 'yes', 'yes', 'not kept', 'not kept', 'not kept']);
    expect(section.tables.find((t) => t.id === 'forecast-vs-actual')!.caption).toBe('Forecast at the start of each closed month vs actual: actual inside the 80% interval in 1 of 1 month (95%: 1 of 1)');
    const html = renderHtml(view);
    expect(html).toContain('<svg id="chart-forecast"');
    expect(html).toMatch(/<svg id="chart-forecast".*?<circle class="actual"/s);
    expect(html).not.toMatch(/NaN|undefined/);
    expect(renderMarkdown(view)).toContain('Forecast at the start of each closed month vs actual');
    // 2027-Q2: only H1 ($500, 2027-06-01, unscored): smb has 2 churned of 4 decided by then → (2+1)/(4+2) = 0.5.
    expect(weeklySummaryMessage(figures).text).toContain('Forecast 2027-Q2: renewed ARR $250.00 of $500.00 due (80%: $0.00 … $500.00), GRR 50.0%; past forecasts: actual inside the 80% interval in 1 of 1 month (95%: 1 of 1).');
  });
});
