// `radar status`: schedulers and their next run, queue depths, the last run of each job with its
// duration and result, recent failures — from BullMQ — and failed ingestion runs from the database.
import type { Kysely } from 'kysely';
import type { RadarConfig } from '../../config/schema.ts';
import type { DB } from '../../sql/schema.ts';
import { deadLetterSummary, type DeadLetterSummary } from '../../sql/webhooks.ts';
import { ingestStatus } from '../ingest/status.ts';
import { JOB_NAMES, type JobName } from './catalog.ts';
import type { JobQueues } from './queues.ts';
import { listSchedules, type SchedulerState } from './schedule.ts';
import { shardJobId } from './shards.ts';

export interface JobRun {
  readonly job: JobName;
  readonly id: string;
  readonly state: 'completed' | 'failed';
  readonly finishedAt: string | undefined;
  readonly ms: number | undefined;
  readonly attempts: number;
  readonly result?: unknown;
  readonly reason?: string;
}

export interface QueueStatus {
  readonly job: JobName;
  readonly counts: Readonly<Record<string, number>>;
  readonly lastRun: JobRun | undefined;
  readonly failures: JobRun[];
}

export interface IngestFailure {
  readonly source: string;
  readonly startedAt: string;
  readonly error: string | null;
}

/** One shard job of a sharded daily run (`removed`: gone from BullMQ's bounded history). */
export interface ShardProgress {
  readonly id: string;
  readonly state: string;
  readonly attempts: number;
  readonly ms: number | undefined;
  readonly accounts: number | undefined;
  readonly reason?: string;
}

/** A sharded daily run (jobs.shards > 1) and each of its shard jobs. */
export interface DayProgress {
  readonly id: string;
  readonly asOf: string;
  readonly state: string;
  readonly shards: ShardProgress[];
}

export interface RadarStatus {
  readonly prefix: string;
  readonly schedules: SchedulerState[];
  readonly queues: QueueStatus[];
  readonly days: DayProgress[];
  readonly ingestFailures: IngestFailure[];
  readonly staleSources: string[];
  /** Webhook events that ran out of attempts (`radar webhooks list --dead`, `radar webhooks replay`). */
  readonly deadWebhooks: DeadLetterSummary;
}

type StoredJob = { id?: string | undefined; finishedOn?: number | undefined; processedOn?: number | undefined; attemptsMade: number; returnvalue: unknown; failedReason: string };

function runOf(job: JobName, stored: StoredJob, state: JobRun['state']): JobRun {
  return {
    job,
    id: stored.id ?? '?',
    state,
    finishedAt: stored.finishedOn ? new Date(stored.finishedOn).toISOString() : undefined,
    ms: stored.finishedOn && stored.processedOn ? stored.finishedOn - stored.processedOn : undefined,
    attempts: stored.attemptsMade,
    ...(state === 'completed' ? { result: stored.returnvalue } : { reason: stored.failedReason }),
  };
}

export async function readStatus(queues: JobQueues, db: Kysely<DB> | undefined, config: RadarConfig, now: Date, options: { failures?: number } = {}): Promise<RadarStatus> {
  const failuresShown = options.failures ?? 5;
  const schedules = await listSchedules(queues);
  const queueStates: QueueStatus[] = [];
  for (const job of JOB_NAMES) {
    const queue = queues.queues[job];
    const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'paused', 'failed', 'completed');
    const [completed] = await queue.getJobs(['completed'], 0, 0, false);
    const failed = await queue.getJobs(['failed'], 0, Math.max(0, failuresShown - 1), false);
    const candidates = [...(completed ? [runOf(job, completed, 'completed')] : []), ...(failed[0] ? [runOf(job, failed[0], 'failed')] : [])];
    const lastRun = candidates.sort((a, b) => (b.finishedAt ?? '').localeCompare(a.finishedAt ?? ''))[0];
    queueStates.push({ job, counts, lastRun, failures: failed.map((stored) => runOf(job, stored, 'failed')) });
  }
  const days = await readDayProgress(queues);
  const ingest = db ? await ingestStatus(db, config, now) : [];
  return {
    prefix: queues.settings.prefix,
    schedules,
    queues: queueStates,
    days,
    ingestFailures: ingest.flatMap((source) =>
      source.lastRun && source.lastRun.status === 'failed' ? [{ source: source.source, startedAt: source.lastRun.started_at.toISOString(), error: source.lastRun.error }] : [],
    ),
    staleSources: ingest.filter((source) => source.stale).map((source) => source.source),
    deadWebhooks: db ? await deadLetterSummary(db) : { count: 0, latest: undefined },
  };
}

