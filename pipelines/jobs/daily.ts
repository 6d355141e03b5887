// The daily run for one as-of day: ingest every source → indicators (accounts renewing within the
// horizon) → score → alerts → escalations. Each step is idempotent for the day, so a retried or
// repeated run changes nothing that already happened: file sources skip files already loaded (HTTP
// sources resume from their watermark), indicator values and risk scores are upserts, alerts and
// escalations are unique by dedup key, and delivery re-checks Slack before re-posting.
//
// One function, run by `radar run` in-process and by the BullMQ `daily` job alike.
import { runEscalation } from '../../alerts/escalate.ts';
import { undeliveredError } from '../../alerts/deliver.ts';
import { runAlerts } from '../../alerts/run.ts';
import { computeIndicators, parseDay } from '../../indicators/compute.ts';
import { scoreAccounts } from '../../models/score.ts';
import { makeUpcomingForecasts } from '../forecast/run.ts';
import { ingestSource, orderSources } from '../ingest/run.ts';
import type { DailyStep, JobDeps } from './deps.ts';

export interface IngestStepResult {
  readonly sources: number;
  readonly rowsRead: number;
  readonly inserted: number;
  readonly updated: number;
  readonly rejected: number;
  /** Sources that failed; the run goes on with the data already loaded (see `radar ingest status`). */
  readonly failed: ReadonlyArray<{ readonly source: string; readonly error: string }>;
}

export interface DailyStepResults {
  readonly ingest: IngestStepResult;
  readonly indicators: { readonly accounts: number; readonly written: number; readonly warning: number; readonly critical: number };
  readonly score: { readonly modelVersion: string; readonly accounts: number; readonly written: number; readonly tiers: Readonly<Record<string, number>>; readonly warnings: readonly string[] };
  readonly alerts: { readonly scored: number; readonly alerts: number; readonly queued: number; readonly holdout: number; readonly riskReduced: number; readonly sent: number; readonly dryRun: number; readonly failed: number; readonly deferred: number };
  readonly escalations: { readonly escalated: number; readonly sent: number; readonly dryRun: number; readonly failed: number; readonly deferred: number };
  /** Forecasts stored as of the day (the next quarter, the next three months); a re-run stores none. */
  readonly forecast: { readonly made: number; readonly periods: readonly string[] };
}

export interface StepRecord<S extends DailyStep = DailyStep> {
  readonly step: S;
  readonly ms: number;
  readonly result: DailyStepResults[S];
}

export interface DailyResult {
  readonly asOf: string;
  readonly ms: number;
  readonly steps: StepRecord[];
}

async function ingestAll(deps: JobDeps): Promise<IngestStepResult> {
  const { db, loaded, logger } = deps;
  const failed: { source: string; error: string }[] = [];
  const totals = { sources: 0, rowsRead: 0, inserted: 0, updated: 0, rejected: 0 };
  for (const named of orderSources(loaded.config.sources)) {
    totals.sources += 1;
    try {
      const summary = await ingestSource(db, named, { logger, baseDir: loaded.baseDir, subscriptions: loaded.config.subscriptions });
      totals.rowsRead += summary.read;
      totals.inserted += summary.inserted;
      totals.updated += summary.updated;
      totals.rejected += summary.rejected;
      if (summary.status === 'failed') failed.push({ source: named.name, error: summary.error ?? 'failed' });
    } catch (error) {
      // One unreachable API must not stop every alert: the run goes on with what is loaded, the
      // failure is in the result, the log and ingestion_runs (`radar status`, `radar ingest status`).
      failed.push({ source: named.name, error: (error as Error).message });
      logger.error({ event: 'daily_ingest_source_failed', source: named.name, err: error });
    }
  }
  return { ...totals, failed };
}

