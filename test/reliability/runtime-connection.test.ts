// F4: a Postgres connection terminated with pg_terminate_backend (what a server restart, a failover or
// an idle-connection killer does) fails the current step with one readable typed error; the process
// lives on and the next step gets a fresh connection. Before the fix, a checked-out client's 'error'
// event had no listener: "Unhandled 'error' event" (57P01) killed the process.
// The worker case: `radar worker` (a child process) has its connections terminated in the middle of a
// job's Slack delivery; the job fails that attempt with the typed error, BullMQ retries it, the retry
// completes (the interrupted post found in Slack's history, not posted again) and the worker lives on.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAlerts } from '../../alerts/run.ts';
import { RadarError } from '../../pipelines/errors.ts';
import { openDatabase, type Database } from '../../sql/database.ts';
import { addAccount, addScore, DRIVERS, resetAlertTables, runOptions, testConfig } from '../alerts-fixtures.ts';
import { freshServerSchema, startRadar, stopRadar, waitFor, type RadarChild, type ServerSchema } from '../jobs-fixtures.ts';
import { IN_CI, postgresUnavailable, TEST_DATABASE_URL } from '../support/database.ts';
import { deletePrefix, describeWithRedis, TEST_REDIS_URL, uniquePrefix } from '../support/redis.ts';
import { startFakeSlack, type FakeSlack } from '../support/slack-api.ts';

/** A DATABASE_URL whose connections carry `application_name`, so a test can find and kill exactly them. */
export function taggedUrl(tag: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set('application_name', tag);
  return url.toString();
}

/** Terminates every server connection tagged `tag`; resolves with how many were killed. */
export async function terminateTagged(admin: pg.Client, tag: string): Promise<number> {
  const result = await admin.query<{ killed: boolean }>('SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()', [tag]);
  return result.rows.filter((row) => row.killed).length;
}

describe.skipIf(Boolean(postgresUnavailable) && !IN_CI)('a dropped Postgres connection', () => {
  const tag = `radar-f4-${randomBytes(4).toString('hex')}`;
  let db: Database;
  let admin: pg.Client;

  beforeAll(async () => {
    db = await openDatabase({ databaseUrl: taggedUrl(tag), poolSize: 2 });
    admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await db?.destroy();
  });

  it('between two queries on a checked-out connection: the next query fails with a typed one-line error, and the pool recovers', async () => {
    const failure = await db
      .connection()
      .execute(async (connection) => {
        await sql`SELECT 1`.execute(connection);
        expect(await terminateTagged(admin, tag)).toBeGreaterThanOrEqual(1);
        // Give the socket's close time to arrive: the client emits 'error' while nobody is querying it.
        await new Promise((resolve) => setTimeout(resolve, 300));
        await sql`SELECT 2`.execute(connection);
      })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RadarError);
    expect((failure as RadarError).code).toBe('database_unavailable');
    expect((failure as Error).message).toMatch(/^lost the connection to the Postgres server \(.+\); the step failed and can be retried$/);
    expect((failure as Error).message).not.toContain('\n');
    const after = await sql<{ n: number }>`SELECT 3 AS n`.execute(db);
    expect(after.rows).toEqual([{ n: 3 }]);
  });

  it('during a query: the query fails with SQLSTATE 57P01 named, and the pool recovers', async () => {
    const failure = await db
      .connection()
      .execute(async (connection) => {
        // Settled into a value at once: the rejection arrives while the test is still terminating.
        const running = sql`SELECT pg_sleep(5)`.execute(connection).then(() => undefined, (error: unknown) => error);
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(await terminateTagged(admin, tag)).toBeGreaterThanOrEqual(1);
        throw await running;
      })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RadarError);
    expect((failure as Error).message).toBe('lost the connection to the Postgres server (terminating connection due to administrator command, SQLSTATE 57P01); the step failed and can be retried');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const after = await sql<{ n: number }>`SELECT 4 AS n`.execute(db);
    expect(after.rows).toEqual([{ n: 4 }]);
  });
});

