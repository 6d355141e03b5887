// `radar demo` end to end (in-process, PGlite in a temporary data directory, the default 500 accounts
// and seed, "today" pinned to 2026-11-27): what its terminal shows, and the weekly report it writes —
// a non-zero at-risk trend over the replayed weeks, alerts with a holdout, tasks done by the SIMULATED
// CSMs and outcomes known — opened in Chromium, with the screenshot the README shows
// (test/__screenshots__/weekly-report-demo.png, committed).
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEnvironment } from '../config/environment.ts';
import { createContext, type CliContext } from '../pipelines/cli/context.ts';
import { runDemo } from '../pipelines/demo.ts';
import { silentLogger } from '../pipelines/log.ts';
import { buildWeeklyFigures, type WeeklyFigures } from '../pipelines/report/build.ts';
import { chromium, chromiumUnavailable, IN_CI } from './report-chromium.ts';

const SCREENSHOTS = fileURLToPath(new URL('./__screenshots__/', import.meta.url));
const END = '2026-11-27';
const WEEK = '2026-W47'; // the last complete week: Sunday 2026-11-22

describe('radar demo: 12 weeks of history and the report it writes [pglite]', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'radar-demo-report-'));
  const written: string[] = [];
  let context: CliContext;
  let figures: WeeklyFigures;
  let html: string;

  beforeAll(async () => {
    const stdout = { isTTY: false, write: (text: string) => written.push(text) > 0 } as unknown as NodeJS.WriteStream;
    context = createContext({ environment: readEnvironment({ RADAR_DATA_DIR: dataDir }), logger: silentLogger, configPath: () => undefined, json: () => false, stdout });
    await runDemo(context, { accounts: 500, seed: 42, end: END, dataDir });
    html = readFileSync(join(dataDir, 'reports', `weekly-${WEEK}.html`), 'utf8');
    figures = await buildWeeklyFigures(await context.database(), { week: WEEK, config: context.config().config, now: new Date(`${END}T23:00:00Z`) });
  }, 900_000);

  afterAll(async () => {
    await context?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints human lines only, says which actions are simulated, and where each result is', () => {
    const output = written.join('');
    expect(output.split('\n').filter((line) => line.trimStart().startsWith('{'))).toEqual([]);
    expect(output).toContain('▸ replaying the daily run (indicators → score → alert → escalate) for each of the 84 days 2026-09-05 … 2026-11-27');
    expect(output).toContain('simulated: CSMs complete 67% of playbook tasks, seed 42, recorded as completed by "simulated-csm (radar demo)"');
    expect(output).toContain('the demo holds out 25% of at-risk accounts as the control group, not the configured 10%');
    expect(output.match(/^ {4}2026-W\d\d to 2026-\d\d-\d\d: /gm)).toHaveLength(13); // W36 (from Saturday 09-05) … W48 (to Friday 11-27)
    expect(output).toContain(join(dataDir, 'reports', `weekly-${WEEK}.html`));
    expect(output).toMatch(/^done in \d+\.\d s/m);
  });

  it('the report has a non-zero at-risk trend over the replayed weeks', () => {
    expect(figures.trend).toHaveLength(12);
    // Every trend Sunday (09-06 … 11-22) falls in the replay, so every week has scores and at-risk ARR.
    for (const point of figures.trend) {
      expect(point.scoredAccounts, point.week).toBeGreaterThan(50);
      expect(point.atRiskCents, point.week).toBeGreaterThan(0);
    }
    expect(html).not.toContain('no account was scored');
  });

  it('the funnel has delivered alerts with tasks done, outcomes, a holdout and a lift', () => {
    const funnel = figures.funnel.quarterToDate;
    // Weeks of alerts, not one day's: a dozen or more delivered since the quarter began (1 October).
    expect(funnel.delivered).toBeGreaterThan(10);
    expect(funnel.holdout).toBeGreaterThan(0);
    expect(funnel.withTaskDone).toBeGreaterThan(0);
    expect(funnel.withTaskDone).toBeLessThan(funnel.delivered);
    expect(funnel.withOutcome).toBeGreaterThan(0);
    expect(figures.funnel.trailing12Months.alertedRenewals).toBeGreaterThan(0);
    expect(figures.funnel.trailing12Months.holdoutRenewals).toBeGreaterThan(0);
    expect(figures.funnel.trailing12Months.lift).not.toBeNull();
    expect(figures.renewals.quarterToDate.savedAccounts).toBeGreaterThan(0);
    expect(figures.topAccounts.some((account) => account.tasks.done > 0)).toBe(true);
  });

  const skip = Boolean(chromiumUnavailable) && !IN_CI;
  it.skipIf(skip)(skip ? `opens in Chromium and writes the README screenshot (skipped: ${chromiumUnavailable})` : 'opens in Chromium and writes the README screenshot', async () => {
    if (chromiumUnavailable) throw new Error(`CI=true requires Chromium: ${chromiumUnavailable}`);
    const file = join(dataDir, 'reports', `weekly-${WEEK}.html`);
    const dom = await chromium(file, ['--dump-dom']);
    expect(dom.console).toEqual([]);
    expect(dom.stdout).toMatch(/<svg id="chart-trend"[^>]*>.*?<polyline\b/s);
    expect(dom.stdout).toMatch(/<tr data-key="funnel.saveHoldout"><td>Save rate, holdout<\/td><td>[^<]*<\/td><td>\d+ of \d+ \(/);
    mkdirSync(SCREENSHOTS, { recursive: true });
    const png = join(SCREENSHOTS, 'weekly-report-demo.png');
    const shot = await chromium(file, [`--screenshot=${png}`], '1280,5600');
    expect(shot.console).toEqual([]);
    expect(readFileSync(png).subarray(1, 4).toString('latin1')).toBe('PNG');
  });
});
