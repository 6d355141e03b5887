// The one place that builds BullMQ queues and Redis connections. Everything Redis-based needs
// REDIS_URL; without it the commands say so and point at `radar run` (in-process, no Redis).
import { Queue, type JobsOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import type { RadarConfig } from '../../config/schema.ts';
import { RadarError } from '../errors.ts';
import { JOB_NAMES, jobs, type JobName, type JobPayload } from './catalog.ts';

export interface QueueSettings {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly keepCompleted: number;
  readonly keepFailed: number;
  readonly timezone: string;
}

export function queueSettings(redisUrl: string | undefined, config: RadarConfig): QueueSettings {
  if (!redisUrl) {
    throw new RadarError(
      'usage',
      'REDIS_URL is not set: scheduling, workers and queue status need Redis (e.g. REDIS_URL=redis://127.0.0.1:6379 with `docker compose up -d`). Without Redis, `radar run` runs the daily flow in-process.',
    );
  }
  const { queuePrefix, keepCompleted, keepFailed, timezone } = config.schedules;
  return { redisUrl, prefix: queuePrefix, keepCompleted, keepFailed, timezone };
}

/**
 * A Redis connection. Workers need `maxRetriesPerRequest: null` (blocking commands must wait out a
 * Redis restart, not fail); short-lived CLI connections fail fast instead of hanging on a dead server.
 */
export function redisConnection(url: string, role: 'worker' | 'client'): Redis {
  const options: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 1, connectTimeout: 5_000, retryStrategy: (times) => (times > 3 ? null : times * 200) };
  return new Redis(url, { ...options, lazyConnect: false });
}

/** A Redis URL fit to print: scheme, host, port and database, never the user or password. */
export function redisUrlForDisplay(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '(REDIS_URL is not a valid URL)';
  }
}

/**
 * Checks that Redis answers before a command builds queues on it: a clear "Redis unreachable at …"
 * (exit 1) instead of connection errors surfacing later as retries or unhandled rejections.
 */
export async function pingRedis(url: string): Promise<void> {
  const probe = redisConnection(url, 'client');
  let lastError: Error | undefined;
  probe.on('error', (error: Error) => (lastError = error)); // the cause (ECONNREFUSED …), reported below
  try {
    await probe.ping();
  } catch (error) {
    const cause = (lastError ?? (error as Error)).message.replaceAll(url, redisUrlForDisplay(url));
    throw new RadarError('database_unavailable', `Redis unreachable at ${redisUrlForDisplay(url)} (${cause})`);
  } finally {
    probe.disconnect();
  }
}

/** Options every job of `name` carries: its retry policy, and bounded history (failed jobs keep their reason). */
export function jobOptions(name: JobName, settings: Pick<QueueSettings, 'keepCompleted' | 'keepFailed'>): JobsOptions {
  const { retry } = jobs[name];
  return {
    attempts: retry.attempts,
    backoff: { type: retry.backoff.type, delay: retry.backoff.delayMs },
    removeOnComplete: { count: settings.keepCompleted },
    removeOnFail: { count: settings.keepFailed },
  };
}

export interface JobQueues {
  readonly settings: QueueSettings;
  readonly queues: { readonly [N in JobName]: Queue };
  /** Adds a job with its deterministic id; a second add of the same work returns the existing job. */
  enqueue<N extends JobName>(name: N, payload: JobPayload<N>, atMs: number): Promise<{ id: string; added: boolean }>;
  close(): Promise<void>;
}

export function openQueues(settings: QueueSettings): JobQueues {
  const connection = redisConnection(settings.redisUrl, 'client');
  connection.on('error', () => undefined); // surfaced by the failing command instead
  const queues = Object.fromEntries(
    JOB_NAMES.map((name) => [name, new Queue(name, { connection, prefix: settings.prefix, defaultJobOptions: jobOptions(name, settings) })]),
  ) as unknown as { [N in JobName]: Queue };
  return {
    settings,
    queues,
    async enqueue(name, payload, atMs) {
      const parsed = jobs[name].payload.parse(payload) as JobPayload<typeof name>;
      const id = (jobs[name].jobId as (p: typeof parsed, at: number, tz: string) => string)(parsed, atMs, settings.timezone);
      const existing = await queues[name].getJob(id);
      if (existing) return { id, added: false };
      await queues[name].add(name, parsed, { ...jobOptions(name, settings), jobId: id });
      return { id, added: true };
    },
    async close() {
      await Promise.all(JOB_NAMES.map((name) => queues[name].close()));
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}

/** Queue names from `--queues a,b`; unknown names are a usage error naming the known ones. */
export function parseQueueList(text: string | undefined): JobName[] {
  if (!text) return [...JOB_NAMES];
  const names = text.split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = names.filter((name) => !JOB_NAMES.includes(name as JobName));
  if (unknown.length > 0 || names.length === 0) throw new RadarError('usage', `--queues: unknown queue ${unknown.join(', ') || '(none given)'} (known: ${JOB_NAMES.join(', ')})`);
  return [...new Set(names)] as JobName[];
}