describeWithRedis(
  'a worker whose database connections are terminated mid-job',
  () => {
    const prefix = uniquePrefix('pgdrop');
    const tag = `radar-f4w-${randomBytes(4).toString('hex')}`;
    const CHANNEL = 'C0ALERTS';
    let target: ServerSchema;
    let fake: FakeSlack;
    let admin: pg.Client;
    let connection: Redis;
    let worker: RadarChild | undefined;
    let configFile = '';

    beforeAll(async () => {
      target = await freshServerSchema();
      fake = await startFakeSlack();
      fake.channels.add(CHANNEL);
      admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await admin.connect();
      connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
      // Two accounts alerted on 01-15 (dry run: tasks created); on 02-20 their tasks are weeks overdue.
      await resetAlertTables(target.db);
      for (const externalId of ['acme', 'globex']) {
        const account = await addAccount(target.db, { externalId, csmSlackId: 'UDANA' });
        await addScore(target.db, account, '2026-01-15', 0.6, 'high', [DRIVERS.usage, DRIVERS.payment]);
      }
      const routing = { holdoutShare: 0, defaultChannel: CHANNEL, delivery: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 2000 } };
      const loaded = testConfig(routing);
      expect((await runAlerts(target.db, runOptions(loaded, '2026-01-15', null))).delivery.dryRun).toBe(2);
      configFile = join(target.dataDir, 'radar.yaml');
      writeFileSync(configFile, JSON.stringify({ routing, schedules: { queuePrefix: prefix } }));
    });
    afterAll(async () => {
      if (worker) await stopRadar(worker);
      await admin?.end();
      await connection?.quit();
      await fake?.close();
      await target?.dispose();
      await deletePrefix(prefix);
    });

    it('fails that attempt with the typed error; BullMQ retries; the job completes; the worker stays alive; nothing is posted twice', async () => {
      const url = new URL(target.url);
      url.searchParams.set('application_name', tag);
      worker = startRadar(['-c', configFile, 'worker', '--queues', 'escalations'], {
        DATABASE_URL: url.toString(), REDIS_URL: TEST_REDIS_URL, RADAR_DATA_DIR: target.dataDir, LOG_LEVEL: 'info',
        SLACK_BOT_TOKEN: fake.token, SLACK_API_URL: fake.url, RADAR_TEST_PAUSE_AFTER_POST: '1:3000',
      }, { seams: true }); // the pause after a post is a seam of the test entry (test/jobs-radar.ts)
      await worker.waitForOutput(/worker \d+: queues escalations/, 120_000);
      const queue = new Queue('escalations', { connection, prefix });
      const started = Date.now();
      // The catalog's backoff (a minute) shortened for the test; the retry itself is BullMQ's.
      await queue.add('escalations', { asOf: '2026-02-20' }, { jobId: 'escalations/2026-02-20', attempts: 3, backoff: { type: 'fixed', delay: 500 } });

      await worker.waitForOutput(/PAUSED after post 1/, 120_000);
      expect(await terminateTagged(admin, tag)).toBeGreaterThanOrEqual(1);

      await waitFor(async () => (await queue.getJob('escalations/2026-02-20'))?.finishedOn !== undefined, 90_000, 'the escalations job to finish', () => worker!.stderr().slice(-3000));
      const job = (await queue.getJob('escalations/2026-02-20'))!;
      expect(await job.getState()).toBe('completed');
      expect(job.attemptsMade).toBe(2);
      await queue.close();
      const failedAttempt = worker.stderr().split('\n').find((line) => line.includes('"event":"job_failed"'));
      expect(failedAttempt).toContain('lost the connection to the Postgres server');
      expect(worker.stderr()).not.toContain("Unhandled 'error' event");
      expect(worker.process.exitCode).toBeNull(); // still running

      const escalations = await target.db.selectFrom('alerts').select(['dedup_key', 'status']).where('kind', '=', 'escalation').orderBy('dedup_key').execute();
      const posted = fake.messages.map((message) => message.metadata!.event_payload.dedup_key as string);
      expect(escalations.length).toBeGreaterThanOrEqual(2);
      expect(escalations.every((alert) => alert.status === 'sent')).toBe(true);
      expect([...posted].sort()).toEqual(escalations.map((alert) => alert.dedup_key));
      console.log(`[reliability] connection terminated mid-job: 1 failed attempt, retried and completed in ${((Date.now() - started) / 1000).toFixed(1)} s; ${posted.length} escalations posted, 0 duplicates; worker alive`);
      expect(await stopRadar(worker)).toBe(0);
      worker = undefined;
    }, 300_000);
  },
  { unavailable: postgresUnavailable },
);
