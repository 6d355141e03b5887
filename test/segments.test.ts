// Per-segment config, end to end: tier cut-offs per segment (validated, applied when scoring), driver
// sentences naming the segment whose indicator levels applied (and the Slack alert carrying it, escaped,
// on both backends), and `radar config check --data` rejecting a segment no account has.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAlerts } from '../alerts/run.ts';
import { parseConfig } from '../config/load.ts';
import { segmentKeys, unknownSegmentProblems } from '../config/segments.ts';
import { configuredIndicators } from '../indicators/compute.ts';
import type { Flag } from '../indicators/types.ts';
import { fitRadarModel, tierFor } from '../models/radar-model.ts';
import { trainModel } from '../models/registry.ts';
import { scoreAccounts, scoreRows, type AccountScore } from '../models/score.ts';
import type { TrainingSet } from '../models/training-set.ts';
import { registerCoreCommands } from '../pipelines/cli/commands/core.ts';
import { createContext } from '../pipelines/cli/context.ts';
import { silentLogger } from '../pipelines/log.ts';
import { addAccount, addScore, resetAlertTables, runOptions, testConfig } from './alerts-fixtures.ts';
import { describeEachBackend } from './support/database.ts';

const SEGMENTED = {
  indicators: { tenure: { warning: 365, critical: 180, segments: { 's&m': { warning: 700, critical: 500 } } } },
  model: { features: ['tenure'], l2: 1, tiers: { medium: 0.15, high: 0.3, critical: 0.5, segments: { 's&m': { medium: 0.05, high: 0.1, critical: 0.2 } } } },
};

describe('model.tiers.segments', () => {
  it('applies a segment\'s own cut-offs, inclusive, and the others elsewhere', () => {
    const { tiers } = parseConfig(SEGMENTED).config.model;
    expect([tierFor(0.1, tiers, 's&m'), tierFor(0.1, tiers, 'enterprise'), tierFor(0.1, tiers)]).toEqual(['high', 'low', 'low']);
    expect([tierFor(0.2, tiers, 's&m'), tierFor(0.3, tiers, 'enterprise'), tierFor(0.049, tiers, 's&m')]).toEqual(['critical', 'high', 'low']);
  });

  it('names the key and the rule when a segment\'s cut-offs are inverted or incomplete', () => {
    expect(() => parseConfig({ model: { tiers: { segments: { smb: { medium: 0.2, high: 0.1, critical: 0.5 } } } } })).toThrow(/model\.tiers\.segments\.smb\.high: must be greater than medium \(0\.2\)/);
    expect(() => parseConfig({ model: { tiers: { segments: { smb: { medium: 0.1, high: 0.4, critical: 0.4 } } } } })).toThrow(/model\.tiers\.segments\.smb\.critical: must be greater than high \(0\.4\)/);
    expect(() => parseConfig({ model: { tiers: { segments: { smb: { medium: 0.1, high: 0.2 } } } } })).toThrow(/model\.tiers\.segments\.smb\.critical/);
    expect(() => parseConfig({ model: { tiers: { segments: { smb: { medium: 0.1, high: 0.2, critical: 0.3, low: 0 } } } } })).toThrow(/model\.tiers\.segments\.smb/);
  });
});

describe('segment names against the data', () => {
  const { config } = parseConfig({
    indicators: {
      usageDecline: { segments: { smb: { warning: -0.2, critical: -0.4 }, SMB: { warning: -0.2, critical: -0.4 } } },
      custom: [{ id: 'score', label: 'Score', kind: 'latest', signal: 'score', direction: 'higher', warning: 9, critical: null, segments: { entreprise: { warning: 4, critical: 8 } } }],
    },
    model: { tiers: { segments: { enterprise: { medium: 0.1, high: 0.2, critical: 0.4 } } } },
  });

  it('lists every per-segment entry by its key', () => {
    expect(segmentKeys(config)).toEqual([
      { key: 'indicators.usageDecline.segments.smb', segment: 'smb' },
      { key: 'indicators.usageDecline.segments.SMB', segment: 'SMB' },
      { key: 'indicators.custom.0.segments.entreprise', segment: 'entreprise' },
      { key: 'model.tiers.segments.enterprise', segment: 'enterprise' },
    ]);
  });

  it('names each key whose segment no account has (segments are case-sensitive, as in the data)', () => {
    expect(unknownSegmentProblems(config, ['smb', 'enterprise', 'mid-market'])).toEqual([
      'indicators.usageDecline.segments.SMB: no account has segment "SMB" (segments in the data: enterprise, mid-market, smb)',
      'indicators.custom.0.segments.entreprise: no account has segment "entreprise" (segments in the data: enterprise, mid-market, smb)',
    ]);
    expect(unknownSegmentProblems(parseConfig({}).config, [])).toEqual([]);
  });
});

