// BullMQ workers, following BullMQ's production guide: a dedicated connection with
// `maxRetriesPerRequest: null`, error listeners, bounded job history, exponential backoff from the
// catalog, bad payloads failed without retry (UnrecoverableError). Closing waits for active jobs; the
// caller closes the database pool afterwards. Schedulers the config asks for but Redis lacks (a Redis
// restarted without persistence) are re-created at start and after each reconnect; none is ever
// changed or removed here.
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { RadarError } from '../errors.ts';
import { isJobName, JOB_NAMES, jobs, type JobName, type JobPayload } from './catalog.ts';
import type { JobDeps } from './deps.ts';
import { BadPayloadError } from './errors.ts';
import { bullmqFlowControl, openFlowProducer } from './flow.ts';
import { handlers, missingHandlers, type Handler, type JobContext, type JobResult } from './handlers.ts';
import { openQueues, pingRedis, redisConnection, type QueueSettings } from './queues.ts';
import { restoreMissingSchedules } from './schedule.ts';

export interface WorkerOptions {
  readonly queues: readonly JobName[];
  /** Jobs processed at once per queue by this process. */
  readonly concurrency: number;
  /** How long a job's lock lasts without renewal; a dead worker's job is retried after it lapses. */
  readonly lockDurationMs?: number;
  /** How often this worker looks for stalled jobs (jobs whose worker died). */
  readonly stalledIntervalMs?: number;
}

export interface RunningWorkers {
  readonly workers: readonly Worker[];
  /** Waits for active jobs to finish, then closes the Redis connections. */
  close(): Promise<void>;
}

/** The instant a job is for: a scheduler tick's time (from BullMQ's `repeat:<id>:<millis>` id), else when it was added. */
export function tickOf(job: Pick<Job, 'id' | 'timestamp' | 'opts'>): number {
  const match = /^repeat:.+:(\d+)$/.exec(job.id ?? '');
  if (match) return Number(match[1]);
  return job.opts.prevMillis ?? job.timestamp;
}

/** Errors that no retry can fix fail the job at once. */
function isFinal(error: unknown): boolean {
  // A message that failed for good (bad token, unknown channel) fails the same way on a retry of the
  // whole run; deferred ones (delivery_deferred) are what a retry is for.
  return error instanceof BadPayloadError || (error instanceof RadarError && (error.code === 'usage' || error.code === 'config_invalid' || error.code === 'delivery_failed'));
}

/** Parses the payload and runs the handler; exported for tests that drive jobs without Redis. */
export async function processJob(name: string, data: unknown, context: JobContext): Promise<JobResult> {
  if (!isJobName(name)) throw new UnrecoverableError(`unknown job ${JSON.stringify(name)} (known: ${JOB_NAMES.join(', ')})`);
  const parsed = jobs[name].payload.safeParse(data);
  if (!parsed.success) {
    throw new UnrecoverableError(new BadPayloadError(name, parsed.error.issues.map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`)).message);
  }
  const handler = handlers[name] as Handler<JobName>;
  try {
    return await handler(parsed.data as JobPayload<JobName>, context);
  } catch (error) {
    if (isFinal(error)) throw new UnrecoverableError((error as Error).message);
    throw error;
  }
}

export async function startWorkers(deps: JobDeps, settings: QueueSettings, options: WorkerOptions): Promise<RunningWorkers> {
  const missing = missingHandlers(JOB_NAMES);
  if (missing.length > 0) throw new Error(`jobs without a handler: ${missing.join(', ')}`);
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new RadarError('usage', `--concurrency must be a whole number ≥ 1, got ${options.concurrency}`);
  // Fail fast with a clear message when Redis is unreachable (a worker connection would retry forever).
  await pingRedis(settings.redisUrl);
  const { logger } = deps;
  // Whatever enqueued the jobs, the catalog's global limits hold (a daily run at a time, in order),
  // and every configured scheduler exists.
  const restore = async (reason: 'start' | 'reconnect') => {
    const queues = openQueues(settings);
    try {
      const restored = await restoreMissingSchedules(queues, deps.loaded.config);
      if (restored.length > 0 || reason === 'start') logger.info({ event: 'schedules_restored', reason, restored: restored.map((s) => s.schedulerId) });
    } finally {
      await queues.close();
    }
  };
  await restore('start');
  // The sharded daily job adds its shard jobs through this (flow.ts).
  const flows = openFlowProducer(settings);
  const workers = options.queues.map((queue) => {
    const connection = redisConnection(settings.redisUrl, 'worker');
    connection.on('error', (error) => logger.warn({ event: 'redis_error', queue, err: error }));
    const worker = new Worker(queue, (job, token) => processJob(job.name, job.data, { deps, atMs: tickOf(job), ...(job.name === 'daily' ? { flow: bullmqFlowControl(job, token, flows.producer, settings) } : {}) }), {
      connection,
      prefix: settings.prefix,
      concurrency: options.concurrency,
      ...(options.lockDurationMs ? { lockDuration: options.lockDurationMs } : {}),
      ...(options.stalledIntervalMs ? { stalledInterval: options.stalledIntervalMs } : {}),
      // History is bounded; failed jobs keep their reason and stack trace (also set on each job).
      removeOnComplete: { count: settings.keepCompleted },
      removeOnFail: { count: settings.keepFailed },
    });
    worker.on('error', (error) => logger.error({ event: 'worker_error', queue, err: error }));
    worker.on('active', (job) => logger.info({ event: 'job_active', queue, jobId: job.id, attempt: job.attemptsMade + 1 }));
    worker.on('completed', (job, result: unknown) => logger.info({ event: 'job_completed', queue, jobId: job.id, ms: (job.finishedOn ?? 0) - (job.processedOn ?? 0), result }));
    worker.on('failed', (job, error) => logger.warn({ event: 'job_failed', queue, jobId: job?.id, attempt: job?.attemptsMade, final: job ? job.attemptsMade >= (job.opts.attempts ?? 1) || error instanceof UnrecoverableError : undefined, err: error }));
    worker.on('stalled', (jobId) => logger.warn({ event: 'job_stalled', queue, jobId, note: 'its worker stopped renewing the lock; the job is retried' }));
    return { worker, connection };
  });
  await Promise.all(workers.map(({ worker }) => worker.waitUntilReady()));
  // After Redis comes back (ioredis emits 'ready' on every reconnect), put back what a restart lost.
  // One connection watches for all; restores run one at a time; a failure is logged and retried on
  // the next reconnect (or by `radar schedule`).
  let restoring = Promise.resolve();
  workers[0]?.connection.on('ready', () => {
    restoring = restoring.then(() => restore('reconnect')).catch((error: unknown) => logger.error({ event: 'schedules_restore_failed', err: error }));
  });
  logger.info({ event: 'workers_started', queues: options.queues, concurrency: options.concurrency, prefix: settings.prefix });
  return {
    workers: workers.map(({ worker }) => worker),
    async close() {
      workers[0]?.connection.removeAllListeners('ready');
      await restoring;
      await Promise.all(workers.map(({ worker }) => worker.close()));
      await flows.close();
      await Promise.all(workers.map(({ connection }) => connection.quit().catch(() => connection.disconnect())));
      logger.info({ event: 'workers_closed', queues: options.queues });
    },
  };
}
