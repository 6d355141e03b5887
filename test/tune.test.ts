// `radar tune` on a hand-built company, both backends: the tables and suggestion computed by hand from
// tenure (days since contract start, lower is riskier) as of 90 days before each renewal; a renewal
// decided after the range moves nothing; --write produces a config radar accepts, comments kept.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../config/load.ts';
import { addDays } from '../indicators/compute.ts';
import { tuneThresholds, type TuneResult } from '../models/tune-run.ts';
import { registerTuneCommands } from '../pipelines/cli/commands/tune.ts';
import { createContext } from '../pipelines/cli/context.ts';
import { silentLogger } from '../pipelines/log.ts';
import { describeEachBackend } from './support/database.ts';

const RENEWAL = '2026-06-01';
const AS_OF = '2026-03-03'; // RENEWAL − 90 days (leadDays)
const FROM = '2026-01-01';
const TO = '2026-06-30';
const { config } = parseConfig({ tune: { minFlagged: 2, bands: 2 } });
// Account k (1…10) has tenure 100·k days on AS_OF; those with k = 1, 2, 3, 5 churned; k = 1 was worth 4× the others.
const CHURNED = new Set([1, 2, 3, 5]);

describeEachBackend('radar tune', (context) => {
  let laterRenewalId: number;
  let before: TuneResult;
  const tune = (extra: { segment?: string } = {}) => tuneThresholds(context().db, { config, from: FROM, to: TO, indicator: 'tenure', ...extra });

  beforeAll(async () => {
    const db = context().db;
    for (let k = 1; k <= 11; k++) {
      // Account 11 renews after the range: the renewal the leakage test moves.
      const renewalDate = k === 11 ? '2026-10-01' : RENEWAL;
      const { account_id } = await db
        .insertInto('accounts')
        .values({ external_id: `T-${k}`, name: `Tenure ${k}`, segment: k % 2 === 1 ? 'smb' : 'enterprise', arr_cents: 10_000, contract_start: addDays(AS_OF, k === 11 ? -2000 : -100 * k), renewal_date: renewalDate })
        .returning('account_id')
        .executeTakeFirstOrThrow();
      const churned = k === 11 || CHURNED.has(k);
      const renewal = await db
        .insertInto('renewals')
        .values({
          account_id,
          renewal_date: renewalDate,
          outcome: churned ? 'churned' : 'renewed',
          arr_before_cents: k === 1 ? 40_000 : 10_000,
          arr_after_cents: churned ? 0 : 10_000,
          decided_at: `${addDays(renewalDate, -10)}T12:00:00Z`,
        })
        .returning('renewal_id')
        .executeTakeFirstOrThrow();
      if (k === 11) laterRenewalId = renewal.renewal_id;
    }
    before = await tune();
  });

  it('tabulates tenure as of the lead date, by hand', () => {
    expect(before.renewals).toBe(10);
    const [tenure] = before.indicators;
    expect(tenure).toMatchObject({ id: 'tenure', direction: 'lower', renewals: 10, churned: 4, baseRate: 0.4, separation: 'separates' });
    // Churners 100, 200, 300 rank below all 6 retained; 500 below 5 of them (not 400): 23 of 24 pairs.
    expect(tenure!.auc).toBeCloseTo(23 / 24, 12);
    expect(tenure!.bands).toEqual([
      { from: 100, to: 500, renewals: 5, churned: 4, churnRate: 0.8 },
      { from: 600, to: 1000, renewals: 5, churned: 0, churnRate: 0 },
    ]);
    expect(tenure!.thresholds.map((row) => row.threshold)).toEqual([1000, 900, 800, 700, 600, 500, 400, 365, 300, 200, 180, 100]);
    const at365 = tenure!.thresholds.find((row) => row.threshold === 365)!;
    expect(at365).toMatchObject({ flagged: 3, flaggedShare: 0.3, churnedFlagged: 3, precision: 1, recall: 0.75, lift: 2.5, current: ['warning'], suggested: ['critical'] });
    expect(at365.arrRecall).toBeCloseTo(60_000 / 70_000, 12);
    // 700 flags 7 with 4 churners (lift 1.43); 600 flags 6 with 4 (1.67): warning. Beyond it, 365 is the first with lift 2.5.
    expect(tenure!.suggested).toEqual({ warning: 600, critical: 365 });
  });

  it('leaves an earlier range unchanged when a later renewal moves, and counts it once it is decided inside', async () => {
    const db = context().db;
    await db.updateTable('renewals').set({ outcome: 'renewed', renewal_date: '2026-07-05', decided_at: '2026-07-01T00:00:00Z', arr_before_cents: 99_000 }).where('renewal_id', '=', laterRenewalId).execute();
    expect(await tune()).toEqual(before);
    // Control: decided on the range's last day, the same renewal is counted (so the test above could fail).
    await db.updateTable('renewals').set({ decided_at: '2026-06-30T23:00:00Z' }).where('renewal_id', '=', laterRenewalId).execute();
    const inside = await tune();
    expect(inside.renewals).toBe(11);
    await db.updateTable('renewals').set({ outcome: 'churned', renewal_date: '2026-10-01', decided_at: '2026-09-21T12:00:00Z', arr_before_cents: 10_000 }).where('renewal_id', '=', laterRenewalId).execute();
  });

  it('tunes one segment, suggesting nothing below tune.minSegmentRenewals, and names an unknown segment', async () => {
    const smb = await tune({ segment: 'smb' });
    expect(smb).toMatchObject({ segment: 'smb', renewals: 5, enoughRenewals: false });
    expect(smb.indicators[0]!.suggested).toBeNull();
    expect(smb.indicators[0]!.reason).toContain('fewer than tune.minSegmentRenewals (50)');
    await expect(tune({ segment: 'midmarket' })).rejects.toThrow(/--segment: no renewal in the range belongs to segment "midmarket" \(segments: enterprise, smb\)/);
  });

  it('radar tune --write writes a config radar accepts, with the suggestion and the comments kept; --html draws the lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'radar-tune-'));
    const source = join(dir, 'radar.yaml');
    writeFileSync(source, '# the analysts\' copy\ntune:\n  minFlagged: 2 # small book\n  bands: 2\n');
    const human = await runCli(source, ['tune', '--from', FROM, '--to', TO, '--indicator', 'tenure', '--write', join(dir, 'tuned.yaml'), '--html', join(dir, 'tune.html')]);
    expect(human).toContain('≤ 600');
    expect(human).toMatch(/≤ 365 .*← now warning ← suggested critical/);
    expect(human).toContain('suggested: warning 600 (now 365), critical 365 (now 180)');
    const text = readFileSync(join(dir, 'tuned.yaml'), 'utf8');
    expect(text).toContain("# the analysts' copy");
    expect(text).toContain('minFlagged: 2 # small book');
    // Indicator sections are typed by the registry at run time: read them as thresholds.
    const sections = (loaded: typeof config) => loaded.indicators as unknown as Record<string, { warning: number | null; critical: number | null }>;
    const tuned = sections(loadConfig(join(dir, 'tuned.yaml')).config);
    expect([tuned.tenure!.warning, tuned.tenure!.critical]).toEqual([600, 365]);
    expect(tuned.usageDecline).toEqual(sections(config).usageDecline);
    const html = readFileSync(join(dir, 'tune.html'), 'utf8');
    expect(html).toContain('<svg id="tune-tenure"');
    expect(html.match(/class="threshold (current|suggested) (warning|critical)"/g)).toHaveLength(4);
    expect(html).not.toMatch(/NaN|undefined|<script|https?:\/\/(?!www\.w3\.org)/);
  });

  /** Runs `radar tune` in-process on this test's database with the given config file; returns what it printed. */
  async function runCli(configFile: string, args: string[]): Promise<string> {
    let printed = '';
    const program = new Command('radar').exitOverride();
    const stdout = { write: (text: string) => ((printed += text), true) } as never;
    const cli = createContext({ environment: { CI: false } as never, logger: silentLogger, configPath: () => configFile, json: () => false, stdout });
    registerTuneCommands(program, { ...cli, database: () => Promise.resolve(context().db), close: () => Promise.resolve() });
    await program.parseAsync(['node', 'radar', ...args]);
    return printed;
  }
});

describe('tunedConfigText', () => {
  it('refuses --write with --segment until per-segment thresholds exist', async () => {
    const { tunedConfigText } = await import('../models/tune-write.ts');
    expect(() => tunedConfigText('', { from: FROM, to: TO, leadDays: 90, segment: 'smb', renewals: 0, enoughRenewals: false, indicators: [] })).toThrow(/--write with --segment/);
  });
});
