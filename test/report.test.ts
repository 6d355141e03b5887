// `radar report weekly` on a hand-built company (test/report-fixtures.ts), both backends: every figure
// checked against a sum written out here from the fixture rows, the empty week (rates n/a, never NaN),
// a segment with zero ARR, the Markdown/JSON/HTML agreement, the Slack summary and the command.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CliContext } from '../pipelines/cli/context.ts';
import { createLogger } from '../pipelines/log.ts';
import { buildWeeklyFigures, type WeeklyFigures } from '../pipelines/report/build.ts';
import { registerReportCommands, resolveFormat } from '../pipelines/cli/commands/report.ts';
import { markdownEscape, money, percent } from '../pipelines/report/format.ts';
import { addDays, isoWeekOf, lastCompleteIsoWeek, parseIsoWeek, reportPeriods } from '../pipelines/report/period.ts';
import { renderHtml, renderJson, renderMarkdown } from '../pipelines/report/render.ts';
import { weeklySummaryMessage } from '../pipelines/report/slack.ts';
import { buildReportView, type ReportView } from '../pipelines/report/view.ts';
import { NOW, reportTestConfig, seedReportFixture, SUNDAY, WEEK } from './report-fixtures.ts';
import { describeEachBackend, type TestDatabase } from './support/database.ts';

const config = reportTestConfig().config;

describe('report periods', () => {
  it('reads ISO weeks, including weeks that straddle a year', () => {
    expect(parseIsoWeek('2026-W47')).toEqual({ week: '2026-W47', from: '2026-11-16', to: '2026-11-22' });
    expect(parseIsoWeek('2026-W01')).toEqual({ week: '2026-W01', from: '2025-12-29', to: '2026-01-04' });
    expect(parseIsoWeek('2020-W53')).toEqual({ week: '2020-W53', from: '2020-12-28', to: '2021-01-03' });
    expect(parseIsoWeek('2026-W53')).toEqual({ week: '2026-W53', from: '2026-12-28', to: '2027-01-03' }); // 2026 starts on a Thursday
    expect(() => parseIsoWeek('2025-W53')).toThrow('2025 has no ISO week 53');
    expect(() => parseIsoWeek('2026-47')).toThrow('--week must look like 2026-W47');
    expect(isoWeekOf('2027-01-01')).toBe('2026-W53');
    expect(isoWeekOf('2024-12-30')).toBe('2025-W01');
  });

  it('defaults to the last complete week before today', () => {
    expect(lastCompleteIsoWeek('2026-11-23')).toBe('2026-W47'); // Monday: the week that ended yesterday
    expect(lastCompleteIsoWeek('2026-11-22')).toBe('2026-W46'); // Sunday: this week is not complete yet
    expect(lastCompleteIsoWeek('2026-01-01')).toBe('2025-W52');
  });

  it('derives quarter to date and trailing 12 months from the week’s Sunday', () => {
    expect(reportPeriods(WEEK)).toEqual({
      week: WEEK,
      thisWeek: { from: '2026-11-16', to: SUNDAY },
      quarterToDate: { from: '2026-10-01', to: SUNDAY },
      trailing12Months: { from: '2025-11-23', to: SUNDAY },
    });
    // A week whose Sunday falls in the next quarter: the quarter starts on 1 January.
    expect(reportPeriods('2026-W01').quarterToDate).toEqual({ from: '2026-01-01', to: '2026-01-04' });
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  });

  it('formats money from integer cents exactly, and rates as n/a without data', () => {
    expect(money(123_456_789)).toBe('$1,234,567.89');
    expect(money(5)).toBe('$0.05');
    expect(money(-100_000)).toBe('−$1,000.00');
    expect(money(9_007_199_254_740_991)).toBe('$90,071,992,547,409.91');
    expect(money(1234, 'CHF')).toBe('12.34 CHF');
    expect(() => money(1.5)).toThrow('integer cents');
    expect(percent(null)).toBe('n/a');
    expect(percent(0.97531)).toBe('97.5%');
  });

  it('infers the format from --out and rejects an unknown --format', () => {
    expect(resolveFormat(undefined, 'x.md')).toBe('md');
    expect(resolveFormat(undefined, 'x.json')).toBe('json');
    expect(resolveFormat(undefined, undefined)).toBe('html');
    expect(resolveFormat('json', 'x.html')).toBe('json');
    expect(() => resolveFormat('pdf', undefined)).toThrow('--format must be one of html, md, json');
  });
});

