// The daily run for one as-of day: ingest every source (after making the month partitions ready) →
// indicators (accounts renewing within the horizon) → score → outcomes → alerts → escalations →
// renewal calendar → forecast → webhooks. Each step is idempotent for the day, so a retried or
// repeated run changes nothing that already happened: file sources skip files already loaded (HTTP
// sources resume from their watermark), indicator values and risk scores are upserts, alerts,
// escalations and renewal milestones are unique by key, and delivery re-checks Slack before re-posting.
//
// One function, run by `radar run` in-process and by the BullMQ `daily` job alike. With `jobs.shards`
// > 1, indicators and scoring run per account shard (runShard): in-process one shard after another,
// on BullMQ as child jobs of the day's job (flow.ts), then alerts, escalations, the calendar
// and the forecast once for the day (STEPS_AFTER_SHARDS).
import { runCalendar } from '../../alerts/calendar.ts';
import { addDays } from '../../alerts/dates.ts';
import { runEscalation } from '../../alerts/escalate.ts';
import { undeliveredError } from '../../alerts/deliver.ts';
import { runAlerts } from '../../alerts/run.ts';
import { deliverWebhooks } from '../../alerts/webhooks/deliver.ts';
import { computeIndicatorsInScope, parseDay, scopeAccounts, type ScoringValues } from '../../indicators/compute.ts';
import { scoreAccounts } from '../../models/score.ts';
import { recordOutcomes } from '../../sql/alerts.ts';
import { makeUpcomingForecasts } from '../forecast/run.ts';
import { ingestSource, orderSources } from '../ingest/run.ts';
import type { DailyStep, JobDeps } from './deps.ts';
import { maintainPartitions } from './partitions.ts';
import { inShard, type ShardRef } from './shards.ts';

export interface IngestStepResult {
  readonly sources: number;
  readonly rowsRead: number;
  readonly inserted: number;
  readonly updated: number;
  readonly rejected: number;
  /** Sources that failed; the run goes on with the data already loaded (see `radar ingest status`). */
  readonly failed: ReadonlyArray<{ readonly source: string; readonly error: string }>;
  /** Of the step's time, the partition maintenance run before the sources (pipelines/jobs/partitions.ts). */
  readonly partitionsMs: number;
}