/** A one-feature model on tenure (days; short tenure churns) and three accounts to score with it. */
function segmentedScores(): { scores: AccountScore[]; probability: number } {
  const { config } = parseConfig(SEGMENTED);
  const flag = (tenure: number): Flag => (tenure <= 180 ? 'critical' : tenure <= 365 ? 'warning' : 'ok');
  const training = Array.from({ length: 40 }, (_, i) => {
    const tenure = 60 + i * 40;
    return { values: [tenure], flags: [flag(tenure)], label: (i % 4 === 0 || tenure < 400 ? 1 : 0) as 0 | 1, accountId: i + 1 };
  });
  const model = fitRadarModel(training, ['tenure'], config);
  // The same tenure (600 days, below the training mean of 840) for an s&m account, an enterprise one and one without a known segment.
  const row = (accountId: number) => ({ accountId, values: [600], flags: [flag(600)], details: [{}] });
  const segments = new Map([[1, 's&m'], [2, 'enterprise']]);
  const scores = scoreRows(model, [row(1), row(2), row(3)], ['tenure'], config.model.tiers, configuredIndicators(config), segments);
  return { scores, probability: scores[0]!.probability };
}

describe('scoring with per-segment levels and cut-offs', () => {
  it('tiers each account by its segment\'s cut-offs and names the segment whose indicator levels applied', () => {
    const { scores, probability } = segmentedScores();
    // Same values, same probability (0.43 for this fit): high by the default cut-offs (0.3 ≤ p < 0.5), critical by s&m's (≥ 0.2).
    expect(scores.map((score) => score.probability)).toEqual([probability, probability, probability]);
    expect(probability).toBeGreaterThanOrEqual(0.3);
    expect(probability).toBeLessThan(0.5);
    expect(scores.map((score) => score.tier)).toEqual(['critical', 'high', 'high']);
    // 600 days = 1.6 years; only the s&m account's tenure is flagged by segment levels.
    expect(scores.map((score) => score.drivers.map((driver) => driver.sentence))).toEqual([
      ['Customer for 1.6 years (s&m thresholds)'],
      ['Customer for 1.6 years'],
      ['Customer for 1.6 years'],
    ]);
  });
});

