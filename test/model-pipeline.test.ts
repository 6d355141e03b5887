// The model on the sample company, both backends: held-out quality against the rule scorecard,
// calibration, the registry (promote switches the model used), idempotent scoring, missing data named,
// and no leakage (facts dated after a row's as-of day change nothing).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import type { Kysely } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../config/load.ts';
import { addDays, computeIndicatorsInScope, configuredIndicators, handedDetail, readDetailsForScoring, readValuesForScoring } from '../indicators/compute.ts';
import { registerModelCommands } from '../pipelines/cli/commands/models.ts';
import { trainModel } from '../models/registry.ts';
import { scoreAccounts } from '../models/score.ts';
import { buildTrainingSet, type TrainingSet } from '../models/training-set.ts';
import { createContext } from '../pipelines/cli/context.ts';
import { ingestDirectory } from '../pipelines/ingest/run.ts';
import { silentLogger } from '../pipelines/log.ts';
import { writeSampleCompany } from '../pipelines/sample/generate.ts';
import { readRiskScores } from '../sql/models.ts';
import type { DB } from '../sql/schema.ts';
import { describeEachBackend } from './support/database.ts';

const dir = mkdtempSync(join(tmpdir(), 'radar-model-'));
const { config } = parseConfig({});
const END = '2026-06-30';
const SCORE_DAY = '2026-03-01';

beforeAll(async () => {
  await writeSampleCompany({ accounts: 600, years: 2, seed: 7, end: END, outDir: dir });
  // The built-in model reads no raw events or NPS answers; loading them would only double each
  // backend's ingest time (test/events-*.test.ts and test/custom-indicators*.test.ts cover them).
  for (const file of ['events.ndjson.gz', 'nps_responses.csv']) rmSync(join(dir, file), { force: true });
});

/** Facts dated after `after` for one account: usage wiped, an urgent unhappy ticket, a large unpaid invoice, a payment, a churn decision. */
async function addLaterFacts(db: Kysely<DB>, accountId: number, after: string, tag: string): Promise<void> {
  const next = addDays(after, 1);
  await db.updateTable('usage_daily').set({ active_users: 0, events: 0, sessions: 0, minutes: 0 }).where('account_id', '=', accountId).where('day', '>', after).execute();
  await db.insertInto('usage_daily').values({ account_id: accountId, day: next, active_users: 0, events: 0 }).onConflict((c) => c.columns(['account_id', 'day']).doNothing()).execute();
  await db
    .insertInto('support_contacts')
    .values({ external_id: `LATE-${tag}-${accountId}`, account_id: accountId, opened_at: `${next}T09:00:00Z`, closed_at: `${next}T10:00:00Z`, priority: 'urgent', satisfaction: 1 })
    .execute();
  await db
    .insertInto('invoices')
    .values({ external_id: `LATE-${tag}-${accountId}`, account_id: accountId, issued_on: next, due_on: addDays(next, 1), amount_cents: 99_000_000, status: 'open', failed_attempts: 9 })
    .execute();
  // An invoice still unpaid at `after` gets paid the day after: as of `after` it must still count as unpaid.
  await db.updateTable('invoices').set({ paid_at: `${next}T12:00:00Z`, status: 'paid' }).where('account_id', '=', accountId).where('issued_on', '<=', after).where('paid_at', 'is', null).where('status', '<>', 'void').execute();
  const last = await db.selectFrom('renewals').select((eb) => eb.fn.max('renewal_date').as('last')).where('account_id', '=', accountId).executeTakeFirst();
  const renewalDate = addDays(last?.last ?? next, 400);
  // A later renewal decision records the contract ARR that was in force (here: the account's ARR). The
  // indicators read ARR as of D from the next renewal's arr_before when nothing was decided by D, so a
  // renewal row whose arr_before contradicts the contract would be a data error, not a later fact.
  const account = await db.selectFrom('accounts').select('arr_cents').where('account_id', '=', accountId).executeTakeFirstOrThrow();
  await db
    .insertInto('renewals')
    .values({ account_id: accountId, renewal_date: renewalDate, outcome: 'churned', arr_before_cents: account.arr_cents, arr_after_cents: 0, decided_at: `${addDays(renewalDate, -10)}T12:00:00Z` })
    .execute();
}

