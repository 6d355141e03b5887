// One thin handler per job: take the parsed payload, call the pipeline function, return a small JSON
// result (stored by BullMQ and shown by `radar status`). The map is typed against the catalog, so a
// job declared without a handler — or a handler for a job that does not exist — fails to compile.
import { runEscalation } from '../../alerts/escalate.ts';
import { lastCompleteIsoWeek } from '../report/period.ts';
import { ingestConfigured } from '../ingest/run.ts';
import { RadarError } from '../errors.ts';
import type { JobName, JobPayload } from './catalog.ts';
import { publishWeeklyReport } from '../report/publish.ts';
import { undeliveredError } from '../../alerts/deliver.ts';
import { deliverWebhooks } from '../../alerts/webhooks/deliver.ts';
import { alertOptions, dailyDeliveryError, runDaily, runShard } from './daily.ts';
import { runDailyFlow, type DailyFlowControl } from './flow.ts';
import type { JobDeps } from './deps.ts';
import { dayInZone } from './time.ts';

export interface JobContext {
  readonly deps: JobDeps;
  /** The instant the job is for: a scheduler tick's time, else when it was enqueued. */
  readonly atMs: number;
  /** On a BullMQ worker: lets the daily job wait for its shard jobs. Absent in-process (shards run in a loop). */
  readonly flow?: DailyFlowControl | undefined;
}

export type JobResult = Readonly<Record<string, unknown>>;
export type Handler<N extends JobName> = (payload: JobPayload<N>, context: JobContext) => Promise<JobResult>;
export type HandlerMap = { readonly [N in JobName]: Handler<N> };

const timezoneOf = (deps: JobDeps) => deps.loaded.config.schedules.timezone;

export const handlers = {
  ingest: async ({ source }, { deps }) => {
    if (!Object.hasOwn(deps.loaded.config.sources, source)) throw new RadarError('usage', `no source named ${source} in the config`);
    const [summary] = await ingestConfigured(deps.db, deps.loaded.config, { only: source, logger: deps.logger, baseDir: deps.loaded.baseDir });
    if (!summary) throw new RadarError('usage', `no source named ${source}`);
    if (summary.status === 'failed') throw new RadarError('ingest_failed', `${source}: ${summary.error ?? 'failed'}`);
    return { source, runId: summary.runId, rowsRead: summary.read, inserted: summary.inserted, updated: summary.updated, rejected: summary.rejected, ms: summary.durationMs };
  },
  daily: async ({ asOf, flow: saved }, { deps, atMs, flow }) => {
    const day = saved?.asOf ?? asOf ?? dayInZone(atMs, timezoneOf(deps));
    const shards = saved?.shards ?? deps.loaded.config.jobs.shards;
    const sharded = flow && shards > 1 ? await runDailyFlow(deps, day, shards, flow) : undefined;
    const result = sharded ?? (await runDaily(deps, day));
    const undelivered = dailyDeliveryError(result);
    if (undelivered) throw undelivered;
    const shardInfo = sharded ? { shards: sharded.shards, shardPhaseMs: sharded.shardPhaseMs } : {};
    return { asOf: result.asOf, ms: result.ms, ...shardInfo, steps: result.steps.map(({ step, ms, result: stepResult }) => ({ step, ms, result: stepResult })) };
  },
  'daily-shard': async ({ asOf, shard, shards }, { deps }) => {
    const result = await runShard(deps, asOf, { index: shard, count: shards });
    return { ...result };
  },
  escalations: async ({ asOf }, { deps, atMs }) => {
    const day = asOf ?? dayInZone(atMs, timezoneOf(deps));
    const result = await runEscalation(deps.db, { ...alertOptions(deps), asOf: day });
    const undelivered = undeliveredError(`escalations as of ${day}`, result.delivery);
    if (undelivered) throw undelivered;
    return { asOf: day, escalated: result.escalated, delivery: result.delivery };
  },
  'weekly-report': async ({ week }, { deps, atMs }) => {
    const target = week ?? lastCompleteIsoWeek(dayInZone(atMs, timezoneOf(deps)));
    const { baseDir: _baseDir, ...sending } = alertOptions(deps);
    const published = await publishWeeklyReport(deps.db, { ...sending, week: target, format: 'html', post: true });
    const undelivered = published.summary && undeliveredError(`weekly report ${target}`, published.summary.delivery);
    if (undelivered) throw undelivered;
    return { week: target, file: published.file, summary: published.summary };
  },
  webhooks: async (_payload, { deps }) => {
    const summary = await deliverWebhooks(deps.db, { endpoints: deps.loaded.config.webhooks, logger: deps.logger, now: deps.now });
    return { ...summary };
  },
} as const satisfies HandlerMap;

/** Runtime guard for the worker's start: every declared job has a handler (types already promise it). */
export function missingHandlers(names: readonly string[], map: Readonly<Record<string, unknown>> = handlers): string[] {
  return names.filter((name) => typeof map[name] !== 'function');
}
