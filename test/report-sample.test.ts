// The weekly report on the sample company (PGlite): real model scores, and every section filled.
// Screenshot for the docs: test/__screenshots__/weekly-report-sample.png (committed).
//
// What is real: the sample company (writeSampleCompany), ingestion (ingestDirectory), a model trained on
// renewals decided by 2026-05-20 (trainModel) and weekly scores from 2026-05-24 to the report's Sunday
// (scoreAccounts). What is a FIXTURE written by this test: alerts, tasks and outcomes — a risk alert
// per newly high/critical account each week (every fifth account a holdout), two playbook tasks per
// delivered alert (one done for two accounts in three), and outcomes linked the way `radar outcomes`
// links them. Those rows stand in for the alerts step so this test does not depend on it.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.ts';
import { trainModel } from '../models/registry.ts';
import { scoreAccounts } from '../models/score.ts';
import { ingestDirectory } from '../pipelines/ingest/run.ts';
import { silentLogger } from '../pipelines/log.ts';
import { buildWeeklyFigures, type WeeklyFigures } from '../pipelines/report/build.ts';
import { addDays } from '../pipelines/report/period.ts';
import { renderHtml, renderMarkdown } from '../pipelines/report/render.ts';
import { buildReportView } from '../pipelines/report/view.ts';
import { writeSampleCompany } from '../pipelines/sample/generate.ts';
import type { DB } from '../sql/schema.ts';
import { chromium, chromiumUnavailable, IN_CI } from './report-chromium.ts';
import { backends, openTestDatabase, type TestDatabase } from './support/database.ts';

const SCREENSHOTS = fileURLToPath(new URL('./__screenshots__/', import.meta.url));
const WEEK = '2026-W47';
const SUNDAY = '2026-11-22';
const NOW = new Date('2026-11-23T07:00:00Z');
const FIRST_SCORE = '2026-05-24';

const loaded = parseConfig({
  sources: {
    'dir-usage-daily': { kind: 'file', entity: 'usage_daily', path: 'usage_daily.csv', maxStaleness: '48h' },
    'dir-support-contacts': { kind: 'file', entity: 'support_contacts', path: 'support_contacts.csv', maxStaleness: '7d' },
    'dir-invoices': { kind: 'file', entity: 'invoices', path: 'invoices.csv', maxStaleness: '3d' },
    'dir-renewals': { kind: 'file', entity: 'renewals', path: 'renewals.csv', maxStaleness: '30d' },
  },
});

/** FIXTURE alerts, tasks and outcomes derived from the real scores (see the header). */
async function insertFixtureAlerts(db: Kysely<DB>): Promise<void> {
  await sql`
    INSERT INTO alerts (dedup_key, kind, account_id, as_of, tier, model_version, probability, status, is_holdout)
    SELECT 'report-sample:' || s.account_id || ':' || s.as_of, 'risk', s.account_id, s.as_of, s.tier, s.model_version, s.probability,
           CASE WHEN s.account_id % 5 = 0 THEN 'holdout' ELSE 'dry_run' END, s.account_id % 5 = 0
    FROM risk_scores s
    WHERE s.tier IN ('high', 'critical')
      AND NOT EXISTS (SELECT 1 FROM risk_scores p WHERE p.account_id = s.account_id AND p.tier IN ('high', 'critical')
                      AND p.as_of < s.as_of AND p.as_of >= s.as_of - 28)`.execute(db);
  await sql`
    INSERT INTO tasks (alert_id, account_id, playbook, step, owner_role, owner, due_on, status, completed_at)
    SELECT a.alert_id, a.account_id, 'usage', step.name, 'csm', acc.csm_email, a.as_of + step.due,
           CASE WHEN step.name = 'call' AND a.account_id % 3 <> 0 THEN 'done' ELSE 'open' END,
           CASE WHEN step.name = 'call' AND a.account_id % 3 <> 0 THEN (a.as_of + 2)::timestamp AT TIME ZONE 'UTC' END
    FROM alerts a JOIN accounts acc ON acc.account_id = a.account_id
    CROSS JOIN (VALUES ('call', 3), ('review', 10)) AS step(name, due)
    WHERE NOT a.is_holdout`.execute(db);
  await sql`
    UPDATE alerts a
    SET outcome = CASE m.outcome WHEN 'churned' THEN 'lost' WHEN 'downgraded' THEN 'downgraded' ELSE 'saved' END,
        outcome_renewal_id = m.renewal_id, outcome_recorded_at = ${NOW}
    FROM (SELECT DISTINCT ON (al.alert_id) al.alert_id, r.renewal_id, r.outcome
          FROM alerts al JOIN renewals r ON r.account_id = al.account_id AND r.renewal_date >= al.as_of
          ORDER BY al.alert_id, r.renewal_date) m
    WHERE a.alert_id = m.alert_id`.execute(db);
}