/** The newest sharded daily runs (running, waiting for shards, or last finished) with their shards' progress. */
async function readDayProgress(queues: JobQueues, limit = 3): Promise<DayProgress[]> {
  const recent = await queues.queues.daily.getJobs(['active', 'waiting-children', 'waiting', 'completed', 'failed'], 0, limit - 1, false);
  const days: DayProgress[] = [];
  for (const job of recent) {
    const flow = (job.data as { flow?: { asOf: string; shards: number } }).flow;
    if (!flow || !job.id) continue;
    const shards: ShardProgress[] = [];
    for (let index = 0; index < flow.shards; index += 1) {
      const id = shardJobId(flow.asOf, { index, count: flow.shards });
      const shard = await queues.queues['daily-shard'].getJob(id);
      if (!shard) {
        shards.push({ id, state: 'removed', attempts: 0, ms: undefined, accounts: undefined });
        continue;
      }
      const result = shard.returnvalue as { indicators?: { result?: { accounts?: number } } } | null;
      shards.push({
        id,
        state: await shard.getState(),
        attempts: shard.attemptsMade,
        ms: shard.finishedOn && shard.processedOn ? shard.finishedOn - shard.processedOn : undefined,
        accounts: result?.indicators?.result?.accounts,
        ...(shard.failedReason ? { reason: shard.failedReason } : {}),
      });
    }
    days.push({ id: job.id, asOf: flow.asOf, state: await job.getState(), shards });
  }
  return days;
}

const when = (ms: number | undefined, now: Date) => {
  if (ms === undefined) return 'not scheduled';
  const minutes = Math.round((ms - now.getTime()) / 60_000);
  const relative = minutes < 60 ? `in ${minutes} min` : minutes < 48 * 60 ? `in ${(minutes / 60).toFixed(1)} h` : `in ${Math.round(minutes / 1440)} days`;
  return `${new Date(ms).toISOString()} (${relative})`;
};

function brief(value: unknown, max = 160): string {
  const text = JSON.stringify(value) ?? '';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Human lines for the status; pure. */
export function formatStatus(status: RadarStatus, now: Date): string[] {
  const lines: string[] = [`queues under prefix "${status.prefix}"`, '', 'schedules:'];
  if (status.schedules.length === 0) lines.push('  none (run `radar schedule`)');
  for (const s of status.schedules) lines.push(`  ${s.schedulerId.padEnd(22)} ${(s.cron ?? '').padEnd(14)} ${s.timezone ?? 'UTC'}  next ${when(s.next, now)}`);
  lines.push('', 'queues:');
  for (const q of status.queues) {
    const c = q.counts;
    lines.push(`  ${q.job.padEnd(14)} waiting ${(c.waiting ?? 0) + (c.prioritized ?? 0)}, active ${c.active ?? 0}, delayed ${c.delayed ?? 0}, failed ${c.failed ?? 0}, completed ${c.completed ?? 0}`);
    if (q.lastRun) {
      const run = q.lastRun;
      const outcome = run.state === 'completed' ? `ok ${brief(run.result)}` : `FAILED after ${run.attempts} attempt(s): ${run.reason}`;
      lines.push(`    last ${run.id} at ${run.finishedAt ?? '?'} in ${run.ms !== undefined ? `${(run.ms / 1000).toFixed(1)} s` : '?'}: ${outcome}`);
    } else lines.push('    never run');
  }
  if (status.days.length > 0) lines.push('', 'sharded daily runs:');
  for (const day of status.days) {
    const done = day.shards.filter((shard) => shard.state === 'completed').length;
    lines.push(`  ${day.id} ${day.state}: ${done}/${day.shards.length} shards done`);
    day.shards.forEach((shard, index) => {
      const took = shard.ms !== undefined ? ` in ${(shard.ms / 1000).toFixed(1)} s` : '';
      const accounts = shard.accounts !== undefined ? `, ${shard.accounts} accounts` : '';
      const failed = shard.reason && shard.state !== 'completed' ? `: ${shard.reason}` : '';
      lines.push(`    shard ${index + 1}/${day.shards.length} ${shard.state}, ${shard.attempts} attempt(s)${took}${accounts}${failed}`);
    });
  }
  const failures = status.queues.flatMap((q) => q.failures);
  lines.push('', 'failures:');
  if (failures.length === 0 && status.ingestFailures.length === 0) lines.push('  none');
  for (const f of failures) lines.push(`  job ${f.id} at ${f.finishedAt ?? '?'} after ${f.attempts} attempt(s): ${f.reason}`);
  for (const f of status.ingestFailures) lines.push(`  ingest ${f.source} at ${f.startedAt}: ${f.error ?? 'failed'}`);
  if (status.staleSources.length > 0) lines.push(`  stale sources: ${status.staleSources.join(', ')} (see \`radar ingest status\`)`);
  lines.push('', 'webhooks:');
  const dead = status.deadWebhooks;
  if (dead.count === 0 || !dead.latest) lines.push('  no dead-lettered events');
  else {
    const latest = dead.latest;
    lines.push(`  ${dead.count} dead-lettered event${dead.count === 1 ? '' : 's'} (\`radar webhooks list --dead\`, \`radar webhooks replay --all-dead\`)`);
    lines.push(`  latest: #${latest.outboxId} ${latest.eventType} ${latest.eventId} to ${latest.endpointId} at ${latest.deadAt?.toISOString() ?? '?'} after ${latest.attempts} attempt(s): ${latest.lastError ?? 'failed'}`);
  }
  return lines;
}