export interface DailyStepResults {
  readonly ingest: IngestStepResult;
  readonly indicators: { readonly accounts: number; readonly written: number; readonly warning: number; readonly critical: number };
  readonly score: { readonly modelVersion: string; readonly accounts: number; readonly written: number; readonly tiers: Readonly<Record<string, number>>; readonly warnings: readonly string[] };
  /** Risk alerts linked to their renewal's outcome once it is decided (by the end of the day): what the save rate counts. */
  readonly outcomes: { readonly linked: number };
  readonly alerts: { readonly scored: number; readonly alerts: number; readonly queued: number; readonly holdout: number; readonly riskReduced: number; readonly sent: number; readonly dryRun: number; readonly failed: number; readonly deferred: number };
  readonly escalations: { readonly escalated: number; readonly sent: number; readonly dryRun: number; readonly failed: number; readonly deferred: number };
  /** Renewal milestones posted in the day's calendar digests (one per recipient), their new tasks, and milestones held for the next day's digest. */
  readonly calendar: { readonly milestones: number; readonly tasks: number; readonly digests: number; readonly held: number; readonly sent: number; readonly dryRun: number; readonly failed: number; readonly deferred: number };
  /** Forecasts stored as of the day (the next quarter, the next three months); a re-run stores none. */
  readonly forecast: { readonly made: number; readonly periods: readonly string[] };
  /** The webhook outbox's due events sent (docs/api.md#webhooks); failures wait for their retry. */
  readonly webhooks: { readonly delivered: number; readonly retrying: number; readonly dead: number; readonly withoutSecret: readonly string[] };
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

async function ingestAll(deps: JobDeps): Promise<Omit<IngestStepResult, 'partitionsMs'>> {
  const { db, loaded, logger } = deps;
  const failed: { source: string; error: string }[] = [];
  const totals = { sources: 0, rowsRead: 0, inserted: 0, updated: 0, rejected: 0 };
  for (const named of orderSources(loaded.config.sources)) {
    totals.sources += 1;
    try {
      const summary = await ingestSource(db, named, { logger, baseDir: loaded.baseDir, subscriptions: loaded.config.subscriptions, webhooks: loaded.config.webhooks });
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

type StepRunner<S extends DailyStep> = (deps: JobDeps, asOf: string, shard: ShardSelection | undefined) => Promise<DailyStepResults[S]>;

const stepRunners: { readonly [S in DailyStep]: StepRunner<S> } = {
  ingest: async (deps, asOf) => {
    // Partitions first, so the day's writes land in their month's partition (pipelines/jobs/partitions.ts).
    const started = performance.now();
    const partitions = await maintainPartitions(deps.db, { asOf, retention: deps.loaded.config.retention });
    const partitionsMs = Math.round(performance.now() - started);
    if (partitions.created.length > 0 || partitions.detached.length > 0) deps.logger.info({ event: 'partitions_maintained', asOf, ms: partitionsMs, ...partitions });
    return { ...(await ingestAll(deps)), partitionsMs };
  },
  indicators: async (deps, asOf, shard) => {
    const { config } = deps.loaded;
    const accountIds = shard?.accountIds;
    // Asked for only when a score step of the same shard follows in this process (runShard) to take them.
    const { result, accountIds: computed, scoring } = await computeIndicatorsInScope(deps.db, {
      asOf,
      config,
      scope: 'renewing',
      horizonDays: config.horizonDays,
      ...(accountIds ? { accountIds } : {}),
      scoringValues: shard?.handoff !== undefined,
    });
    if (shard?.handoff) {
      shard.handoff.computed = computed;
      shard.handoff.values = scoring;
    }
    return { accounts: result.accounts, written: result.written, warning: result.flags.warning, critical: result.flags.critical };
  },
  score: async (deps, asOf, shard) => {
    // The indicators step has just stored the day's values: use them instead of computing them again,
    // for the accounts it computed when it ran in this process (runShard), without a second scope query
    // and, with the values and packed details it handed over, without reading either back.
    const result = await scoreAccounts(deps.db, {
      config: deps.loaded.config,
      asOf,
      accountIds: shard?.accountIds,
      indicatorSource: 'stored',
      scopedAccountIds: shard?.handoff?.computed,
      storedValues: shard?.handoff?.values,
    });
    for (const warning of result.warnings) deps.logger.warn({ event: 'score_warning', asOf, warning });
    return { modelVersion: result.modelVersion, accounts: result.accounts, written: result.written, tiers: result.tiers, warnings: result.warnings };
  },
  // Links alerts to renewals decided by the end of the day, so the save rate in the weekly report,
  // `radar review` and the API is current without a separate `radar outcomes` run.
  outcomes: async (deps, asOf) => ({ linked: await recordOutcomes(deps.db, new Date(`${addDays(asOf, 1)}T00:00:00Z`), deps.now()) }),
  alerts: async (deps, asOf) => {
    const summary = await runAlerts(deps.db, { ...alertOptions(deps), asOf });
    const { delivery } = summary;
    return { scored: summary.scored, alerts: summary.alerts, queued: summary.queued, holdout: summary.holdout, riskReduced: summary.riskReduced, sent: delivery.sent + delivery.recovered, dryRun: delivery.dryRun, failed: delivery.failed, deferred: delivery.deferred };
  },
  escalations: async (deps, asOf) => {
    const result = await runEscalation(deps.db, { ...alertOptions(deps), asOf });
    return { escalated: result.escalated, sent: result.delivery.sent + result.delivery.recovered, dryRun: result.delivery.dryRun, failed: result.delivery.failed, deferred: result.delivery.deferred };
  },
  // After scoring and alerts: a milestone shows the day's tier, and its tasks are counted with the alerts' ones.
  calendar: async (deps, asOf) => {
    const summary = await runCalendar(deps.db, { ...alertOptions(deps), asOf });
    const { delivery } = summary;
    return { milestones: summary.milestones, tasks: summary.tasks, digests: summary.digests, held: summary.held, sent: delivery.sent + delivery.recovered, dryRun: delivery.dryRun, failed: delivery.failed, deferred: delivery.deferred };
  },
  // Last: a forecast is kept as made, so it is made from the day's scores (see docs/forecast.md).
  forecast: async (deps, asOf) => {
    const made = await makeUpcomingForecasts(deps.db, { asOf, config: deps.loaded.config, configHash: deps.loaded.version });
    return { made: made.filter((m) => m.created).length, periods: made.map((m) => m.period) };
  },
  // After every step that records events: the day's events go out at once, failures wait for a later
  // `radar webhooks deliver` (or the next day's run), so a slow receiver cannot hold up the daily run.
  webhooks: async (deps) => {
    const endpoints = deps.loaded.config.webhooks;
    if (endpoints.length === 0) return { delivered: 0, retrying: 0, dead: 0, withoutSecret: [] };
    return deliverWebhooks(deps.db, { endpoints, logger: deps.logger, now: deps.now });
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

/** Runs one named step (the escalations job runs the last step alone); `shard` narrows indicators and score. */
export async function runStep<S extends DailyStep>(deps: JobDeps, step: S, asOf: string, shard?: ShardSelection): Promise<StepRecord<S>> {
  await deps.hooks?.beforeStep?.(step, asOf, shard?.shard);
  const started = performance.now();
  const result = await stepRunners[step](deps, asOf, shard);
  const ms = Math.round(performance.now() - started);
  deps.logger.info({ event: 'daily_step_done', step, asOf, ms, result, ...(shard ? { shard: shard.shard } : {}) });
  return { step, ms, result };
}

interface ShardSelection {
  readonly shard: ShardRef;
  readonly accountIds: readonly number[] | undefined;
  /** Set by the indicators step to the in-scope accounts it computed (and their values and flags), which the score step of the same shard then scores. */
  readonly handoff?: { computed?: readonly number[]; values?: ScoringValues | undefined };
}

/** One shard's indicators and scores for the day (a BullMQ child job's result: plain JSON). */
/** The steps that run once per day after every shard finished, in-process and on a BullMQ flow alike. */
export const STEPS_AFTER_SHARDS = ['outcomes', 'alerts', 'escalations', 'calendar', 'forecast', 'webhooks'] as const;

export interface ShardResult {
  readonly shard: ShardRef;
  readonly indicators: StepRecord<'indicators'>;
  readonly score: StepRecord<'score'>;
}

/** The day's in-scope accounts (renewing within the horizon), which the shards split between them. */
function dayScope(deps: JobDeps, asOf: string): Promise<number[]> {
  const { config } = deps.loaded;
  return scopeAccounts(deps.db, { asOf, config, scope: 'renewing', horizonDays: config.horizonDays });
}

/**
 * Indicators, then scores, for the in-scope accounts of one shard. One shard = every account, as before
 * sharding. `scope`: the day's accounts when the caller read them already (in-process, once for every
 * shard: the scope query reads every account); a BullMQ shard job reads them itself.
 */
export async function runShard(deps: JobDeps, asOf: string, shard: ShardRef, scope?: readonly number[]): Promise<ShardResult> {
  // The shard's accounts are fixed before either step, so both steps cover the same accounts.
  const accountIds = shard.count === 1 ? undefined : inShard(scope ?? (await dayScope(deps, asOf)), shard);
  const selection: ShardSelection = { shard, accountIds, handoff: {} };
  const indicators = await runStep(deps, 'indicators', asOf, selection);
  const score = await runStep(deps, 'score', asOf, selection);
  return { shard, indicators, score };
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

/** The shards' results as the day's indicators and score records (ms: summed work, whatever ran in parallel). */
export function mergeShards(results: readonly ShardResult[]): [StepRecord<'indicators'>, StepRecord<'score'>] {
  const ordered = [...results].sort((a, b) => a.shard.index - b.shard.index);
  const ind = ordered.map((r) => r.indicators);
  const sco = ordered.map((r) => r.score);
  const tiers: Record<string, number> = {};
  for (const record of sco) for (const [tier, count] of Object.entries(record.result.tiers)) tiers[tier] = (tiers[tier] ?? 0) + count;
  return [
    {
      step: 'indicators',
      ms: sum(ind.map((r) => r.ms)),
      result: {
        accounts: sum(ind.map((r) => r.result.accounts)),
        written: sum(ind.map((r) => r.result.written)),
        warning: sum(ind.map((r) => r.result.warning)),
        critical: sum(ind.map((r) => r.result.critical)),
      },
    },
    {
      step: 'score',
      ms: sum(sco.map((r) => r.ms)),
      result: {
        modelVersion: sco[0]?.result.modelVersion ?? '',
        accounts: sum(sco.map((r) => r.result.accounts)),
        written: sum(sco.map((r) => r.result.written)),
        tiers,
        warnings: [...new Set(sco.flatMap((r) => r.result.warnings))],
      },
    },
  ];
}

/**
 * A daily run whose alerts or escalations did not all reach Slack: the error that fails `radar run`
 * (exit 1) and the daily job (final when some failed for good, retried when the rest was only deferred).
 */
export function dailyDeliveryError(result: DailyResult): Error | undefined {
  const totals = { failed: 0, deferred: 0 };
  for (const record of result.steps) {
    if (record.step !== 'alerts' && record.step !== 'escalations' && record.step !== 'calendar') continue;
    const counts = record.result as DailyStepResults['alerts' | 'escalations' | 'calendar'];
    totals.failed += counts.failed;
    totals.deferred += counts.deferred;
  }
  return undeliveredError(`daily run as of ${result.asOf}`, totals);
}

export async function runDaily(deps: JobDeps, asOfText: string, options: { onStep?: (record: StepRecord) => void } = {}): Promise<DailyResult> {
  const asOf = parseDay(asOfText, 'as-of date');
  const started = performance.now();
  const steps: StepRecord[] = [];
  const record = (done: StepRecord) => {
    steps.push(done);
    options.onStep?.(done);
  };
  record(await runStep(deps, 'ingest', asOf));
  const count = deps.loaded.config.jobs.shards;
  const shards: ShardResult[] = [];
  // Read after the ingest step, as each shard job does: the same accounts, read once instead of once per shard.
  const scope = count > 1 ? await dayScope(deps, asOf) : undefined;
  for (let index = 0; index < count; index += 1) shards.push(await runShard(deps, asOf, { index, count }, scope));
  for (const merged of mergeShards(shards)) record(merged);
  for (const step of STEPS_AFTER_SHARDS) record(await runStep(deps, step, asOf));
  const ms = Math.round(performance.now() - started);
  deps.logger.info({ event: 'daily_done', asOf, ms });
  return { asOf, ms, steps };
}
