// The sharded daily run (jobs.shards = 3) on the Postgres server and real Redis, each run in a fresh
// schema from the same sample files and model: in-process (shards in a loop) and as a BullMQ flow on
// in-process workers (the day's job the parent of one child job per shard, alerts after all of them).
// Both must write exactly the rows of the unsharded in-process run; a shard that fails is retried alone;
// `radar status` shows the day's shards.
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LoadedConfig } from '../config/load.ts';
import { scoreAccounts } from '../models/score.ts';
import { runDaily } from '../pipelines/jobs/daily.ts';
import type { DailyStep, JobDeps } from '../pipelines/jobs/deps.ts';
import type { ShardRef } from '../pipelines/jobs/shards.ts';
import { openQueues, queueSettings } from '../pipelines/jobs/queues.ts';
import { formatStatus, readStatus } from '../pipelines/jobs/status.ts';
import { startWorkers } from '../pipelines/jobs/worker.ts';
import { silentLogger } from '../pipelines/log.ts';
import type { NewModelRow } from '../sql/models.ts';
import { freshServerSchema, installModel, SAMPLE_END, sampleSetup, snapshot, trainOnce, waitFor, type SampleSetup, type ServerSchema } from './jobs-fixtures.ts';
import { startupBudgetMs } from './support/budget.ts';
import { postgresUnavailable } from './support/database.ts';
import { deletePrefix, describeWithRedis, TEST_REDIS_URL, uniquePrefix } from './support/redis.ts';

const prefix = uniquePrefix('shards');