const stepRunners: { readonly [S in DailyStep]: (deps: JobDeps, asOf: string) => Promise<DailyStepResults[S]> } = {
  ingest: (deps) => ingestAll(deps),
  indicators: async (deps, asOf) => {
    const { config } = deps.loaded;
    const result = await computeIndicators(deps.db, { asOf, config, scope: 'renewing', horizonDays: config.horizonDays });
    return { accounts: result.accounts, written: result.written, warning: result.flags.warning, critical: result.flags.critical };
  },
  score: async (deps, asOf) => {
    const result = await scoreAccounts(deps.db, { config: deps.loaded.config, asOf });
    for (const warning of result.warnings) deps.logger.warn({ event: 'score_warning', asOf, warning });
    return { modelVersion: result.modelVersion, accounts: result.accounts, written: result.written, tiers: result.tiers, warnings: result.warnings };
  },
  alerts: async (deps, asOf) => {
    const summary = await runAlerts(deps.db, { ...alertOptions(deps), asOf });
    const { delivery } = summary;
    return { scored: summary.scored, alerts: summary.alerts, queued: summary.queued, holdout: summary.holdout, riskReduced: summary.riskReduced, sent: delivery.sent + delivery.recovered, dryRun: delivery.dryRun, failed: delivery.failed, deferred: delivery.deferred };
  },
  escalations: async (deps, asOf) => {
    const result = await runEscalation(deps.db, { ...alertOptions(deps), asOf });
    return { escalated: result.escalated, sent: result.delivery.sent + result.delivery.recovered, dryRun: result.delivery.dryRun, failed: result.delivery.failed, deferred: result.delivery.deferred };
  },
  // Last: a forecast is kept as made, so it is made from the day's scores (see docs/forecast.md).
  forecast: async (deps, asOf) => {
    const made = await makeUpcomingForecasts(deps.db, { asOf, config: deps.loaded.config, configHash: deps.loaded.version });
    return { made: made.filter((m) => m.created).length, periods: made.map((m) => m.period) };
  },
};

export function alertOptions(deps: JobDeps) {
  return {
    config: deps.loaded.config,
    configVersion: deps.loaded.version,
    baseDir: deps.loaded.baseDir,
    slack: deps.slack,
    outboxDir: deps.outboxDir,
    print: deps.print,
    logger: deps.logger,
    now: deps.now,
    ...(deps.hooks?.delivery ? { hooks: deps.hooks.delivery } : {}),
  };
}

/** Runs one named step (the escalations job runs the last step alone). */
export async function runStep<S extends DailyStep>(deps: JobDeps, step: S, asOf: string): Promise<StepRecord<S>> {
  await deps.hooks?.beforeStep?.(step, asOf);
  const started = performance.now();
  const result = await stepRunners[step](deps, asOf);
  const ms = Math.round(performance.now() - started);
  deps.logger.info({ event: 'daily_step_done', step, asOf, ms, result });
  return { step, ms, result };
}

/**
 * A daily run whose alerts or escalations did not all reach Slack: the error that fails `radar run`
 * (exit 1) and the daily job (final when some failed for good, retried when the rest was only deferred).
 */
export function dailyDeliveryError(result: DailyResult): Error | undefined {
  const totals = { failed: 0, deferred: 0 };
  for (const record of result.steps) {
    if (record.step !== 'alerts' && record.step !== 'escalations') continue;
    const counts = record.result as DailyStepResults['alerts' | 'escalations'];
    totals.failed += counts.failed;
    totals.deferred += counts.deferred;
  }
  return undeliveredError(`daily run as of ${result.asOf}`, totals);
}

export async function runDaily(deps: JobDeps, asOfText: string, options: { onStep?: (record: StepRecord) => void } = {}): Promise<DailyResult> {
  const asOf = parseDay(asOfText, 'as-of date');
  const started = performance.now();
  const steps: StepRecord[] = [];
  for (const step of ['ingest', 'indicators', 'score', 'alerts', 'escalations', 'forecast'] as const) {
    const record = await runStep(deps, step, asOf);
    steps.push(record);
    options.onStep?.(record);
  }
  const ms = Math.round(performance.now() - started);
  deps.logger.info({ event: 'daily_done', asOf, ms });
  return { asOf, ms, steps };
}
