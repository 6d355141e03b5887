// `radar tune` on a hand-built company, both backends: the tables and suggestion computed by hand from
// tenure (days since contract start, lower is riskier) as of 90 days before each renewal; a renewal
// decided after the range moves nothing; --write produces a config radar accepts, comments kept.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../config/load.ts';
import { addDays, evaluateIndicators } from '../indicators/compute.ts';
import type { Thresholds } from '../indicators/types.ts';
import { tuneThresholds, type TuneResult } from '../models/tune-run.ts';
import { registerTuneCommands } from '../pipelines/cli/commands/tune.ts';
import { createContext, type CliContext } from '../pipelines/cli/context.ts';
import { registerIndicatorCommands } from '../pipelines/cli/commands/indicators.ts';
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
        .values({ external_id: `T-${k}`, name: `Account ${k}`, segment: k % 2 === 1 ? 'smb' : 'enterprise', arr_cents: 10_000, contract_start: addDays(AS_OF, k === 11 ? -2000 : -100 * k), renewal_date: renewalDate })
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

  it('flags each segment by its own levels (built-in and custom), and explain says whose levels applied', async () => {
    const db = context().db;
    // A signal "score" of k for account k, observed before AS_OF.
    const accounts = await db.selectFrom('accounts').select(['account_id', 'external_id']).execute();
    for (const { account_id, external_id } of accounts) {
      await db.insertInto('account_signals').values({ account_id, name: 'score', observed_at: `${addDays(AS_OF, -5)}T12:00:00Z`, value: Number(external_id.slice(2)), source: 'test' }).execute();
    }
    const segmented = parseConfig({
      indicators: {
        tenure: { warning: 365, critical: 180, segments: { smb: { warning: 700, critical: 500 } } },
        custom: [{ id: 'score', label: 'Score', kind: 'latest', signal: 'score', direction: 'higher', warning: 9, critical: null, segments: { enterprise: { warning: 4, critical: 8 } } }],
      },
    }).config;
    const values = await evaluateIndicators(db, { asOf: AS_OF, config: segmented, scope: 'all', horizonDays: 90 });
    const flags = (indicator: string) => new Map(values.filter((value) => value.indicator === indicator).map((value) => [value.value, value.flag]));
    // smb (odd k: 100, 300, 500, 700, 900 days; account 11: 2000): ≤ 500 critical, ≤ 700 warning. enterprise (200 … 1000): ≤ 180 critical, ≤ 365 warning.
    expect(flags('tenure')).toEqual(
      new Map([[100, 'critical'], [200, 'warning'], [300, 'critical'], [400, 'ok'], [500, 'critical'], [600, 'ok'], [700, 'warning'], [800, 'ok'], [900, 'ok'], [1000, 'ok'], [2000, 'ok']]),
    );
    // enterprise (even k): ≥ 8 critical, ≥ 4 warning. smb (odd k): ≥ 9 warning, no critical.
    expect(flags('score')).toEqual(
      new Map([[1, 'ok'], [2, 'ok'], [3, 'ok'], [4, 'warning'], [5, 'ok'], [6, 'warning'], [7, 'ok'], [8, 'critical'], [9, 'warning'], [10, 'critical'], [11, 'warning']]),
    );
    // explain: account T-1 is smb, so tenure shows smb's levels; T-2 (enterprise) has the indicator-wide ones.
    const dir = mkdtempSync(join(tmpdir(), 'radar-segments-'));
    const file = join(dir, 'radar.yaml');
    writeFileSync(file, 'indicators:\n  tenure: { warning: 365, critical: 180, segments: { smb: { warning: 700, critical: 500 } } }\n');
    const explain = async (account: string) => {
      const printed = await runCli(file, ['indicators', 'explain', account, '--as-of', AS_OF], registerIndicatorCommands);
      return printed.split('\n').find((line) => line.trimStart().startsWith('Tenure'));
    };
    expect(await explain('T-1')).toMatch(/CRITICAL\s+\(smb thresholds: warning ≤ 700, critical ≤ 500\)/);
    expect(await explain('T-2')).toMatch(/WARNING\s+\(warning ≤ 365, critical ≤ 180\)/);
  });

  it('names the key and the rule when a segment\'s levels are inverted', () => {
    expect(() => parseConfig({ indicators: { tenure: { segments: { smb: { warning: 100, critical: 200 } } } } })).toThrow(
      /indicators\.tenure\.segments\.smb\.critical: must be less than warning \(100\): lower values are riskier here/,
    );
    expect(() => parseConfig({ indicators: { custom: [{ id: 'score', label: 'Score', kind: 'latest', signal: 'score', direction: 'higher', segments: { smb: { warning: 5, critical: 5 } } }] } })).toThrow(
      /indicators\.custom\.0\.segments\.smb\.critical: must be greater than warning \(5\)/,
    );
    expect(() => parseConfig({ indicators: { tenure: { segments: { smb: { warning: 100 } } } } })).toThrow(/indicators\.tenure\.segments\.smb\.critical/);
  });

  /** Runs `radar tune` in-process on this test's database with the given config file; returns what it printed. */
  async function runCli(configFile: string, args: string[], register: (program: Command, cli: CliContext) => void = registerTuneCommands): Promise<string> {
    let printed = '';
    const program = new Command('radar').exitOverride();
    const stdout = { write: (text: string) => ((printed += text), true) } as never;
    const cli = createContext({ environment: { CI: false } as never, logger: silentLogger, configPath: () => configFile, json: () => false, stdout });
    register(program, { ...cli, database: () => Promise.resolve(context().db), close: () => Promise.resolve() });
    await program.parseAsync(['node', 'radar', ...args]);
    return printed;
  }
});

describe('tunedConfigText', () => {
  it('with --segment writes the suggestion as that segment\'s levels', async () => {
    const { tunedConfigText } = await import('../models/tune-write.ts');
    const tuned = { id: 'tenure', customIndex: null, suggested: { warning: 600, critical: 365 }, current: { warning: 365, critical: 180 } };
    const result = { from: FROM, to: TO, leadDays: 90, segment: 'smb', renewals: 60, enoughRenewals: true, indicators: [tuned] } as unknown as TuneResult;
    const { text, changes } = tunedConfigText('leadDays: 90\n', result);
    expect(changes.map((change) => change.key)).toEqual(['indicators.tenure.segments.smb.warning', 'indicators.tenure.segments.smb.critical']);
    expect((parseConfig(parse(text)).config.indicators as unknown as Record<string, Thresholds>).tenure!.segments).toEqual({ smb: { warning: 600, critical: 365 } });
  });
});
