// The sharded daily run on BullMQ (jobs.shards > 1): the day's `daily` job is the parent of one
// `daily-shard` child per account shard. First run of the parent: ingest, add the children (one
// FlowProducer bulk, deterministic ids), save what it did in its own data, wait for the children
// (BullMQ's waiting-children state: no worker slot is held meanwhile). Once every shard is done BullMQ
// moves it back to wait; second run: alerts and escalations for the whole day. A failed shard retries
// alone with its own backoff; a shard out of attempts fails the day (failParentOnFailure).
import { FlowProducer, WaitingChildrenError, type Job } from 'bullmq';
import type { z } from 'zod';
import type { jobs } from './catalog.ts';
import { mergeShards, runStep, STEPS_AFTER_SHARDS, type DailyResult, type ShardResult, type StepRecord } from './daily.ts';
import type { JobDeps } from './deps.ts';
import { jobOptions, redisConnection, type QueueSettings } from './queues.ts';
import { shardJobId } from './shards.ts';

export type DailyFlowState = NonNullable<z.output<(typeof jobs)['daily']['payload']>['flow']>;

/** What the sharded daily run needs from BullMQ (the worker builds it around the job being processed). */
export interface DailyFlowControl {
  /** Saved by an earlier run of this job, once its shards were enqueued. */
  readonly state: DailyFlowState | undefined;
  /** Adds the shard jobs as children of this job (an existing id is left as it is). */
  addShards(asOf: string, shards: number): Promise<void>;
  save(state: DailyFlowState): Promise<void>;
  /** True when the job now waits for its children (the handler must then throw WaitingChildrenError). */
  waitForShards(): Promise<boolean>;
  /** Results of the children that completed. */
  shardResults(): Promise<ShardResult[]>;
}

export interface FlowDailyResult extends DailyResult {
  readonly shards: number;
  /** Wall time from the job's first start to every shard done (ingest + all shards, however many workers). */
  readonly shardPhaseMs: number;
}

export async function runDailyFlow(deps: JobDeps, asOf: string, shards: number, control: DailyFlowControl, now: () => number = Date.now): Promise<FlowDailyResult> {
  let state = control.state;
  if (!state) {
    const startedAt = now();
    const ingest = await runStep(deps, 'ingest', asOf);
    // Children first, then the saved state: a crash in between re-runs ingest (idempotent) and re-adds
    // the same ids (no-ops); the reverse order could reach the alerts with no shard enqueued.
    await control.addShards(asOf, shards);
    state = { asOf, shards, ingest: { step: 'ingest', ms: ingest.ms, result: { ...ingest.result } }, startedAt };
    await control.save(state);
    deps.logger.info({ event: 'daily_shards_enqueued', asOf, shards });
    if (await control.waitForShards()) throw new WaitingChildrenError();
  }
  const shardPhaseMs = now() - state.startedAt;
  const results = await control.shardResults();
  const done = new Set(results.map((result) => result.shard.index));
  const missing = Array.from({ length: state.shards }, (_, index) => index).filter((index) => !done.has(index));
  if (missing.length > 0) throw new Error(`daily run as of ${state.asOf}: no result from shard(s) ${missing.map((index) => shardJobId(state.asOf, { index, count: state.shards })).join(', ')}`);
  const steps: StepRecord[] = [state.ingest as unknown as StepRecord<'ingest'>, ...mergeShards(results)];
  for (const step of STEPS_AFTER_SHARDS) steps.push(await runStep(deps, step, state.asOf));
  const ms = now() - state.startedAt;
  deps.logger.info({ event: 'daily_done', asOf: state.asOf, ms, shards: state.shards });
  return { asOf: state.asOf, ms, steps, shards: state.shards, shardPhaseMs };
}

/** One FlowProducer per worker process, on its own connection (closed with it). */
export function openFlowProducer(settings: QueueSettings): { readonly producer: FlowProducer; close(): Promise<void> } {
  const connection = redisConnection(settings.redisUrl, 'worker');
  connection.on('error', () => undefined); // surfaced by the job that fails to add its shards
  const producer = new FlowProducer({ connection, prefix: settings.prefix });
  return {
    producer,
    async close() {
      await producer.close();
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}

export function bullmqFlowControl(job: Job, token: string | undefined, producer: FlowProducer, settings: QueueSettings): DailyFlowControl {
  const data = job.data as { flow?: DailyFlowState };
  return {
    state: data.flow,
    async addShards(asOf, shards) {
      const parent = { id: job.id!, queue: job.queueQualifiedName };
      await producer.addBulk(
        Array.from({ length: shards }, (_, index) => ({
          name: 'daily-shard',
          queueName: 'daily-shard',
          data: { asOf, shard: index, shards },
          opts: { ...jobOptions('daily-shard', settings), jobId: shardJobId(asOf, { index, count: shards }), parent, failParentOnFailure: true },
        })),
      );
    },
    async save(state) {
      await job.updateData({ ...(job.data as object), flow: state });
    },
    async waitForShards() {
      if (!token) throw new Error('a sharded daily job needs the worker token to wait for its shards');
      return job.moveToWaitingChildren(token);
    },
    async shardResults() {
      return Object.values(await job.getChildrenValues<ShardResult>());
    },
  };
}