describe('weekly report on the sample company [pglite]', () => {
  let database: TestDatabase & { dispose(): Promise<void> };
  let figures: WeeklyFigures;
  let html: string;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'radar-report-sample-'));
    await writeSampleCompany({ accounts: 200, years: 2, seed: 11, end: SUNDAY, outDir: dir });
    database = await openTestDatabase(backends[0]!);
    const { db } = database;
    await ingestDirectory(db, dir, { logger: silentLogger });
    // Bookkeeping timestamps pinned (they hold the real clock) so the committed screenshot is reproducible.
    await sql`UPDATE ingestion_runs SET started_at = ${'2026-11-23T06:00:00Z'}, finished_at = ${'2026-11-23T06:01:00Z'}`.execute(db);
    await sql`UPDATE accounts SET updated_at = ${'2026-11-23T06:00:00Z'}, created_at = ${'2026-11-23T06:00:00Z'}`.execute(db);
    await trainModel(db, { config: loaded.config, configVersion: loaded.version, asOf: '2026-05-20', promote: true });
    for (let day = FIRST_SCORE; day <= SUNDAY; day = addDays(day, 7)) await scoreAccounts(db, { config: loaded.config, asOf: day });
    await insertFixtureAlerts(db);
    figures = await buildWeeklyFigures(db, { week: WEEK, config: loaded.config, now: NOW });
    html = renderHtml(buildReportView(figures));
  });

  afterAll(async () => {
    await database?.dispose();
  });

  it('fills every section', () => {
    expect(figures.renewals.quarterToDate.decided).toBeGreaterThan(0);
    expect(figures.renewals.trailing12Months.grossRevenueRetention).not.toBeNull();
    expect(figures.atRisk.atRiskCents).toBeGreaterThan(0);
    expect(figures.atRisk.bySegment.length).toBeGreaterThan(1);
    expect(figures.trend).toHaveLength(12);
    expect(figures.trend.filter((point) => point.atRiskCents > 0).length).toBeGreaterThan(6);
    expect(figures.topAccounts).toHaveLength(10);
    expect(figures.topAccounts.some((account) => account.tasks.total > 0)).toBe(true);
    expect(figures.funnel.trailing12Months.delivered).toBeGreaterThan(0);
    expect(figures.funnel.trailing12Months.withTaskDone).toBeGreaterThan(0);
    expect(figures.funnel.trailing12Months.alertedRenewals).toBeGreaterThan(0);
    expect(figures.modelHealth.scored).toBeGreaterThan(5);
    expect(figures.modelHealth.fromLead).toBeGreaterThan(0);
    expect(figures.modelHealth.rocAuc).not.toBeNull();
    expect(figures.modelHealth.calibration?.length).toBe(5);
    expect(figures.modelHealth.models[0]?.scorecardRocAuc).not.toBeNull();
    expect(figures.freshness.map((source) => source.source)).toEqual(expect.arrayContaining(['dir-accounts', 'dir-usage-daily', 'dir-renewals']));
    // Money totals stay whole cents all the way through.
    expect(Number.isSafeInteger(figures.atRisk.atRiskCents) && Number.isSafeInteger(figures.renewals.trailing12Months.savedCents)).toBe(true);
    for (const text of [html, renderMarkdown(buildReportView(figures))]) expect(text).not.toMatch(/NaN|Infinity|undefined/);
  });

  const skip = Boolean(chromiumUnavailable) && !IN_CI;
  it.skipIf(skip)(skip ? `renders in Chromium with every chart and writes the docs screenshot (skipped: ${chromiumUnavailable})` : 'renders in Chromium with every chart and writes the docs screenshot', async () => {
    if (chromiumUnavailable) throw new Error(`CI=true requires Chromium: ${chromiumUnavailable}`);
    const file = join(mkdtempSync(join(tmpdir(), 'radar-report-sample-html-')), 'weekly-report-sample.html');
    writeFileSync(file, html);
    const dom = await chromium(file, ['--dump-dom']);
    expect(dom.console).toEqual([]);
    for (const id of ['chart-trend', 'chart-tier', 'chart-segment', 'chart-calibration']) expect(dom.stdout).toMatch(new RegExp(`<svg id="${id}"[^>]*>.*?<(polyline|rect|circle)\\b`, 's'));
    mkdirSync(SCREENSHOTS, { recursive: true });
    const png = join(SCREENSHOTS, 'weekly-report-sample.png');
    const shot = await chromium(file, [`--screenshot=${png}`], '1280,5600');
    expect(shot.console).toEqual([]);
    expect(readFileSync(png).subarray(1, 4).toString('latin1')).toBe('PNG');
  });
});
