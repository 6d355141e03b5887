// The job catalog: every job declared once — name, payload schema, retry policy and where its
// schedule comes from. Declarations only: the handlers live in handlers.ts, typed against JobName so
// a job without a handler does not compile. Queue name = job name, so `radar worker --queues` picks jobs.
import { z } from 'zod';
import type { RadarConfig } from '../../config/schema.ts';
import { parseDay } from '../../indicators/compute.ts';
import { shardJobId } from './shards.ts';
import { dayInZone, minuteInZone } from './time.ts';

export interface RetryPolicy {
  /** Attempts in total (1 = no retry). */
  readonly attempts: number;
  /** Exponential backoff: the first retry waits `delayMs`, then 2×, 4×… */
  readonly backoff: { readonly type: 'exponential'; readonly delayMs: number };
}

/** One BullMQ job scheduler to upsert: a stable id, a cron in `schedules.timezone`, the job's data. */
export interface ScheduleEntry {
  readonly schedulerId: string;
  readonly cron: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface JobDeclaration<S extends z.ZodType> {
  readonly description: string;
  readonly payload: S;
  readonly retry: RetryPolicy;
  /** Where the job's cron comes from in the config: the schedulers it needs (none = only run on demand). */
  readonly schedules: (config: RadarConfig) => ScheduleEntry[];
  /**
   * The deterministic id of an enqueued job: the same work asked twice is one job. `atMs` is the
   * instant the job is for (the tick), `timezone` the schedules' zone. Scheduler ticks get BullMQ's
   * own deterministic `repeat:<scheduler>:<millis>` ids.
   */
  readonly jobId: (payload: z.output<S>, atMs: number, timezone: string) => string;
  /** At most this many jobs of the queue run at once across all workers (BullMQ global concurrency). */
  readonly globalConcurrency?: number;
}

function declare<S extends z.ZodType>(declaration: JobDeclaration<S>): JobDeclaration<S> {
  return declaration;
}

const day = z.string().refine((text) => {
  try {
    parseDay(text);
    return true;
  } catch {
    return false;
  }
}, 'must be a calendar day as YYYY-MM-DD');

const isoWeek = z.string().regex(/^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$/, 'must be an ISO week like 2026-W47');

/** Absent in scheduler ticks: the handler takes the day of the tick in `schedules.timezone`. */
const asOfPayload = z.object({ asOf: day.optional().describe('The as-of day; default the day of the tick.') }).strict();

/** What a sharded daily job keeps between its two runs (before and after its shard jobs): set by the job itself. */
const dailyFlowState = z
  .object({
    asOf: day,
    shards: z.number().int().min(2),
    ingest: z.object({ step: z.literal('ingest'), ms: z.number(), result: z.record(z.string(), z.unknown()) }),
    startedAt: z.number(),
  })
  .strict();

const shardPayload = z
  .object({ asOf: day, shard: z.number().int().min(0), shards: z.number().int().min(1).max(256) })
  .strict()
  .refine((payload) => payload.shard < payload.shards, { message: 'shard must be below shards', path: ['shard'] });

export const jobs = {
  ingest: declare({
    description: 'Ingest one configured source (sources with their own `schedule`; the daily run ingests every source).',
    payload: z.object({ source: z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, 'must be a configured source name') }).strict(),
    retry: { attempts: 5, backoff: { type: 'exponential', delayMs: 60_000 } },
    schedules: (config) =>
      Object.entries(config.sources).flatMap(([source, settings]) =>
        settings.schedule ? [{ schedulerId: `ingest/${source}`, cron: settings.schedule, data: { source } }] : [],
      ),
    jobId: ({ source }, atMs, timezone) => `ingest/${source}/${minuteInZone(atMs, timezone)}`,
  }),
  daily: declare({
    description: 'The daily run for one as-of day: ingest every source → indicators → score → alerts → escalations (with jobs.shards > 1, indicators and score as daily-shard child jobs).',
    payload: asOfPayload.extend({ flow: dailyFlowState.optional().describe('Internal: set once the shard jobs are enqueued.') }).strict(),
    retry: { attempts: 3, backoff: { type: 'exponential', delayMs: 5 * 60_000 } },
    schedules: (config) => [{ schedulerId: 'daily', cron: config.schedules.daily, data: {} }],
    jobId: ({ asOf }, atMs, timezone) => `daily/${asOf ?? dayInZone(atMs, timezone)}`,
    // Daily runs of different days do not commute (cooldowns, weekly budgets): one at a time, in order.
    globalConcurrency: 1,
  }),
  'daily-shard': declare({
    description: "Indicators and scores of one account shard for a day: a child of the day's daily job, which runs alerts once every shard is done.",
    payload: shardPayload,
    // A failed shard retries alone; once out of attempts it fails the day's job (failParentOnFailure).
    retry: { attempts: 3, backoff: { type: 'exponential', delayMs: 30_000 } },
    schedules: () => [],
    jobId: ({ asOf, shard, shards }) => shardJobId(asOf, { index: shard, count: shards }),
  }),
  escalations: declare({
    description: 'Escalate tasks still open past their due day (once per task).',
    payload: asOfPayload,
    retry: { attempts: 3, backoff: { type: 'exponential', delayMs: 60_000 } },
    schedules: (config) => [{ schedulerId: 'escalations', cron: config.schedules.escalations, data: {} }],
    jobId: ({ asOf }, atMs, timezone) => `escalations/${asOf ?? dayInZone(atMs, timezone)}`,
    globalConcurrency: 1,
  }),
  'weekly-report': declare({
    description: 'The weekly leadership report for one ISO week.',
    payload: z.object({ week: isoWeek.optional().describe('Default: the last complete ISO week before the tick.') }).strict(),
    retry: { attempts: 3, backoff: { type: 'exponential', delayMs: 5 * 60_000 } },
    schedules: (config) => [{ schedulerId: 'weekly-report', cron: config.schedules.weeklyReport, data: {} }],
    jobId: ({ week }, atMs, timezone) => `weekly-report/${week ?? `of-${dayInZone(atMs, timezone)}`}`,
  }),
  webhooks: declare({
    description: 'Send the webhook outbox: events that are due, retries included (scheduled when `webhooks:` lists endpoints).',
    payload: z.object({}).strict(),
    // A failed event is retried by the outbox itself (its own backoff and dead letter); the job is retried
    // only when it failed as a whole (the database was unreachable).
    retry: { attempts: 2, backoff: { type: 'exponential', delayMs: 60_000 } },
    schedules: (config) => (config.webhooks.length > 0 ? [{ schedulerId: 'webhooks', cron: config.schedules.webhooks, data: {} }] : []),
    jobId: (_payload, atMs, timezone) => `webhooks/${minuteInZone(atMs, timezone)}`,
  }),
} as const;

export type JobName = keyof typeof jobs;
export type JobPayload<N extends JobName> = z.output<(typeof jobs)[N]['payload']>;
export const JOB_NAMES = Object.keys(jobs) as JobName[];

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(jobs, name);
}

/** Every scheduler the config asks for, across all jobs. */
export function plannedSchedules(config: RadarConfig): Array<ScheduleEntry & { readonly job: JobName }> {
  return JOB_NAMES.flatMap((job) => jobs[job].schedules(config).map((entry) => ({ ...entry, job })));
}
