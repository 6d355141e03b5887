// `radar backtest`: replay the model week by week. At each step D: train only on renewals decided before
// D (filtering one precomputed training set; warm start from the previous step's model), score the
// accounts renewing in (D, D + horizon] with the indicators as of D, and later compare with what
// happened. Several configs run side by side; work shared between them (the training set, the step
// indicators) is computed once when their indicator settings agree.
import type { Kysely } from 'kysely';
import type { RadarConfig } from '../config/schema.ts';
import { addDays, configuredIndicators, dayRange, evaluateIndicators } from '../indicators/compute.ts';
import { listAccountOwners, listDecidedRenewals } from '../sql/models.ts';
import type { DB } from '../sql/schema.ts';
import { aggregate, episodeKey, summarise, type BacktestRun, type EpisodeOutcome, type StepScore } from './backtest-report.ts';
import { indicatorRows, type AccountIndicators } from './features.ts';
import { fitRadarModel, predictRows, scorecardRows, type RadarModel } from './radar-model.ts';
import { buildTrainingSet, isChurn, rowsKnownBefore, type TrainingSet } from './training-set.ts';

export interface BacktestConfig {
  readonly label: string;
  readonly config: RadarConfig;
  readonly configVersion: string;
}

export interface BacktestOptions {
  readonly from: string;
  readonly to: string;
  readonly stepDays: number;
  readonly configs: readonly BacktestConfig[];
  /** Fewer decided training rows than this at a step: no model there (default 50). */
  readonly minTrainingRows?: number;
  readonly concurrency?: number;
  readonly onProgress?: (event: { phase: 'training-set' | 'steps'; label: string; done: number; total: number }) => void;
}

export interface BacktestTimings {
  readonly trainingSetSeconds: number;
  readonly indicatorSeconds: number;
  readonly fitSeconds: number;
  readonly perStepSeconds: number;
  readonly totalSeconds: number;
}

export interface BacktestResult {
  readonly from: string;
  readonly to: string;
  readonly stepDays: number;
  readonly steps: readonly string[];
  readonly runs: BacktestRun[];
  readonly timings: BacktestTimings;
}

const indicatorKey = (config: RadarConfig) => JSON.stringify({ indicators: config.indicators, leadDays: config.leadDays });
const stepKey = (config: RadarConfig, asOf: string) => JSON.stringify({ indicators: config.indicators, horizonDays: config.horizonDays, asOf });

export async function runBacktest(db: Kysely<DB>, options: BacktestOptions): Promise<BacktestResult> {
  const started = performance.now();
  const steps = dayRange(options.from, options.to, options.stepDays);
  const minRows = options.minTrainingRows ?? 50;
  const renewals = await listDecidedRenewals(db);
  const owners = new Map((await listAccountOwners(db)).map((owner) => [owner.accountId, owner.csmEmail]));
  const trainingSets = new Map<string, Promise<TrainingSet>>();
  const stepRows = new Map<string, Promise<AccountIndicators[]>>();
  let trainingSetSeconds = 0;
  let indicatorSeconds = 0;
  let fitSeconds = 0;
  const runs: BacktestRun[] = [];

  for (const { label, config, configVersion } of options.configs) {
    const indicators = configuredIndicators(config).map((item) => item.definition.id);
    const key = indicatorKey(config);
    if (!trainingSets.has(key)) {
      const t0 = performance.now();
      const building = buildTrainingSet(db, {
        config,
        concurrency: options.concurrency,
        onProgress: (done, total) => options.onProgress?.({ phase: 'training-set', label, done, total }),
      });
      trainingSets.set(key, building);
      await building;
      trainingSetSeconds += (performance.now() - t0) / 1000;
    }
    const set = await trainingSets.get(key)!;
    // Labels follow this config (downgradeCountsAsChurn may differ between configs sharing a set).
    const allRows = set.rows.map((row) => ({ ...row, label: isChurn(row.outcome, config.model.downgradeCountsAsChurn) }));
    const outcomes = new Map<string, EpisodeOutcome>(
      renewals.map((renewal) => [episodeKey(renewal.accountId, renewal.renewalDate), { churned: isChurn(renewal.outcome, config.model.downgradeCountsAsChurn) === 1, arrCents: renewal.arrBeforeCents }]),
    );

    // Indicators of every step, evaluated `concurrency` at a time (shared across configs with the same settings).
    const t1 = performance.now();
    const pending = steps.filter((asOf) => !stepRows.has(stepKey(config, asOf)));
    let next = 0;
    let done = 0;
    const worker = async () => {
      while (next < pending.length) {
        const asOf = pending[next++]!;
        const evaluation = evaluateIndicators(db, { asOf, config, scope: 'renewing', horizonDays: config.horizonDays }).then((values) => indicatorRows(values, indicators));
        stepRows.set(stepKey(config, asOf), evaluation);
        await evaluation;
        options.onProgress?.({ phase: 'steps', label, done: ++done, total: pending.length });
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 2, pending.length)) }, worker));
    indicatorSeconds += (performance.now() - t1) / 1000;

    const t2 = performance.now();
    const modelScores: StepScore[] = [];
    const scorecardScores: StepScore[] = [];
    const skippedSteps: string[] = [];
    let previous: RadarModel | undefined;
    const daysToRenewal = indicators.indexOf('daysToRenewal');
    for (const asOf of steps) {
      const training = rowsKnownBefore(allRows, asOf);
      const positives = training.reduce((sum, row) => sum + row.label, 0);
      if (training.length < minRows || positives === 0 || positives === training.length) {
        skippedSteps.push(asOf);
        continue;
      }
      const model = fitRadarModel(training, set.indicators, config, { initial: previous });
      previous = model;
      const rows = (await stepRows.get(stepKey(config, asOf))!).filter((row) => row.values[daysToRenewal] !== null && row.values[daysToRenewal] !== undefined);
      const p = predictRows(model, rows, indicators);
      const s = scorecardRows(model, rows, indicators);
      rows.forEach((row, i) => {
        const renewalDate = addDays(asOf, row.values[daysToRenewal]!);
        modelScores.push({ asOf, accountId: row.accountId, renewalDate, probability: p[i]! });
        scorecardScores.push({ asOf, accountId: row.accountId, renewalDate, probability: s[i]! });
      });
    }
    fitSeconds += (performance.now() - t2) / 1000;
    const base = { outcomes, owners, tiers: config.model.tiers, steps: steps.length, stepDays: options.stepDays };
    runs.push({
      label,
      configVersion,
      summary: summarise({ ...base, scores: modelScores }),
      skippedSteps,
      model: aggregate({ ...base, scores: modelScores }),
      scorecard: aggregate({ ...base, scores: scorecardScores }),
    });
  }
  const totalSeconds = (performance.now() - started) / 1000;
  return {
    from: options.from,
    to: options.to,
    stepDays: options.stepDays,
    steps,
    runs,
    timings: { trainingSetSeconds, indicatorSeconds, fitSeconds, perStepSeconds: totalSeconds / Math.max(1, steps.length * options.configs.length), totalSeconds },
  };
}