/** Every table row of the HTML: key → cell texts (entities decoded). */
function htmlRows(html: string): [string, string[]][] {
  const decode = (text: string) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  return [...html.matchAll(/<tr data-key="([^"]+)"[^>]*>(.*?)<\/tr>/g)].map((match) => [decode(match[1]!), [...match[2]!.matchAll(/<td>(.*?)<\/td>/g)].map((cell) => decode(cell[1]!))]);
}

/** The text a browser shows: tags dropped (SVG text kept), entities decoded, whitespace collapsed. */
function visibleText(html: string): string {
  const decode = (text: string) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  return decode(html.replace(/<style>.*?<\/style>|<title>.*?<\/title>/gs, ' ').replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim();
}

/** Every data row of the Markdown tables, as cell texts (header and separator rows skipped). */
function markdownRows(markdown: string): string[][] {
  const rows: string[][] = [];
  let inTable = false;
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) {
      inTable = false;
      continue;
    }
    const cells = line
      .slice(2, -2)
      .split(/ (?<!\\)\| /)
      .map((cell) => cell.replace(/\\([!-/:-@[-`{-~])/g, '$1')); // a backslash-escaped punctuation mark reads as the mark
    if (!inTable) {
      inTable = true; // header row
      continue;
    }
    if (cells.every((cell) => /^-+:?$|^---:?$/.test(cell.trim()))) continue;
    rows.push(cells);
  }
  return rows;
}

const viewRows = (view: ReportView) => view.sections.flatMap((section) => section.tables.flatMap((table) => table.rows.map((row) => [row.key, [...row.cells]] as [string, string[]])));

describeEachBackend('weekly report figures', (context: () => TestDatabase) => {
  let figures: WeeklyFigures;
  beforeAll(async () => {
    await seedReportFixture(context().db);
    figures = await buildWeeklyFigures(context().db, { week: WEEK, config, now: NOW });
  });

  it('renewals decided in the week, quarter to date and trailing 12 months', () => {
    const { week, quarterToDate: qtd, trailing12Months: t12 } = figures.renewals;
    // Week: R1 renewed 12,345,678 (alerted by AL1 → saved); R2 churned 5,000,050; R3 downgraded 2,000,000 → 1,500,001; R4 expanded 3,000,000 → 3,600,099 (holdout alert only, decided 23:59:59 Sunday).
    expect(week).toMatchObject({ decided: 4, renewed: 1, expanded: 1, downgraded: 1, churned: 1 });
    expect(week.arrBeforeCents).toBe(12_345_678 + 5_000_050 + 2_000_000 + 3_000_000);
    expect(week.arrAfterCents).toBe(12_345_678 + 0 + 1_500_001 + 3_600_099);
    expect(week.churnedCents).toBe(5_000_050);
    expect(week.downgradeLossCents).toBe(2_000_000 - 1_500_001);
    expect(week.expansionCents).toBe(3_600_099 - 3_000_000);
    expect(week.savedCents).toBe(12_345_678);
    expect(week.savedAccounts).toBe(1);
    expect(week.logoRenewalRate).toBe(3 / 4);
    expect(week.grossRevenueRetention).toBeCloseTo((22_345_728 - 5_000_050 - 499_999) / 22_345_728, 12);
    expect(week.netRevenueRetention).toBeCloseTo(17_445_778 / 22_345_728, 12);
    // Quarter to date adds R5 renewed 1,000,001 and R6 churned 777,777 (decided 23:59:59 the Sunday before).
    expect(qtd).toMatchObject({ decided: 6, churned: 2, arrBeforeCents: 24_123_506, churnedCents: 5_777_827, savedCents: 12_345_678 });
    expect(qtd.logoRenewalRate).toBe(4 / 6);
    expect(qtd.grossRevenueRetention).toBeCloseTo((24_123_506 - 5_777_827 - 499_999) / 24_123_506, 12);
    expect(qtd.netRevenueRetention).toBeCloseTo((24_123_506 - 5_777_827 - 499_999 + 600_099) / 24_123_506, 12);
    // Trailing 12 months adds R7 renewed 4,444,444 (alerted by AL7 → saved) and R8 churned 999 (decided at 00:00 on its first day); R9 (a second earlier) and R10 (a second after) are out.
    expect(t12).toMatchObject({ decided: 8, renewed: 3, churned: 3, arrBeforeCents: 28_568_949, churnedCents: 5_778_826, savedCents: 16_790_122, savedAccounts: 2 });
    expect(t12.logoRenewalRate).toBe(5 / 8);
    expect(t12.grossRevenueRetention).toBeCloseTo(22_290_124 / 28_568_949, 12);
    expect(t12.netRevenueRetention).toBeCloseTo(22_890_223 / 28_568_949, 12);
  });

  it('at-risk ARR renewing in the next 90 days, by tier and by segment, including a zero-ARR segment', () => {
    const { atRisk } = figures;
    // Renewing in (11-22, 2027-02-20]: B1 10,000,000 (critical 11-20), B2 5,000,001 (high), B3 3,333,333 (medium, last day in),
    // B5 1,234,567 (low), B6 2,000,000 (never scored), B7 0 (high), A10 4,000,000 (R10, decided after the Sunday; high).
    // Out: B4 (a day past the horizon), B8 (June), B9 (churned), A9 (renews on the Sunday itself).
    expect(atRisk.accounts).toBe(7);
    expect(atRisk.scoredAccounts).toBe(6); // all but B6
    expect(atRisk.renewingCents).toBe(10_000_000 + 5_000_001 + 3_333_333 + 1_234_567 + 2_000_000 + 0 + 4_000_000);
    expect(atRisk.atRiskAccounts).toBe(4);
    expect(atRisk.atRiskCents).toBe(10_000_000 + 5_000_001 + 0 + 4_000_000);
    // round(10,000,000×0.8) + round(5,000,001×0.4) + round(3,333,333×0.2) + round(1,234,567×0.05) + 0 + round(4,000,000×0.5)
    expect(atRisk.expectedLossCents).toBe(8_000_000 + 2_000_000 + 666_667 + 61_728 + 0 + 2_000_000);
    expect(atRisk.byTier).toEqual([
      { tier: 'low', accounts: 1, arrCents: 1_234_567 },
      { tier: 'medium', accounts: 1, arrCents: 3_333_333 },
      { tier: 'high', accounts: 3, arrCents: 5_000_001 + 0 + 4_000_000 },
      { tier: 'critical', accounts: 1, arrCents: 10_000_000 },
      { tier: 'unscored', accounts: 1, arrCents: 2_000_000 },
    ]);
    expect(atRisk.bySegment).toEqual([
      { segment: 'dormant', accounts: 0, renewingCents: 0, atRiskAccounts: 0, atRiskCents: 0, atRiskShare: null },
      { segment: 'enterprise', accounts: 2, renewingCents: 15_000_001, atRiskAccounts: 2, atRiskCents: 15_000_001, atRiskShare: 1 },
      { segment: 'mid-market', accounts: 2, renewingCents: 7_333_333, atRiskAccounts: 1, atRiskCents: 4_000_000, atRiskShare: 4_000_000 / 7_333_333 },
      { segment: 'smb', accounts: 2, renewingCents: 3_234_567, atRiskAccounts: 0, atRiskCents: 0, atRiskShare: 0 },
      { segment: 'startup', accounts: 1, renewingCents: 0, atRiskAccounts: 1, atRiskCents: 0, atRiskShare: null },
    ]);
  });

  it('the trend: one point per week, each with the scores and renewals known at that week’s end', () => {
    expect(figures.trend).toEqual([
      // 11-08: A6 (R6 still open, high 11-01) 777,777 + A2 (R2 open, high 08-15) 5,000,050.
      // Scored then: 4 of 12 renewing (A1, A2, A6, B1; not A3, A4, A9, A10, B2, B5, B6, B7).
      { week: '2026-W45', asOf: '2026-11-08', scoredAccounts: 4, atRiskCents: 777_777 + 5_000_050, atRiskAccounts: 2 },
      // 11-15: A2 (critical 11-10) 5,000,050 + A10 (high 11-15) 4,000,000; A6 renewed 11-14, B1 was low then.
      // Scored: 5 of 11 renewing (A1, A2, A3, A10, B1; A6 renewed and B3 is past the horizon then).
      { week: '2026-W46', asOf: '2026-11-15', scoredAccounts: 5, atRiskCents: 5_000_050 + 4_000_000, atRiskAccounts: 2 },
      { week: WEEK, asOf: SUNDAY, scoredAccounts: 6, atRiskCents: 19_000_001, atRiskAccounts: 4 },
    ]);
  });

  it('top at-risk accounts by ARR × probability with owner, days to renewal and task status', () => {
    expect(figures.topAccounts.map((account) => [account.externalId, account.expectedLossCents, account.owner, account.daysToRenewal, account.tasks])).toEqual([
      ['B1', 8_000_000, 'owner.b1@csm.example', 18, { total: 3, done: 1, overdue: 1 }],
      ['B2', 2_000_000, 'b2@csm.example', 54, { total: 0, done: 0, overdue: 0 }], // 2,000,000.4 ranks above A10's 2,000,000
      ['A10', 2_000_000, 'a10@csm.example', 9, { total: 0, done: 0, overdue: 0 }], // AL5's task is older than the horizon
    ]);
  });

  it('the alert funnel and the save rate of alerted vs holdout renewals', () => {
    const { quarterToDate: qtd, trailing12Months: t12 } = figures.funnel;
    // QTD alerts: AL1, AL1b, AL3 (dry run), AL4 delivered; AL2 holdout; AL6 failed (neither).
    expect(qtd).toMatchObject({ delivered: 4, holdout: 1, withTaskDone: 2, withOutcome: 3, saved: 2 });
    // Renewals decided in the quarter: R1 saved and R2 lost (alerted), R4 saved (holdout); R6's only alert failed.
    expect(qtd).toMatchObject({ alertedRenewals: 2, alertedSaved: 1, alertedSaveRate: 0.5, holdoutRenewals: 1, holdoutSaved: 1, holdoutSaveRate: 1, lift: -0.5 });
    // T12M adds AL5 (task done; its renewal R10 is decided after the Sunday) and AL7 (saved); AL8 is dated before the window.
    expect(t12).toMatchObject({ delivered: 6, holdout: 1, withTaskDone: 3, withOutcome: 4, saved: 3 });
    // … and renewals R7 (alerted, saved) and R8 (holdout AL8, lost).
    expect(t12).toMatchObject({ alertedRenewals: 3, alertedSaved: 2, holdoutRenewals: 2, holdoutSaved: 1 });
    expect(t12.alertedSaveRate).toBe(2 / 3);
    expect(t12.lift).toBeCloseTo(2 / 3 - 1 / 2, 12);
  });

  it('the not-a-risk rate per tier over the trailing 12 months', () => {
    // Delivered high-tier alerts dated in the window: AL1, AL1b, AL3, AL4, AL5, AL7 = 6; marked not a risk:
    // AL3 and AL7 = 2 (AL2's feedback is on a holdout row, AL6 failed, AL8 is a holdout before the window).
    expect(figures.notRisk).toEqual([{ tier: 'high', alerts: 6, notRisk: 2, reasons: { customer_fine: 1, data_wrong: 1 } }]);
  });

  it('model health: AUC, Brier and calibration on the quarter’s renewals, lead-point scores first', () => {
    const health = figures.modelHealth;
    expect(health.period).toEqual({ from: '2026-08-24', to: SUNDAY });
    // Decided in the window: R1..R6. Scores: R1 0.2 (lead), R2 0.7 (lead, not the later 0.6), R3 0.6 (latest), R5 0.1 (lead), R6 0.55 (latest; 0.99 is too old); R4 none.
    expect(health).toMatchObject({ decided: 6, scored: 5, fromLead: 3, fromLatest: 2, unscored: 1, churned: 2 });
    // Churners 0.7 and 0.55 against renewers 0.2, 0.6, 0.1: 0.7 beats 3, 0.55 beats 2 → 5 of 6 pairs.
    expect(health.rocAuc).toBeCloseTo(5 / 6, 12);
    expect(health.brier).toBeCloseTo((0.2 ** 2 + 0.3 ** 2 + 0.6 ** 2 + 0.1 ** 2 + 0.45 ** 2) / 5, 12);
    expect(health.calibration!.map((bin) => [bin.count, bin.meanPredicted, bin.observedRate])).toEqual([
      [2, (0.1 + 0.2) / 2, 0],
      [3, (0.55 + 0.6 + 0.7) / 3, 2 / 3],
    ]);
    // Scorecard on the renewals whose score rows carry it (R6's does not): churner R2 at 0.4 against
    // renewers R1 0.3, R3 0.5, R5 0.2 → beats 2 of 3 pairs.
    expect(health.scorecardScored).toBe(4);
    expect(health.scorecardRocAuc).toBeCloseTo(2 / 3, 12);
    expect(health.models).toEqual([{ version: 'm-report-test', promoted: true, modelRocAuc: 0.81, scorecardRocAuc: 0.74 }]);
  });

  it('data freshness per source, flagged where stale', () => {
    expect(figures.freshness.map((source) => [source.source, source.newestFact?.slice(0, 10), source.stale])).toEqual([
      ['support', '2026-11-01', true],
      ['usage', SUNDAY, false],
    ]);
  });

  it('a week with no renewals shows n/a rates, never NaN', async () => {
    const empty = await buildWeeklyFigures(context().db, { week: '2026-W40', config, now: NOW });
    expect(empty.renewals.week).toMatchObject({ decided: 0, arrBeforeCents: 0, logoRenewalRate: null, grossRevenueRetention: null, netRevenueRetention: null });
    const view = buildReportView(empty);
    const rows = new Map(viewRows(view));
    expect(rows.get('renewals.grr')![1]).toBe('n/a');
    expect(rows.get('renewals.logo')![1]).toBe('n/a');
    const html = renderHtml(view);
    const markdown = renderMarkdown(view);
    for (const text of [html, markdown, renderJson(empty)]) expect(text).not.toMatch(/NaN|Infinity|undefined/);
  });

  it('a week nobody was scored in says so, with the commands to run, instead of $0', async () => {
    // 2026-W10 (Sunday 03-08): the first score in the fixture is dated 04-01; A7 renews 03-15 (decided then).
    const unscored = await buildWeeklyFigures(context().db, { week: '2026-W10', config, now: NOW });
    expect(unscored.atRisk).toMatchObject({ accounts: 1, scoredAccounts: 0, atRiskCents: 0 });
    expect(unscored.trend.map((point) => point.scoredAccounts)).toEqual([0, 0, 0]);
    const view = buildReportView(unscored);
    const notice =
      'no account was scored in 2026-W10: the one account renewing in the 90 days after 2026-03-08 has no risk score dated on or before that day; ' +
      'run `radar run` daily, or backfill past days with `radar run --as-of YYYY-MM-DD` for each day (`radar demo` replays 12 weeks on a sample company)';
    // What a reader sees: the HTML as text, and the Markdown.
    const html = renderHtml(view);
    const text = visibleText(html);
    expect(text).toContain(`Not scored: ${notice}`);
    // Markdown escapes every interpolated text, the notice's code spans too: a reader sees the backticks as typed.
    expect(renderMarkdown(view)).toContain(`_Not scored: ${markdownEscape(notice)}_`);
    expect(text).toContain('At-risk ARR, next 90 days not scored');
    expect(text).toContain('Expected loss not scored');
    const rows = new Map(htmlRows(html));
    expect(rows.get('atRisk.atRisk')).toEqual(['At-risk ARR, high + critical (accounts)', 'not scored']);
    expect(rows.get('atRisk.scored')).toEqual(['Scored accounts (a score on or before that day)', '0']);
    expect(rows.get('trend.2026-W10')).toEqual(['2026-W10', '2026-03-08', 'not scored', 'not scored']);
    expect(rows.get('atRisk.segment.enterprise')).toEqual(['enterprise', '1', '$44,444.44', 'not scored', 'not scored', 'not scored']);
    // The trend chart: one zero label, a "no data" note, no line.
    const trend = /<svg id="chart-trend".*?<\/svg>/s.exec(html)![0];
    expect(visibleText(trend)).not.toMatch(/\$0.*\$0/);
    expect(trend).toContain('>no data</text>');
    expect(trend).not.toContain('<polyline');
    const segments = /<svg id="chart-segment".*?<\/svg>/s.exec(html)![0];
    expect(segments).toContain('>no data</text>');
    // A scored week has no notice.
    expect(visibleText(renderHtml(buildReportView(figures)))).not.toContain('no account was scored');
  });

  it('HTML, Markdown and JSON carry the same figures', () => {
    const view = buildReportView(figures);
    const html = renderHtml(view);
    const fromHtml = htmlRows(html);
    expect(fromHtml).toEqual(viewRows(view));
    expect(fromHtml.length).toBeGreaterThan(40);
    expect(markdownRows(renderMarkdown(view))).toEqual(fromHtml.map(([, cells]) => cells));
    const json = JSON.parse(renderJson(figures)) as WeeklyFigures & { definitions: Record<string, string[]> };
    expect(viewRows(buildReportView(json))).toEqual(fromHtml);
    expect(json.renewals.week.savedCents).toBe(12_345_678);
    expect(json.definitions.renewals!.join(' ')).toContain('GRR (gross revenue retention) = (ARR before − churned ARR − downgrade losses) ÷ ARR before');
    // Spot checks of formatting against the hand sums.
    const rows = new Map(fromHtml);
    expect(rows.get('renewals.churned')).toEqual(['Churned ARR', '$50,000.50', '$57,778.27', '$57,788.26']);
    expect(rows.get('renewals.grr')).toEqual(['GRR', '75.4%', '74.0%', '78.0%']);
    expect(rows.get('atRisk.segment.startup')).toEqual(['startup', '1', '$0.00', '1', '$0.00', 'n/a']);
    expect(rows.get('top.B1')!.at(-1)).toBe('1/3 done, 1 overdue');
    expect(rows.get('freshness.support')).toContain('STALE');
    expect(html).toContain('<tr data-key="freshness.support" class="flagged">');
    for (const id of ['chart-trend', 'chart-tier', 'chart-segment', 'chart-calibration']) expect(html).toContain(`<svg id="${id}"`);
    expect(html).not.toMatch(/NaN|<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('the Slack summary: plain text and minimal Block Kit, no owner emails', () => {
    const message = weeklySummaryMessage(figures);
    expect(message.text).toContain('Weekly retention report 2026-W47');
    expect(message.text).toContain('Renewals this week: 4 decided, logo renewal 75.0%, GRR 75.4%, NRR 78.1%; churned $50,000.50, saved $123,456.78.');
    expect(message.text).toContain('At risk, renewing in 90 days: $190,000.01 across 4 accounts (expected loss $127,283.95).');
    expect(message.text).toContain('Stale data: support.');
    expect(message.blocks.map((block) => block.type)).toEqual(['header', 'section', 'section', 'context']);
    expect(JSON.stringify(message.blocks)).toContain('1. Account B1: $100,000.00 ARR, 80.0% churn risk, renews in 18 days');
    expect(JSON.stringify(message)).not.toContain('@csm.example');
  });

  it('radar report weekly writes the file in the format asked for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'radar-report-'));
    let stdout = '';
    const logs = new Writable({ write(_chunk, _encoding, done) { done(); } });
    const cli: CliContext = {
      environment: {},
      logger: createLogger({ level: 'info', secrets: [], destination: logs }),
      out: { json: false, interactive: false, line: (text = '') => { stdout += `${text}\n`; }, data: (_value, human) => human() },
      config: () => reportTestConfig(),
      databaseOptions: () => context().options,
      database: async () => context().db,
      close: async () => undefined,
    };
    const run = async (args: string[]) => {
      const program = new Command('radar').exitOverride();
      registerReportCommands(program, cli);
      await program.parseAsync(args, { from: 'user' });
    };
    await run(['report', 'weekly', '--week', WEEK, '--out', join(dir, 'r.json')]);
    const json = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as WeeklyFigures;
    expect(json.atRisk.atRiskCents).toBe(19_000_001);
    await run(['report', 'weekly', '--week', WEEK, '--out', join(dir, 'r.txt'), '--format', 'md']);
    expect(readFileSync(join(dir, 'r.txt'), 'utf8')).toContain('| GRR | 75.4% | 74.0% | 78.0% |');
    expect(stdout).toContain(`weekly report ${WEEK} (md) written to ${join(dir, 'r.txt')}`);
    await expect(run(['report', 'weekly', '--week', '2026-W54'])).rejects.toThrow('--week must look like 2026-W47');
  });
});
