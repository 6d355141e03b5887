// The daily flow three ways on the Postgres server, each in a fresh schema from the same sample files
// and the same model: `radar run` in-process, one BullMQ worker, two BullMQ workers (with a duplicate
// enqueue). All three must write the same indicator values, risk scores, alerts and tasks.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openQueues, queueSettings } from '../pipelines/jobs/queues.ts';
import type { NewModelRow } from '../sql/models.ts';
import {
  freshServerSchema, installModel, runRadarJob, sampleSetup, snapshot, startRadar, stopRadar, trainOnce, waitFor,
  type RadarChild, type SampleSetup, type ServerSchema,
} from './jobs-fixtures.ts';
import { startupBudgetMs } from './support/budget.ts';
import { postgresUnavailable } from './support/database.ts';
import { deletePrefix, describeWithRedis, TEST_REDIS_URL, uniquePrefix } from './support/redis.ts';

const prefix = uniquePrefix('daily');
const DAYS = ['2026-06-29', '2026-06-30'] as const;

describeWithRedis(
  'the daily flow: radar run, one worker and two workers write the same rows',
  () => {
    let setup: SampleSetup;
    let model: NewModelRow;
    const schemas: ServerSchema[] = [];
    const children: RadarChild[] = [];
    let connection: Redis;

    beforeAll(async () => {
      setup = await sampleSetup({ accounts: 150, seed: 7, prefix });
      model = await trainOnce(setup);
      connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    });
    afterAll(async () => {
      await Promise.all(children.map((child) => stopRadar(child)));
      await Promise.all(schemas.map((schema) => schema.dispose()));
      await connection?.quit();
      await deletePrefix(prefix);
    });

    async function schema(): Promise<ServerSchema> {
      const created = await freshServerSchema();
      schemas.push(created);
      await installModel(created.db, model);
      return created;
    }
    const env = (target: ServerSchema) => ({ DATABASE_URL: target.url, REDIS_URL: TEST_REDIS_URL, RADAR_DATA_DIR: target.dataDir, LOG_LEVEL: 'warn' });
    const worker = (target: ServerSchema) => {
      const child = startRadar(['-c', setup.configFile, 'worker', '--queues', 'daily'], env(target));
      children.push(child);
      return child;
    };

    async function waitForJobs(ids: readonly string[]): Promise<Queue> {
      const daily = new Queue('daily', { connection, prefix });
      await waitFor(async () => (await Promise.all(ids.map(async (id) => (await daily.getJob(id))?.finishedOn !== undefined))).every(Boolean), 2 * startupBudgetMs(), `jobs ${ids.join(', ')}`, () =>
        children.map((child) => child.stderr().slice(-2000)).join('\n---\n'),
      );
      return daily;
    }

    let inProcess: Awaited<ReturnType<typeof snapshot>>;
    let oneWorker: Awaited<ReturnType<typeof snapshot>>;

    it('radar run (in-process) runs every step and a repeat changes nothing', async () => {
      const target = await schema();
      for (const day of DAYS) {
        const result = await runRadarJob(['-c', setup.configFile, 'run', '--as-of', day], { ...env(target), REDIS_URL: '' });
        expect(result.code, result.stderr).toBe(0);
        expect(result.stdout).toMatch(new RegExp(`daily run as of ${day}\\n  ingest .*\\n  indicators .*\\n  score .*\\n[\\s\\S]*  outcomes .*\\n[\\s\\S]*  alerts .*\\n[\\s\\S]*  escalations .*\\n[\\s\\S]*  calendar .*\\n  forecast .*\\n  webhooks .*\\ndone in`));
      }
      inProcess = await snapshot(target.db);
      expect(inProcess.scores.length).toBeGreaterThan(20);
      expect(inProcess.alerts.filter((alert) => alert.status === 'dry_run').length).toBeGreaterThan(3);
      const again = await runRadarJob(['-c', setup.configFile, '--json', 'run', '--as-of', DAYS[1]], env(target));
      const steps = (JSON.parse(again.stdout.slice(again.stdout.indexOf('{'))) as { steps: Array<{ step: string; result: Record<string, number> }> }).steps;
      expect(Object.fromEntries(steps.map((s) => [s.step, s.result.inserted ?? s.result.written ?? s.result.alerts ?? s.result.escalated ?? s.result.milestones]))).toEqual({ ingest: 0, indicators: 0, score: 0, alerts: 0, escalations: 0, calendar: 0 });
      expect(await snapshot(target.db)).toEqual(inProcess);
    }, 4 * startupBudgetMs());

    it('one BullMQ worker writes the same rows as radar run', async () => {
      const target = await schema();
      const child = worker(target);
      await child.waitForOutput(/worker \d+: queues daily/);
      for (const day of DAYS) {
        const enqueued = await runRadarJob(['-c', setup.configFile, 'run', '--queue', '--as-of', day], env(target));
        expect(enqueued.stdout).toBe(`enqueued daily/${day}\n`);
      }
      const daily = await waitForJobs(DAYS.map((day) => `daily/${day}`));
      const job = await daily.getJob(`daily/${DAYS[1]}`);
      expect(await job!.getState()).toBe('completed');
      expect((job!.returnvalue as { steps: Array<{ step: string; ms: number }> }).steps.map((s) => s.step)).toEqual(['ingest', 'indicators', 'score', 'outcomes', 'alerts', 'escalations', 'calendar', 'forecast', 'webhooks']);
      await daily.obliterate({ force: true });
      await daily.close();
      expect(await stopRadar(child)).toBe(0);
      oneWorker = await snapshot(target.db);
      expect(oneWorker).toEqual(inProcess);
    }, 4 * startupBudgetMs());

    it('two workers (and the same day enqueued twice) write the same rows as one', async () => {
      const target = await schema();
      const pair = [worker(target), worker(target)];
      await Promise.all(pair.map((child) => child.waitForOutput(/worker \d+: queues daily/)));
      const queues = openQueues(queueSettings(TEST_REDIS_URL, setup.loaded.config));
      try {
        const added = [];
        for (const day of [...DAYS, DAYS[1]]) added.push(await queues.enqueue('daily', { asOf: day }, Date.parse(`${day}T06:00:00Z`)));
        expect(added.map((a) => a.added)).toEqual([true, true, false]);
      } finally {
        await queues.close();
      }
      const daily = await waitForJobs(DAYS.map((day) => `daily/${day}`));
      for (const day of DAYS) expect((await daily.getJob(`daily/${day}`))!.attemptsMade).toBe(1);
      await daily.close();
      await Promise.all(pair.map((child) => stopRadar(child)));
      expect(await snapshot(target.db)).toEqual(oneWorker);
    }, 4 * startupBudgetMs());
  },
  { unavailable: postgresUnavailable },
);
