// The weekly report's HTML opened in headless Chromium: no console message of any kind, each chart's
// SVG in the loaded DOM, a PDF through the print CSS, and a PNG screenshot for review
// (test/__screenshots__/weekly-report.png, committed). Without /usr/bin/chromium the tests skip and
// say why; under CI=true they fail instead (.ci/run installs Chromium).
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildWeeklyFigures } from '../pipelines/report/build.ts';
import { renderHtml } from '../pipelines/report/render.ts';
import { buildReportView } from '../pipelines/report/view.ts';
import { chromium, chromiumUnavailable, IN_CI } from './report-chromium.ts';
import { NOW, reportTestConfig, seedReportFixture, WEEK } from './report-fixtures.ts';
import { backends, openTestDatabase } from './support/database.ts';

export const SCREENSHOTS = fileURLToPath(new URL('./__screenshots__/', import.meta.url));
const CHARTS = ['chart-trend', 'chart-tier', 'chart-segment', 'chart-calibration'];

if (chromiumUnavailable && !IN_CI) console.warn(`[radar tests] skipping the Chromium report tests: ${chromiumUnavailable}`);

describe.skipIf(Boolean(chromiumUnavailable) && !IN_CI)(chromiumUnavailable && !IN_CI ? `weekly report in Chromium (skipped: ${chromiumUnavailable})` : 'weekly report in Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'radar-report-html-'));
  const file = join(dir, 'weekly-report.html');
  const notScored = join(dir, 'weekly-report-not-scored.html');

  beforeAll(async () => {
    if (chromiumUnavailable) throw new Error(`CI=true requires Chromium: ${chromiumUnavailable}`);
    const database = await openTestDatabase(backends[0]!);
    try {
      await seedReportFixture(database.db);
      const figures = await buildWeeklyFigures(database.db, { week: WEEK, config: reportTestConfig().config, now: NOW });
      writeFileSync(file, renderHtml(buildReportView(figures)));
      // A week before the fixture's first score: the empty state.
      const unscored = await buildWeeklyFigures(database.db, { week: '2026-W10', config: reportTestConfig().config, now: NOW });
      writeFileSync(notScored, renderHtml(buildReportView(unscored)));
    } finally {
      await database.dispose();
    }
  });

  it('the console check sees a console message (negative control)', async () => {
    const bad = join(dir, 'bad.html');
    writeFileSync(bad, '<!DOCTYPE html><html><body><script>console.error("planted-error")</script></body></html>');
    const result = await chromium(bad, ['--dump-dom']);
    expect(result.console.join('\n')).toContain('planted-error');
  });

  it('loads with no console message and every chart in the DOM', async () => {
    const result = await chromium(file, ['--dump-dom']);
    expect(result.console).toEqual([]);
    for (const id of CHARTS) {
      const svg = new RegExp(`<svg id="${id}"[^>]*>(.*?)</svg>`, 's').exec(result.stdout);
      expect(svg, id).not.toBeNull();
      expect(svg![1]).toMatch(/<(polyline|rect|circle)\b/);
    }
    expect(result.stdout).toContain('Renewal Radar — weekly retention report, 2026-W47');
  });

  it('prints to a multi-page PDF through the print CSS', async () => {
    const pdf = join(dir, 'weekly-report.pdf');
    const result = await chromium(file, [`--print-to-pdf=${pdf}`, '--no-pdf-header-footer']);
    expect(result.console).toEqual([]);
    const bytes = readFileSync(pdf);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(bytes.toString('latin1').match(/\/Type\s*\/Page\b/g)?.length ?? 0).toBeGreaterThan(1);
  });

  it('writes the PNG screenshot for review', async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const png = join(SCREENSHOTS, 'weekly-report.png');
    const result = await chromium(file, [`--screenshot=${png}`], '1280,5000');
    expect(result.console).toEqual([]);
    const bytes = readFileSync(png);
    expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(bytes.readUInt32BE(16)).toBe(1280); // IHDR width
    expect(statSync(png).size).toBeGreaterThan(50_000);
  });

  it('a week nobody was scored in: the notice as a browser shows it, no "$0" axis, and a screenshot', async () => {
    const result = await chromium(notScored, ['--dump-dom']);
    expect(result.console).toEqual([]);
    const text = result.stdout.replace(/<style>.*?<\/style>|<title>.*?<\/title>/gs, ' ').replace(/<[^>]+>/g, ' ').replace(/&amp;/g, '&').replace(/\s+/g, ' ');
    expect(text).toContain('Not scored: no account was scored in 2026-W10: the one account renewing in the 90 days after 2026-03-08 has no risk score');
    expect(text).toContain('run `radar run` daily, or backfill past days with `radar run --as-of YYYY-MM-DD` for each day');
    const trend = /<svg id="chart-trend".*?<\/svg>/s.exec(result.stdout)![0];
    expect(trend.match(/>\$0</g)).toHaveLength(1);
    expect(trend).toContain('>no data<');
    const png = join(SCREENSHOTS, 'weekly-report-not-scored.png');
    mkdirSync(SCREENSHOTS, { recursive: true });
    const shot = await chromium(notScored, [`--screenshot=${png}`], '1280,2100');
    expect(shot.console).toEqual([]);
    expect(readFileSync(png).subarray(1, 4).toString('latin1')).toBe('PNG');
  });
});
