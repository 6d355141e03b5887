// `radar schedule`: makes Redis hold exactly the job schedulers the config asks for. Upserts are keyed
// by scheduler id, so running it any number of times (from any machine) leaves one scheduler each.
// Workers only restore schedulers that are missing (Redis restarted without persistence), with the
// same upsert; changing or removing one is `radar schedule`'s alone, and nothing is removed on shutdown.
import type { RadarConfig } from '../../config/schema.ts';
import { JOB_NAMES, jobs, plannedSchedules, type JobName, type ScheduleEntry } from './catalog.ts';
import { jobOptions, type JobQueues } from './queues.ts';
import { checkTimezone } from './time.ts';

export interface SchedulerState {
  readonly job: JobName;
  readonly schedulerId: string;
  readonly cron: string | undefined;
  readonly timezone: string | undefined;
  /** Next run, epoch ms. */
  readonly next: number | undefined;
}

export interface ScheduleSummary {
  readonly upserted: SchedulerState[];
  /** Schedulers in Redis that the config no longer asks for (e.g. a source's own schedule was removed). */
  readonly removed: Array<{ job: JobName; schedulerId: string }>;
}

/** Sets each queue's global concurrency from the catalog (daily runs one at a time across all workers). */
export async function applyQueueLimits(queues: JobQueues): Promise<void> {
  for (const name of JOB_NAMES) {
    const limit = jobs[name].globalConcurrency;
    if (limit !== undefined) await queues.queues[name].setGlobalConcurrency(limit);
  }
}

type PlannedEntry = ScheduleEntry & { readonly job: JobName };

async function upsertOne(queues: JobQueues, entry: PlannedEntry, timezone: string): Promise<SchedulerState> {
  const queue = queues.queues[entry.job];
  await queue.upsertJobScheduler(entry.schedulerId, { pattern: entry.cron, tz: timezone }, { name: entry.job, data: entry.data, opts: jobOptions(entry.job, queues.settings) });
  const stored = await queue.getJobScheduler(entry.schedulerId);
  return { job: entry.job, schedulerId: entry.schedulerId, cron: stored?.pattern ?? entry.cron, timezone: stored?.tz ?? timezone, next: stored?.next };
}

/**
 * Re-creates the schedulers the config asks for that Redis lacks — after a Redis restart without
 * persistence, nothing fires until they are back. Existing ones are left exactly as they are. A
 * re-created cron scheduler's first tick is its next one, so a day already run is not run again.
 */
export async function restoreMissingSchedules(queues: JobQueues, config: RadarConfig): Promise<SchedulerState[]> {
  const timezone = checkTimezone(config.schedules.timezone);
  await applyQueueLimits(queues);
  const restored: SchedulerState[] = [];
  for (const entry of plannedSchedules(config)) {
    if (await queues.queues[entry.job].getJobScheduler(entry.schedulerId)) continue;
    restored.push(await upsertOne(queues, entry, timezone));
  }
  return restored;
}

export async function upsertSchedules(queues: JobQueues, config: RadarConfig): Promise<ScheduleSummary> {
  const timezone = checkTimezone(config.schedules.timezone);
  const planned = plannedSchedules(config);
  await applyQueueLimits(queues);
  const upserted: SchedulerState[] = [];
  for (const entry of planned) upserted.push(await upsertOne(queues, entry, timezone));
  const wanted = new Set(planned.map((entry) => `${entry.job}\u0000${entry.schedulerId}`));
  const removed: ScheduleSummary['removed'] = [];
  for (const job of JOB_NAMES) {
    for (const scheduler of await queues.queues[job].getJobSchedulers()) {
      const id = scheduler.id ?? scheduler.key;
      if (wanted.has(`${job}\u0000${id}`)) continue;
      await queues.queues[job].removeJobScheduler(id);
      removed.push({ job, schedulerId: id });
    }
  }
  return { upserted, removed };
}

export async function listSchedules(queues: JobQueues): Promise<SchedulerState[]> {
  const states: SchedulerState[] = [];
  for (const job of JOB_NAMES) {
    for (const scheduler of await queues.queues[job].getJobSchedulers()) {
      states.push({ job, schedulerId: scheduler.id ?? scheduler.key, cron: scheduler.pattern, timezone: scheduler.tz, next: scheduler.next });
    }
  }
  return states.sort((a, b) => (a.next ?? Infinity) - (b.next ?? Infinity));
}