describeWithRedis(
  'the sharded daily run writes the rows of the unsharded one',
  () => {
    let setup: SampleSetup;
    let model: NewModelRow;
    const schemas: ServerSchema[] = [];
    let reference: Awaited<ReturnType<typeof snapshot>>;

    beforeAll(async () => {
      setup = await sampleSetup({ accounts: 150, seed: 7, prefix, extra: { jobs: { shards: 3 } } });
      model = await trainOnce(setup);
    }, 4 * startupBudgetMs());
    afterAll(async () => {
      await Promise.all(schemas.map((schema) => schema.dispose()));
      await deletePrefix(prefix);
    });

    async function schema(): Promise<ServerSchema> {
      const created = await freshServerSchema();
      schemas.push(created);
      await installModel(created.db, model);
      return created;
    }
    const withShards = (shards: number): LoadedConfig => ({ ...setup.loaded, config: { ...setup.loaded.config, jobs: { shards } } });
    const deps = (target: ServerSchema, loaded: LoadedConfig, hooks?: JobDeps['hooks']): JobDeps => ({
      db: target.db,
      loaded,
      logger: silentLogger,
      slack: null,
      outboxDir: join(target.dataDir, 'outbox'),
      print: () => undefined,
      now: () => new Date(`${SAMPLE_END}T07:00:00Z`),
      ...(hooks ? { hooks } : {}),
    });

    it('in-process: three shards in a loop write what one shard writes', async () => {
      const one = await schema();
      const single = await runDaily(deps(one, withShards(1)), SAMPLE_END);
      reference = await snapshot(one.db);
      expect(reference.scores.length).toBeGreaterThan(20);
      expect(reference.alerts.length).toBeGreaterThan(3);
      // Scores from the stored indicator values equal scores from evaluating them again: re-scoring writes nothing.
      const again = await scoreAccounts(one.db, { config: setup.loaded.config, asOf: SAMPLE_END, indicatorSource: 'evaluate' });
      expect(again.written).toBe(0);
      expect(again.accounts).toBe(reference.scores.length);

      const three = await schema();
      const sharded = await runDaily(deps(three, withShards(3)), SAMPLE_END);
      expect(sharded.steps.map((s) => s.step)).toEqual(['ingest', 'indicators', 'score', 'outcomes', 'alerts', 'escalations', 'calendar', 'forecast', 'webhooks']);
      const accounts = (result: typeof single) => result.steps.filter((s) => s.step === 'indicators' || s.step === 'score').map((s) => (s.result as { accounts: number }).accounts);
      expect(accounts(sharded)).toEqual(accounts(single));
      expect(await snapshot(three.db)).toEqual(reference);
    }, 4 * startupBudgetMs());

    it('BullMQ flow: a parent per day, a child job per shard, a failed shard retried alone, status per shard', async () => {
      const target = await schema();
      const calls: string[] = [];
      let failed = false;
      const beforeStep = (step: DailyStep, _asOf: string, shard?: ShardRef) => {
        calls.push(shard ? `${step}/${shard.index}` : step);
        if (step === 'score' && shard?.index === 1 && !failed) {
          failed = true;
          throw new Error('shard 2 lost its database connection');
        }
      };
      const settings = queueSettings(TEST_REDIS_URL, setup.loaded.config);
      const workers = await startWorkers(deps(target, setup.loaded, { beforeStep }), settings, { queues: ['daily', 'daily-shard'], concurrency: 2 });
      const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
      const daily = new Queue('daily', { connection, prefix });
      const shardQueue = new Queue('daily-shard', { connection, prefix });
      const queues = openQueues(settings);
      try {
        const { id } = await queues.enqueue('daily', { asOf: SAMPLE_END }, Date.parse(`${SAMPLE_END}T06:00:00Z`));
        // The failed shard waits out its backoff (30 s): promote it instead of sleeping.
        const retried = `daily/${SAMPLE_END}/shard-2-of-3`;
        await waitFor(async () => (await (await shardQueue.getJob(retried))?.getState()) === 'delayed', startupBudgetMs(), `${retried} to be delayed for a retry`);
        expect(await (await daily.getJob(id))!.getState()).toBe('waiting-children');
        await (await shardQueue.getJob(retried))!.promote();
        await waitFor(async () => (await daily.getJob(id))?.finishedOn !== undefined, 2 * startupBudgetMs(), 'the daily job');
        const job = (await daily.getJob(id))!;
        expect(await job.getState(), job.failedReason).toBe('completed');
        const result = job.returnvalue as { shards: number; steps: Array<{ step: string; result: { accounts?: number } }> };
        expect(result.shards).toBe(3);
        expect(result.steps.map((s) => s.step)).toEqual(['ingest', 'indicators', 'score', 'outcomes', 'alerts', 'escalations', 'calendar', 'forecast', 'webhooks']);
        expect(result.steps[1]!.result.accounts).toBe(reference.scores.length);
        // Ingest once for the day; each shard's indicators once, except shard 2's, run again with its retry.
        expect(calls.filter((c) => c === 'ingest')).toHaveLength(1);
        expect(calls.filter((c) => c.startsWith('indicators/')).sort()).toEqual(['indicators/0', 'indicators/1', 'indicators/1', 'indicators/2']);
        expect(calls.filter((c) => c === 'alerts')).toHaveLength(1);
        const attempts = await Promise.all([1, 2, 3].map(async (n) => (await shardQueue.getJob(`daily/${SAMPLE_END}/shard-${n}-of-3`))!.attemptsMade));
        expect(attempts).toEqual([1, 2, 1]);
        expect(await snapshot(target.db)).toEqual(reference);

        const status = await readStatus(queues, undefined, setup.loaded.config, new Date());
        const lines = formatStatus(status, new Date());
        expect(lines).toContain(`  daily/${SAMPLE_END} completed: 3/3 shards done`);
        expect(lines.find((line) => line.startsWith('    shard 2/3 '))).toMatch(/^ {4}shard 2\/3 completed, 2 attempt\(s\) in \d+\.\d s, \d+ accounts$/);
        const shardAccounts = status.days[0]!.shards.map((shard) => shard.accounts ?? 0);
        expect(shardAccounts.reduce((a, b) => a + b, 0)).toBe(reference.scores.length);
        expect(Math.min(...shardAccounts)).toBeGreaterThan(0);
      } finally {
        await queues.close();
        await daily.close();
        await shardQueue.close();
        await workers.close();
        await connection.quit();
      }
    }, 6 * startupBudgetMs());
  },
  { unavailable: postgresUnavailable },
);
