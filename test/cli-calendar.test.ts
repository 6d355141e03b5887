// `radar calendar` as a real process on the embedded default: a small sample company, the day's listing
// as JSON checked against the milestone rule (renewal − milestone day = the milestone, reached within the
// catch-up window), the same listing as terminal lines, and a bad --as-of named.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CalendarListing } from '../alerts/calendar-text.ts';
import { addDays } from '../alerts/dates.ts';
import { startupBudgetMs } from './support/budget.ts';
import { runRadar } from './support/cli.ts';

describe('radar calendar (CLI)', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'radar-cli-calendar-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it("lists each recipient's accounts reaching a milestone as of the day, as JSON and as lines", async () => {
    const environment = { RADAR_DATA_DIR: join(work, 'data'), LOG_LEVEL: 'warn' };
    expect((await runRadar(['sample', '--accounts', '60', '--years', '1', '--seed', '3', '--end', '2026-06-30', '--out', join(work, 'sample')], environment)).code).toBe(0);
    expect((await runRadar(['ingest', '--dir', join(work, 'sample')], environment)).code).toBe(0);

    const asOf = '2026-06-30';
    const json = await runRadar(['--json', 'calendar', '--as-of', asOf], environment);
    expect(json.code, json.stderr).toBe(0);
    const listing = JSON.parse(json.stdout) as CalendarListing;
    expect(listing.asOf).toBe(asOf);
    const accounts = listing.digests.flatMap((digest) => digest.accounts);
    expect(accounts.length).toBeGreaterThan(0); // 60 accounts × 3 milestones × 7 days of window ≈ 3.5 expected (2 with this seed)
    for (const account of accounts) {
      expect([90, 60, 30]).toContain(account.daysBefore);
      expect(addDays(account.milestoneDay, account.daysBefore)).toBe(account.renewalDate);
      expect(account.milestoneDay > addDays(asOf, -7) && account.milestoneDay <= asOf).toBe(true);
      expect(account).toMatchObject({ milestone: `T−${account.daysBefore}`, posted: false, tier: null }); // nothing scored, nothing run
    }

    const human = await runRadar(['calendar', '--as-of', asOf], environment);
    expect(human.code).toBe(0);
    const lines = human.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`renewal calendar as of ${asOf}: ${accounts.length} account${accounts.length === 1 ? '' : 's'} in ${listing.digests.length} digest${listing.digests.length === 1 ? '' : 's'}`);
    expect(lines.filter((line) => line.endsWith('· to post'))).toHaveLength(accounts.length);

    const bad = await runRadar(['calendar', '--as-of', '2026-02-30'], environment);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--as-of');
  }, 6 * startupBudgetMs()); // four processes, each opening the embedded database
});
