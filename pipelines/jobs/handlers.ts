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
import { alertOptions, dailyDeliveryError, runDaily } from './daily.ts';
import type { JobDeps } from './deps.ts';
import { dayInZone } from './time.ts';

export interface JobContext {
  readonly deps: JobDeps;
  /** The instant the job is for: a scheduler tick's time, else when it was enqueued. */
  readonly atMs: number;
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
  daily: async ({ asOf }, { deps, atMs }) => {
    const result = await runDaily(deps, asOf ?? dayInZone(atMs, timezoneOf(deps)));
    const undelivered = dailyDeliveryError(result);
    if (undelivered) throw undelivered;
    return { asOf: result.asOf, ms: result.ms, steps: result.steps.map(({ step, ms, result: stepResult }) => ({ step, ms, result: stepResult })) };
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
} as const satisfies HandlerMap;

/** Runtime guard for the worker's start: every declared job has a handler (types already promise it). */
export function missingHandlers(names: readonly string[], map: Readonly<Record<string, unknown>> = handlers): string[] {
  return names.filter((name) => typeof map[name] !== 'function');
}