describeEachBackend('model on the sample company', (context) => {
  let set: TrainingSet;

  beforeAll(async () => {
    await ingestDirectory(context().db, dir, { logger: silentLogger });
    set = await buildTrainingSet(context().db, { config });
  });

  it('builds one row per decided renewal as of renewal − leadDays', () => {
    expect(set.rows.length).toBeGreaterThan(600);
    for (const row of set.rows) expect(addDays(row.asOf, config.leadDays)).toBe(row.renewalDate);
    const churnRate = set.rows.reduce((sum, row) => sum + row.label, 0) / set.rows.length;
    expect(churnRate).toBeGreaterThan(0.05);
    expect(churnRate).toBeLessThan(0.4);
  });

  it('beats the rule scorecard on held-out accounts and is calibrated', async () => {
    // 5 bins, not 10: ~770 held-out predictions give deciles of 77 rows, whose observed rate has a
    // sampling error (±0.045 at 17% churn) as large as the tolerance itself; quintiles have ~154 rows.
    const { stored } = await trainModel(context().db, { config, configVersion: 'test-a', asOf: END, trainingSet: set, calibrationBins: 5 });
    const { model, scorecard } = stored.metrics;
    expect(model.rocAuc!).toBeGreaterThanOrEqual(0.75);
    expect(model.rocAuc!).toBeGreaterThan(scorecard.rocAuc!);
    expect(model.brier!).toBeLessThan(scorecard.brier!);
    expect(model.calibration).toHaveLength(5);
    for (const bin of model.calibration!) expect(Math.abs(bin.meanPredicted - bin.observedRate)).toBeLessThanOrEqual(0.05);
    expect(stored.metrics.model.tiers.map((tier) => tier.tier)).toEqual(['medium', 'high', 'critical']);
  });

  it('scores with the newest model until one is promoted, then with the promoted one', async () => {
    const { db } = context();
    const other = parseConfig({ model: { l2: 1 } });
    const b = (await trainModel(db, { config: other.config, configVersion: other.version, asOf: END, trainingSet: set })).stored;
    const unpromoted = await scoreAccounts(db, { config, asOf: SCORE_DAY });
    expect(unpromoted.modelVersion).toBe(b.version);
    expect(unpromoted.warnings.join()).toMatch(/no model is promoted/);

    const versions = (await db.selectFrom('models').select('version').execute()).map((row) => row.version);
    const a = versions.find((version) => version !== b.version)!;
    for (const version of [a, b.version, a]) {
      await runCli(['model', 'promote', version]);
      const result = await scoreAccounts(db, { config, asOf: SCORE_DAY });
      expect(result).toMatchObject({ modelVersion: version, promoted: true, warnings: [] });
      const promoted = await db.selectFrom('models').select('version').where('is_promoted', '=', true).execute();
      expect(promoted.map((row) => row.version)).toEqual([version]);
    }
  });

  it('scores idempotently, with drivers that raise the risk, in words', async () => {
    const { db } = context();
    const first = await scoreAccounts(db, { config, asOf: SCORE_DAY });
    const before = await readRiskScores(db, SCORE_DAY, first.modelVersion);
    const second = await scoreAccounts(db, { config, asOf: SCORE_DAY });
    expect(second.written).toBe(0);
    expect(await readRiskScores(db, SCORE_DAY, first.modelVersion)).toEqual(before);
    expect(before.length).toBe(first.accounts);
    expect(first.accounts).toBeGreaterThan(50);
    for (const score of first.scores) {
      expect(score.drivers.length).toBeLessThanOrEqual(3);
      for (const driver of score.drivers) {
        expect(driver.contribution).toBeGreaterThan(0);
        expect(driver.sentence.length).toBeGreaterThan(10);
      }
    }
    expect(first.tiers.critical + first.tiers.high).toBeGreaterThan(0);
  });

  it('scores from the stored values (details read for the drivers only) exactly as from evaluating them', async () => {
    const { db } = context();
    const evaluated = await scoreAccounts(db, { config, asOf: SCORE_DAY });
    // What the stored scores hold (written from one JSON document) is what scoring returned, bit for bit.
    const written = await readRiskScores(db, SCORE_DAY, evaluated.modelVersion);
    expect(written.map(({ accountId, probability, tier, drivers, missingIndicators, scorecardProbability }) => ({ accountId, probability, tier, drivers, missingIndicators, scorecardProbability })).sort((a, b) => a.accountId - b.accountId)).toEqual(
      evaluated.scores.map(({ accountId, probability, tier, drivers, missingIndicators, scorecardProbability }) => ({ accountId, probability, tier, drivers, missingIndicators, scorecardProbability })),
    );
    // The indicator step names the accounts it computed: the in-scope ones scoring would find, ascending.
    const { result, accountIds } = await computeIndicatorsInScope(db, { asOf: SCORE_DAY, config, scope: 'renewing', horizonDays: config.horizonDays });
    expect(accountIds).toEqual(evaluated.scores.map((score) => score.accountId));
    expect(result.accounts).toBe(accountIds.length);
    // Two accounts without stored values are evaluated on the way and merged in account order.
    const unstored = evaluated.scores.filter((score) => score.drivers.length > 0).slice(0, 2).map((score) => score.accountId);
    await db.deleteFrom('indicator_values').where('as_of', '=', SCORE_DAY).where('account_id', 'in', unstored).execute();
    const stored = await scoreAccounts(db, { config, asOf: SCORE_DAY, indicatorSource: 'stored' });
    expect(stored.scores).toEqual(evaluated.scores);
    expect(stored.written).toBe(0);
    // Handed the indicator step's accounts (the daily run), scoring skips its scope query and scores the same.
    const handed = await scoreAccounts(db, { config, asOf: SCORE_DAY, indicatorSource: 'stored', scopedAccountIds: accountIds });
    expect(handed.scores).toEqual(evaluated.scores);
    expect(handed.written).toBe(0);
    // Handed the values the indicator write has just stored (the daily run), scoring reads none back: they are
    // the stored ones exactly, on a fresh write (rows deleted first) and on a re-run that rewrites nothing.
    const ids = configuredIndicators(config).map((item) => item.definition.id);
    for (const fresh of [true, false]) {
      if (fresh) await db.deleteFrom('indicator_values').where('as_of', '=', SCORE_DAY).execute();
      const written = await computeIndicatorsInScope(db, { asOf: SCORE_DAY, config, scope: 'renewing', horizonDays: config.horizonDays, scoringValues: true });
      expect(written.result.written).toBe(fresh ? accountIds.length * ids.length : 0);
      expect(written.scoring?.indicators).toEqual(ids);
      const handedRows = written.scoring?.rows ?? [];
      expect(handedRows.map(({ accountId, values, flags }) => ({ accountId, values, flags }))).toEqual(await readValuesForScoring(db, SCORE_DAY, accountIds, ids));
      // Every handed detail, unpacked, is the stored one (scoring unpacks only its drivers').
      const pairs = accountIds.flatMap((accountId) => ids.map((indicator) => ({ accountId, indicator })));
      const storedDetails = await readDetailsForScoring(db, SCORE_DAY, pairs);
      expect(new Map(handedRows.flatMap((row) => ids.map((indicator, i) => [`${row.accountId}:${indicator}`, handedDetail(indicator, row.packedDetails[i])] as const)))).toEqual(storedDetails);
      const fromHandoff = await scoreAccounts(db, { config, asOf: SCORE_DAY, indicatorSource: 'stored', scopedAccountIds: accountIds, storedValues: written.scoring });
      expect(fromHandoff.scores).toEqual(evaluated.scores);
      expect(fromHandoff.written).toBe(0);
    }
    // The handed values and details are what scoring uses (not a silent re-read): with the day's stored rows
    // gone, the scores and their sentences are still those of the evaluated indicators …
    const again = await computeIndicatorsInScope(db, { asOf: SCORE_DAY, config, scope: 'renewing', horizonDays: config.horizonDays, scoringValues: true });
    await db.deleteFrom('indicator_values').where('as_of', '=', SCORE_DAY).execute();
    const unread = await scoreAccounts(db, { config, asOf: SCORE_DAY, indicatorSource: 'stored', scopedAccountIds: accountIds, storedValues: again.scoring });
    expect(unread.scores).toEqual(evaluated.scores);
    await computeIndicatorsInScope(db, { asOf: SCORE_DAY, config, scope: 'renewing', horizonDays: config.horizonDays });
    // … and changing one account's handed values moves its score …
    const target = evaluated.scores.find((score) => score.drivers.length > 0)!;
    const altered = { ...again.scoring!, rows: again.scoring!.rows.map((row) => (row.accountId === target.accountId ? { ...row, values: row.values.map(() => null), flags: row.flags.map(() => 'no-data' as const) } : row)) };
    const moved = await scoreAccounts(db, { config, asOf: SCORE_DAY, indicatorSource: 'stored', scopedAccountIds: accountIds, storedValues: altered });
    expect(moved.scores.find((score) => score.accountId === target.accountId)?.missingIndicators.length).toBeGreaterThan(target.missingIndicators.length);
    // … and values of another day or another indicator list are ignored: the stored ones are read instead.
    for (const stale of [{ ...altered, asOf: addDays(SCORE_DAY, -1) }, { ...altered, indicators: [...altered.indicators].reverse() }]) {
      const ignored = await scoreAccounts(db, { config, asOf: SCORE_DAY, indicatorSource: 'stored', scopedAccountIds: accountIds, storedValues: stale });
      expect(ignored.scores).toEqual(evaluated.scores);
    }
    await scoreAccounts(db, { config, asOf: SCORE_DAY, indicatorSource: 'stored' });
    // Sentences that read a detail (seats, windows, invoice counts) are among the drivers compared.
    expect(stored.scores.flatMap((score) => score.drivers).some((driver) => /licensed seats|last \d+ days|invoice/.test(driver.sentence))).toBe(true);
  });

  it('radar score lists the riskiest accounts by name and external id, never by internal id', async () => {
    const { db } = context();
    const printed = await runCli(['score', '--as-of', SCORE_DAY], { human: true });
    const { scores } = await scoreAccounts(db, { config, asOf: SCORE_DAY });
    const riskiest = scores.slice().sort((a, b) => b.probability - a.probability).slice(0, 10);
    const accounts = await db.selectFrom('accounts').select(['account_id', 'name', 'external_id']).where('account_id', 'in', riskiest.map((score) => score.accountId)).execute();
    const label = (accountId: number) => {
      const account = accounts.find((row) => row.account_id === accountId)!;
      return `${account.name} (${account.external_id})`;
    };
    const listed = printed.split('\n').slice(2, 12);
    // Each line starts with the account's name and external id (a failing line is shown as it is).
    expect(listed.map((line, index) => (line.startsWith(`  ${label(riskiest[index]!.accountId)}  `) ? 'named' : line))).toEqual(riskiest.map(() => 'named'));
    expect(listed[0]).toContain(`${(riskiest[0]!.probability * 100).toFixed(1)}%`);
    expect(printed).not.toMatch(/\baccount \d+/);
  });

  it('scores an account without any data and names what is missing', async () => {
    const { db } = context();
    const { account_id } = await db
      .insertInto('accounts')
      .values({ external_id: 'EMPTY-1', name: 'Empty Ltd', arr_cents: 1_200_000, contract_start: '2024-01-15', renewal_date: addDays(SCORE_DAY, 30) })
      .returning('account_id')
      .executeTakeFirstOrThrow();
    const result = await scoreAccounts(db, { config, asOf: SCORE_DAY, accountIds: [account_id] });
    expect(result.accounts).toBe(1);
    const score = result.scores[0]!;
    expect(score.probability).toBeGreaterThan(0);
    // paymentDelay is not a feature: the default model keeps paymentDelayAverage, its near-duplicate (model.maxFeatureCorrelation).
    expect(score.missingIndicators).toEqual(expect.arrayContaining(['usageDecline', 'seatUtilisation', 'paymentDelayAverage', 'overdueAmount']));
    // Covered since its contract start without a usage row: no activity (0 active days), not missing data.
    expect(score.missingIndicators).not.toContain('activeDays');
    const stored = await readRiskScores(db, SCORE_DAY, result.modelVersion);
    expect(stored.find((row) => row.accountId === account_id)?.missingIndicators).toEqual(score.missingIndicators);
  });

  it('does not leak: facts dated after the as-of day change no training row and no score', async () => {
    const { db } = context();
    const { stored } = await trainModel(db, { config, configVersion: 'test-a', asOf: END, trainingSet: set });
    const scored = await scoreAccounts(db, { config, asOf: SCORE_DAY, modelVersion: stored.version });
    // Every training row of an account is as of its last as-of day or earlier: add facts after that day.
    const lastAsOf = new Map<number, string>();
    for (const row of set.rows) if ((lastAsOf.get(row.accountId) ?? '') < row.asOf) lastAsOf.set(row.accountId, row.asOf);
    const scoredIds = new Set(scored.scores.map((score) => score.accountId));
    // Accounts not scored on SCORE_DAY get facts after their last training row's as-of day…
    const sample = [...lastAsOf].filter(([accountId]) => !scoredIds.has(accountId)).filter((_, index) => index % 6 === 0);
    for (const [accountId, asOf] of sample) await addLaterFacts(db, accountId, asOf, 'train');
    // …scored accounts whose upcoming renewal is decided in the data (and no training row is as of a later day) get facts after SCORE_DAY.
    const horizonEnd = addDays(SCORE_DAY, config.horizonDays);
    const renewingSoon = new Set(set.rows.filter((row) => row.renewalDate > SCORE_DAY && row.renewalDate <= horizonEnd).map((row) => row.accountId));
    const scoreSample = [...scoredIds].filter((id) => renewingSoon.has(id) && (lastAsOf.get(id) ?? '') <= SCORE_DAY).slice(0, 40);
    expect(sample.length).toBeGreaterThan(20);
    expect(scoreSample.length).toBeGreaterThan(20);
    for (const accountId of scoreSample) await addLaterFacts(db, accountId, SCORE_DAY, 'score');

    const rebuilt = await buildTrainingSet(db, { config });
    const byRenewal = new Map(rebuilt.rows.map((row) => [row.renewalId, row]));
    for (const row of set.rows) {
      const again = byRenewal.get(row.renewalId);
      const named = (r: typeof row | undefined) => Object.fromEntries(set.indicators.map((id, j) => [id, [r?.values[j], r?.flags[j]]]));
      expect({ renewal: row.renewalId, asOf: row.asOf, indicators: named(again) }).toEqual({ renewal: row.renewalId, asOf: row.asOf, indicators: named(row) });
    }
    // The later facts are there and are seen later on (the test would be vacuous otherwise): each added renewal is a new row.
    // (an added renewal of an account that had already churned yields no row: it is not active then.)
    const newlyInactive = rebuilt.skipped.notActiveAtAsOf - set.skipped.notActiveAtAsOf;
    expect(rebuilt.rows.length).toBeGreaterThan(set.rows.length);
    expect(rebuilt.rows.length + newlyInactive).toBe(set.rows.length + sample.length + scoreSample.length);

    const rescored = await scoreAccounts(db, { config, asOf: SCORE_DAY, modelVersion: scored.modelVersion });
    // Every account scored before keeps its exact score. (An added renewal row dated inside the horizon can
    // bring an account with no scheduled renewal into scope: the indicators' scope reads the renewal schedule
    // from renewals rows whatever their decided_at; such accounts are new rows, never changed ones.)
    const before = new Set(scored.scores.map((score) => score.accountId));
    expect(rescored.written).toBe(rescored.scores.filter((score) => !before.has(score.accountId)).length);
    expect(rescored.scores.filter((score) => before.has(score.accountId)).map((score) => [score.accountId, score.probability, score.drivers])).toEqual(
      scored.scores.map((score) => [score.accountId, score.probability, score.drivers]),
    );
  });

  /** Runs model commands on this test's database; returns what they printed (JSON unless `human`). */
  async function runCli(args: string[], options: { human?: boolean } = {}): Promise<string> {
    let printed = '';
    const program = new Command('radar').option('--json').exitOverride();
    const stdout = { write: (text: string) => ((printed += text), true) } as never;
    const cli = createContext({ environment: { CI: false } as never, logger: silentLogger, configPath: () => undefined, json: () => !options.human, stdout });
    // The CLI's own database would be a different one: hand it this test's.
    const bound = { ...cli, database: () => Promise.resolve(context().db), close: () => Promise.resolve() };
    registerModelCommands(program, bound);
    await program.parseAsync(['node', 'radar', ...args]);
    return printed;
  }
});
