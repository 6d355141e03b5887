// `radar schedule`: makes Redis hold exactly the job schedulers the config asks for. Upserts are keyed
// by scheduler id, so running it any number of times (from any machine) leaves one scheduler each.
// Schedulers are only ever changed here — never on worker start or shutdown.
import type { RadarConfig } from '../../config/schema.ts';
import { JOB_NAMES, jobs, plannedSchedules, type JobName } from './catalog.ts';
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

export async function upsertSchedules(queues: JobQueues, config: RadarConfig): Promise<ScheduleSummary> {
  const timezone = checkTimezone(config.schedules.timezone);
  const planned = plannedSchedules(config);
  await applyQueueLimits(queues);
  const upserted: SchedulerState[] = [];
  for (const entry of planned) {
    const queue = queues.queues[entry.job];
    await queue.upsertJobScheduler(entry.schedulerId, { pattern: entry.cron, tz: timezone }, { name: entry.job, data: entry.data, opts: jobOptions(entry.job, queues.settings) });
    const stored = await queue.getJobScheduler(entry.schedulerId);
    upserted.push({ job: entry.job, schedulerId: entry.schedulerId, cron: stored?.pattern ?? entry.cron, timezone: stored?.tz ?? timezone, next: stored?.next });
  }
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
