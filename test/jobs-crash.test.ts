// A worker killed mid-job: worker A (a child process) hangs right after Slack accepted its 2nd post,
// before the post's ts is recorded; the test SIGKILLs it. BullMQ's stalled-job check (short lock and
// check intervals here) hands the daily job to worker B, which finishes it — and Slack (the local
// stand-in) has received every alert exactly once: the interrupted one is found in the channel's
// history and recorded, not posted again.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openQueues, queueSettings } from '../pipelines/jobs/queues.ts';
import {
  freshServerSchema, installModel, SAMPLE_END, sampleSetup, startRadar, stopRadar, trainOnce, waitFor,
  type RadarChild, type SampleSetup, type ServerSchema,
} from './jobs-fixtures.ts';
import { startupBudgetMs } from './support/budget.ts';
import { postgresUnavailable } from './support/database.ts';
import { deletePrefix, describeWithRedis, TEST_REDIS_URL, uniquePrefix } from './support/redis.ts';
import { startFakeSlack, type FakeSlack } from './support/slack-api.ts';

const prefix = uniquePrefix('crash');
const CHANNEL = 'C0ALERTS';

describeWithRedis(
  'a worker killed mid-job',
  () => {
    let setup: SampleSetup;
    let target: ServerSchema;
    let fake: FakeSlack;
    let connection: Redis;
    const children: RadarChild[] = [];

    beforeAll(async () => {
      setup = await sampleSetup({ accounts: 150, seed: 7, prefix, extra: { routing: { defaultChannel: CHANNEL, holdoutShare: 0 } } });
      const model = await trainOnce(setup);
      target = await freshServerSchema();
      await installModel(target.db, model);
      fake = await startFakeSlack();
      fake.channels.add(CHANNEL);
      connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    });
    afterAll(async () => {
      await Promise.all(children.map((child) => stopRadar(child)));
      await target?.dispose();
      await fake?.close();
      await connection?.quit();
      await deletePrefix(prefix);
    });

    const worker = (extra: Record<string, string>) => {
      const child = startRadar(['-c', setup.configFile, 'worker', '--queues', 'daily'], {
        DATABASE_URL: target.url, REDIS_URL: TEST_REDIS_URL, RADAR_DATA_DIR: target.dataDir, LOG_LEVEL: 'info',
        SLACK_BOT_TOKEN: fake.token, SLACK_API_URL: fake.url, RADAR_TEST_LOCK_MS: '3000', RADAR_TEST_STALLED_MS: '1000', ...extra,
      }, { seams: true });
      children.push(child);
      return child;
    };

    it('is retried by another worker, and no alert is posted twice', async () => {
      const a = worker({ RADAR_TEST_STALL_AFTER_POSTS: '2' });
      await a.waitForOutput(/worker \d+: queues daily/);
      const queues = openQueues(queueSettings(TEST_REDIS_URL, setup.loaded.config));
      const { id } = await queues.enqueue('daily', { asOf: SAMPLE_END }, Date.parse(`${SAMPLE_END}T06:00:00Z`));
      await queues.close();

      await a.waitForOutput(/STALLING after post 2 \((risk:[^)]+)\)/);
      const interrupted = /STALLING after post 2 \((risk:[^)]+)\)/.exec(a.stdout())![1]!;
      const daily = new Queue('daily', { connection, prefix });
      expect(await daily.getJob(id).then((job) => job!.getState())).toBe('active');
      expect(fake.posts()).toHaveLength(2);
      const stuck = await target.db.selectFrom('alerts').select('status').where('dedup_key', '=', interrupted).executeTakeFirstOrThrow();
      expect(stuck.status).toBe('sending'); // posted, ts not recorded: the crash window

      a.process.kill('SIGKILL');
      expect(await a.exited).toBe('SIGKILL');

      const b = worker({});
      await waitFor(async () => (await daily.getJob(id))?.finishedOn !== undefined, 5 * startupBudgetMs(), 'the daily job to finish on worker B', () => b.stderr().slice(-3000));
      const job = (await daily.getJob(id))!;
      expect(await job.getState()).toBe('completed');
      expect(b.stderr()).toMatch(/"event":"job_stalled"/);
      await daily.close();
      expect(await stopRadar(b)).toBe(0);

      const posted = fake.messages.map((message) => message.metadata!.event_payload.dedup_key as string);
      // Messages posted on their own; the renewal calendar's milestones ride inside their CSM's 'calendar' digest.
      const sent = await target.db.selectFrom('alerts').select(['dedup_key', 'status', 'slack_ts']).where('status', 'in', ['sent', 'sending', 'pending', 'failed']).where('digest_alert_id', 'is', null).orderBy('dedup_key').execute();
      expect(sent.length).toBeGreaterThan(3);
      expect(sent.every((alert) => alert.status === 'sent' && alert.slack_ts)).toBe(true);
      expect(new Set(posted).size).toBe(posted.length);
      expect([...posted].sort()).toEqual(sent.map((alert) => alert.dedup_key));
      expect(posted.filter((key) => key === interrupted)).toHaveLength(1);
    }, 10 * startupBudgetMs());
  },
  { unavailable: postgresUnavailable },
);
