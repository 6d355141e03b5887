// `radar forecast` as a real process on the embedded default: a sample company with no model yet, so
// every open renewal counts at its segment's rate; the second run prints the kept forecast unchanged.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startupBudgetMs } from './support/budget.ts';
import { runRadar } from './support/cli.ts';

interface Printed {
  created: boolean;
  asOf: string;
  period: string;
  figures: { forecast: { total: { accounts: number; arrDueCents: number; expectedRenewedCents: number }; scored: { accounts: number }; unscored: { accounts: number }; decided: { accounts: number } } };
}

describe('radar forecast (CLI)', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'radar-cli-forecast-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('keeps the forecast it makes, prints it again unchanged, and names the rule on a bad period', async () => {
    const environment = { RADAR_DATA_DIR: join(work, 'data'), LOG_LEVEL: 'warn' };
    expect((await runRadar(['sample', '--accounts', '40', '--years', '1', '--seed', '3', '--end', '2026-06-30', '--out', join(work, 'sample')], environment)).code).toBe(0);
    expect((await runRadar(['ingest', '--dir', join(work, 'sample')], environment)).code).toBe(0);

    const args = ['--json', 'forecast', '--as-of', '2026-06-30', '--period', '2026-Q3'];
    const first = await runRadar(args, environment);
    expect(first.code).toBe(0);
    const made = JSON.parse(first.stdout) as Printed;
    expect(made).toMatchObject({ created: true, asOf: '2026-06-30', period: '2026-Q3' });
    const { total, scored, unscored, decided } = made.figures.forecast;
    expect(total.accounts).toBeGreaterThan(0);
    expect(scored.accounts).toBe(0); // no model, no score
    expect(unscored.accounts + decided.accounts).toBe(total.accounts);
    expect(total.expectedRenewedCents).toBeLessThanOrEqual(total.arrDueCents);

    const again = await runRadar(args, environment);
    expect(again.code).toBe(0);
    const kept = JSON.parse(again.stdout) as Printed;
    expect(kept.created).toBe(false);
    expect(JSON.stringify(kept.figures)).toBe(JSON.stringify(made.figures));

    const human = await runRadar(['forecast', '--as-of', '2026-06-30', '--period', '2026-Q3'], environment);
    expect(human.stdout.split('\n')[0]).toBe('Renewal forecast 2026-Q3 (2026-07-01 … 2026-09-30), as of 2026-06-30 (stored earlier; unchanged)');

    const bad = await runRadar(['forecast', '--period', '2026-Q7'], environment);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--period must be a quarter like 2027-Q1 or a month like 2027-01, got "2026-Q7"');
  }, 7 * startupBudgetMs()); // six processes, each opening the embedded database
});
