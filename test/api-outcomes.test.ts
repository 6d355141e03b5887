// /api/v1/outcomes, /api/v1/save-rate and /api/v1/reports/weekly/{week} over real HTTP against
// `radar serve` on 127.0.0.1, on both backends. Expected values are worked out by hand from the
// cases in seedOutcomes (test/api-fixtures.ts).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildWeeklyFigures } from '../pipelines/report/build.ts';
import { renderHtml } from '../pipelines/report/render.ts';
import { buildReportView } from '../pipelines/report/view.ts';
import { testConfig } from './alerts-fixtures.ts';
import { NOW, seedApiWorld, seedOutcomes, startApiServer, tokenFor, type ApiServer } from './api-fixtures.ts';
import { describeEachBackend } from './support/database.ts';

type Row = Record<string, unknown>;
interface Proportion { decided: number; saved: number; downgraded: number; lost: number; rate: number | null; low: number | null; high: number | null }
interface SaveRow { period: { label: string; from: string | null; to: string | null }; tier: string | null; alerted: Proportion; holdout: Proportion; lift: { estimate: number | null; low: number | null; high: number | null }; tasks: Row }

describeEachBackend('REST API: outcomes, save rates, the weekly report', (context) => {
  let api: ApiServer;
  let token = '';

  beforeAll(async () => {
    const { db } = context();
    await seedApiWorld(db);
    await seedOutcomes(db);
    token = await tokenFor(db, 'bi', ['read']);
    api = await startApiServer(db);
  });
  afterAll(async () => {
    await api?.server.close();
  });

  const get = async <T = Row>(path: string): Promise<T> => {
    const response = await api.call(path, token);
    expect(response.status, path).toBe(200);
    return (await response.json()) as T;
  };
  const accounts = (page: { items: Row[] }) => page.items.map((item) => item.account);

  it('lists decided renewals of alerted and held-out accounts, never an undelivered alert, with the alerts and tasks behind them', async () => {
    const page = await get<{ items: Row[]; nextCursor: string | null }>('/api/v1/outcomes');
    expect(accounts(page)).toEqual(['O1', 'O2', 'O3', 'O4', 'O5', 'O6']);
    expect(page.nextCursor).toBeNull();
    expect(page.items[0]).toMatchObject({
      account: 'O1', accountName: 'O1 Ltd', csmEmail: 'lee@vendor.example', renewalDate: '2026-01-20', decidedAt: '2026-01-20T15:00:00.000Z',
      renewalOutcome: 'renewed', outcome: 'saved', group: 'alerted', tier: 'high', arrBeforeCents: 1_000_000, arrAfterCents: 1_000_000,
      alerts: 2, firstAlertOn: '2026-01-05', tasks: { total: 2, done: 1 },
    });
    expect(page.items.map((item) => [item.outcome, item.group])).toEqual([
      ['saved', 'alerted'], ['lost', 'alerted'], ['saved', 'alerted'], ['lost', 'holdout'], ['saved', 'holdout'], ['downgraded', 'alerted'],
    ]);
  });

  it('filters by group, outcome, tier, CSM and decision days', async () => {
    expect(accounts(await get('/api/v1/outcomes?group=holdout'))).toEqual(['O4', 'O5']);
    expect(accounts(await get('/api/v1/outcomes?outcome=lost'))).toEqual(['O2', 'O4']);
    expect(accounts(await get('/api/v1/outcomes?tier=high'))).toEqual(['O1', 'O4', 'O6']);
    expect(accounts(await get('/api/v1/outcomes?csm=LEE@vendor.example'))).toEqual(['O1']);
    expect(accounts(await get('/api/v1/outcomes?from=2026-02-01&to=2026-02-28'))).toEqual(['O2', 'O5', 'O6']);
    // Bounds are UTC days, inclusive: O1 was decided 2026-01-20 at 15:00.
    expect(accounts(await get('/api/v1/outcomes?from=2026-01-20&to=2026-01-20'))).toEqual(['O1']);
    const bad = await api.call('/api/v1/outcomes?group=treated', token);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Row).errors).toMatchObject([{ path: 'query.group' }]);
  });

  it('pages by keyset with a cursor and answers an unchanged page 304', async () => {
    const seen: unknown[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { items: Row[]; nextCursor: string | null } = await get(`/api/v1/outcomes?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...accounts(page));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(2);
    expect(seen).toEqual(['O1', 'O2', 'O3', 'O4', 'O5', 'O6']);
    const first = await api.call('/api/v1/outcomes?limit=4', token);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"/);
    expect((await api.call('/api/v1/outcomes?limit=4', token, { headers: { 'if-none-match': etag } })).status).toBe(304);
  });

  it('save rate vs holdout per quarter: counts, Wilson intervals and the lift as worked out by hand', async () => {
    const body = await get<{ interval: string; items: SaveRow[] }>('/api/v1/save-rate');
    expect(body.interval).toBe('quarter');
    expect(body.items.map((row) => row.period)).toEqual([
      { label: '2026-Q1', from: '2026-01-01', to: '2026-03-31' },
      { label: '2026-Q2', from: '2026-04-01', to: '2026-06-30' },
    ]);
    const [q1, q2] = body.items;
    // Q1 alerted: O1 saved, O2 lost, O6 downgraded → 1/3; holdout: O4 lost, O5 saved → 1/2.
    expect(q1!.alerted).toMatchObject({ decided: 3, saved: 1, lost: 1, downgraded: 1 });
    expect(q1!.alerted.rate).toBeCloseTo(1 / 3, 10);
    // Wilson 95 % for 1 of 3: centre (1/3 + z²/6)/(1 + z²/3), half-width z/(1 + z²/3)·√(2/27 + z²/36).
    expect(q1!.alerted.low).toBeCloseTo(0.0615, 4);
    expect(q1!.alerted.high).toBeCloseTo(0.7923, 4);
    expect(q1!.holdout).toMatchObject({ decided: 2, saved: 1, lost: 1, downgraded: 0, rate: 0.5 });
    expect(q1!.lift.estimate).toBeCloseTo(1 / 3 - 1 / 2, 10);
    expect(q1!.lift.low!).toBeLessThan(q1!.lift.estimate!);
    expect(q1!.lift.high!).toBeGreaterThan(q1!.lift.estimate!);
    // O1's two tasks, one done, and O1 was saved.
    expect(q1!.tasks).toEqual({ total: 2, done: 1, savedWithTaskDone: 1 });
    // Q2: O3 expanded (saved), no holdout case → no lift.
    expect(q2!.alerted).toMatchObject({ decided: 1, saved: 1, rate: 1 });
    expect(q2!.holdout).toMatchObject({ decided: 0, rate: null, low: null, high: null });
    expect(q2!.lift.estimate).toBeNull();
  });

  it('save rate per month, per tier, over all, and within decision days', async () => {
    const months = await get<{ items: SaveRow[] }>('/api/v1/save-rate?interval=month');
    expect(months.items.map((row) => [row.period.label, row.period.to, row.alerted.saved, row.alerted.decided, row.holdout.saved, row.holdout.decided])).toEqual([
      ['2026-01', '2026-01-31', 1, 1, 0, 1],
      ['2026-02', '2026-02-28', 0, 2, 1, 1],
      ['2026-04', '2026-04-30', 1, 1, 0, 0],
    ]);
    const tiers = await get<{ items: SaveRow[] }>('/api/v1/save-rate?byTier=true&to=2026-03-31');
    // Q1 by the highest alert tier: medium O5 (holdout saved); high O1 saved, O6 downgraded, O4 holdout lost; critical O2 lost.
    expect(tiers.items.map((row) => [row.period.label, row.tier, row.alerted.saved, row.alerted.decided, row.holdout.saved, row.holdout.decided])).toEqual([
      ['2026-Q1', 'medium', 0, 0, 1, 1],
      ['2026-Q1', 'high', 1, 2, 0, 1],
      ['2026-Q1', 'critical', 0, 1, 0, 0],
    ]);
    expect(tiers.items[1]!.lift.estimate).toBeCloseTo(0.5, 10);
    const all = await get<{ items: SaveRow[] }>('/api/v1/save-rate?interval=all&from=2026-01-01');
    expect(all.items).toHaveLength(1);
    expect(all.items[0]!.period).toEqual({ label: 'all', from: '2026-01-01', to: null });
    expect(all.items[0]!.alerted).toMatchObject({ decided: 4, saved: 2 });
    expect(all.items[0]!.holdout).toMatchObject({ decided: 2, saved: 1 });
  });

  it('the weekly report as JSON: the view the HTML renders, for the latest complete week or a named one', async () => {
    const latest = await get<{ week: string; from: string; to: string; view: { title: string; sections: { id: string; tables: { id: string; rows: { key: string; cells: string[] }[] }[]; charts: Row[] }[] } }>('/api/v1/reports/weekly/latest');
    // NOW is Thursday 2026-01-15: the last complete ISO week is 2026-W02.
    expect([latest.week, latest.from, latest.to]).toEqual(['2026-W02', '2026-01-05', '2026-01-11']);
    const week = await get<typeof latest & { figures: Row; generatedAt: string }>('/api/v1/reports/weekly/2026-W04');
    expect(week.view.title).toBe('Renewal Radar — weekly retention report, 2026-W04');
    // 2026-W04 (19–25 January): O1 renewed on the 20th, O4 churned on the 25th (O7's renewal on the 22nd counts too: a renewal is a renewal).
    const renewals = week.view.sections.find((section) => section.id === 'renewals')!.tables[0]!.rows;
    expect(renewals.find((row) => row.key === 'renewals.decided')!.cells[1]).toBe('3');
    expect(renewals.find((row) => row.key === 'renewals.outcomes')!.cells[1]).toBe('2 / 0 / 0 / 1');
    expect((week.figures.renewals as { week: { decided: number } }).week.decided).toBe(3);
    // The same view-model the HTML report renders from the same figures (charts without their axis formatter).
    const { db } = context();
    const view = buildReportView(await buildWeeklyFigures(db, { week: '2026-W04', config: testConfig().config, now: NOW }));
    expect(week.view.sections.map((section) => section.id)).toEqual(view.sections.map((section) => section.id));
    expect(week.view.sections.flatMap((section) => section.tables)).toEqual(JSON.parse(JSON.stringify(view.sections.flatMap((section) => section.tables))));
    expect(week.view.sections.flatMap((section) => section.charts).map((chart) => chart.id)).toEqual(view.sections.flatMap((section) => section.charts).map((chart) => chart.id));
    expect(week.view.sections.flatMap((section) => section.charts).some((chart) => 'axisLabel' in chart)).toBe(false);
    expect(renderHtml(view)).toContain('<td>2 / 0 / 0 / 1</td>');
    for (const wrong of ['2026-W60', 'last']) {
      const response = await api.call(`/api/v1/reports/weekly/${wrong}`, token);
      expect(response.status, wrong).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
  });
});