describeEachBackend('per-segment config in the database', (context) => {
  let dir: string;
  beforeAll(async () => {
    const { db } = context();
    await resetAlertTables(db);
    dir = mkdtempSync(join(tmpdir(), 'radar-segments-'));
  });

  it('carries the segment named in a driver into the Slack alert, escaped', async () => {
    const { db } = context();
    const { scores } = segmentedScores();
    const id = await addAccount(db, { externalId: 'seg-1', segment: 's&m', renewalDate: '2026-03-01' });
    await addScore(db, id, '2026-01-05', scores[0]!.probability, scores[0]!.tier, scores[0]!.drivers);
    await runAlerts(db, runOptions(testConfig(), '2026-01-05', null));
    const alert = await db.selectFrom('alerts').select('payload').where('account_id', '=', id).where('kind', '=', 'risk').executeTakeFirstOrThrow();
    const text = JSON.stringify((alert.payload as { message: unknown }).message);
    expect(text).toContain('Customer for 1.6 years (s&amp;m thresholds)');
    expect(text).not.toContain('(s&m thresholds)');
  });

  it('scores an account of a segment with its own cut-offs and says whose levels flagged a driver (radar score)', async () => {
    const { db } = context();
    const { config } = parseConfig(SEGMENTED);
    const indicators = configuredIndicators(config).map((item) => item.definition.id);
    const at = indicators.indexOf('tenure');
    const flag = (tenure: number): Flag => (tenure <= 180 ? 'critical' : tenure <= 365 ? 'warning' : 'ok');
    // The same 40 training rows as segmentedScores(), in the shape of a training set over every configured indicator.
    const rows = Array.from({ length: 40 }, (_, i) => {
      const tenure = 60 + i * 40;
      const label = (i % 4 === 0 || tenure < 400 ? 1 : 0) as 0 | 1;
      return {
        renewalId: i + 1, accountId: i + 1, renewalDate: '2025-06-01', asOf: '2025-03-03', decidedAt: '2025-06-01T00:00:00Z', outcome: label ? 'churned' : 'renewed', label, arrBeforeCents: 100,
        values: indicators.map((_, k) => (k === at ? tenure : null)), flags: indicators.map((_, k): Flag => (k === at ? flag(tenure) : 'no-data')), details: indicators.map(() => ({})),
      };
    });
    const trainingSet = { indicators, leadDays: 90, rows, skipped: { notActiveAtAsOf: 0, asOfNotBeforeCutoff: 0 } } as unknown as TrainingSet;
    await trainModel(db, { config, configVersion: 'segments', asOf: '2025-12-31', promote: true, trainingSet });
    // Two accounts 600 days into their contract on 2026-01-05, renewing within the horizon: one s&m, one enterprise.
    const small = await addAccount(db, { externalId: 'score-sm', segment: 's&m', renewalDate: '2026-03-01' });
    const large = await addAccount(db, { externalId: 'score-ent', segment: 'enterprise', renewalDate: '2026-03-01' });
    await db.updateTable('accounts').set({ contract_start: '2024-05-15' }).where('account_id', 'in', [small, large]).execute(); // 2024-05-15 + 600 days = 2026-01-05
    const result = await scoreAccounts(db, { config, asOf: '2026-01-05', accountIds: [small, large] });
    const byAccount = new Map(result.scores.map((score) => [score.accountId, score]));
    const expected = segmentedScores();
    expect(byAccount.get(small)).toMatchObject({ tier: 'critical', drivers: [{ indicator: 'tenure', sentence: 'Customer for 1.6 years (s&m thresholds)' }] });
    expect(byAccount.get(large)).toMatchObject({ tier: 'high', drivers: [{ indicator: 'tenure', sentence: 'Customer for 1.6 years' }] });
    expect(byAccount.get(small)!.probability).toBeCloseTo(expected.probability, 6);
    expect(result.warnings).toEqual([]);
    // A segment no account has: scoring goes on and warns, naming the key.
    const ghost = parseConfig({ ...SEGMENTED, model: { ...SEGMENTED.model, tiers: { ...SEGMENTED.model.tiers, segments: { ghost: { medium: 0.1, high: 0.2, critical: 0.3 } } } } }).config;
    const warned = await scoreAccounts(db, { config: ghost, asOf: '2026-01-05', accountIds: [small, large] });
    expect(warned.warnings).toContain('model.tiers.segments.ghost: no account has segment "ghost" (segments in the data: enterprise, s&m)');
    expect(warned.scores.find((score) => score.accountId === small)!.tier).toBe('high');
  });

  it('radar config check --data rejects a segment no account has, naming the key', async () => {
    const run = async (yaml: string) => {
      const file = join(dir, `radar-${Math.random().toString(36).slice(2)}.yaml`);
      writeFileSync(file, yaml);
      let printed = '';
      const program = new Command('radar').exitOverride();
      const stdout = { write: (text: string) => ((printed += text), true) } as never;
      const cli = createContext({ environment: { CI: false } as never, logger: silentLogger, configPath: () => file, json: () => false, stdout });
      registerCoreCommands(program, { ...cli, database: () => Promise.resolve(context().db), close: () => Promise.resolve() });
      await program.parseAsync(['node', 'radar', 'config', 'check', '--data']);
      return printed;
    };
    // The accounts above are of segments s&m and enterprise.
    expect(await run("model:\n  tiers:\n    segments:\n      's&m': { medium: 0.05, high: 0.1, critical: 0.2 }\n")).toContain(': ok');
    await expect(run('indicators:\n  tenure:\n    segments:\n      smb: { warning: 700, critical: 500 }\n')).rejects.toThrow(
      /indicators\.tenure\.segments\.smb: no account has segment "smb" \(segments in the data: enterprise, s&m\)/,
    );
    await expect(run('indicators:\n  tenure:\n    segments:\n      smb: { warning: 700, critical: 500 }\n')).rejects.toMatchObject({ code: 'config_invalid' });
  });
});
