// `radar schedule` / `worker` / `status` against the real Redis, as child processes under a prefix of
// this file's own: schedulers registered once however often `radar schedule` runs, never removed by a
// worker stopping; bad payloads and unavailable jobs fail at once, without retry, with their reason.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SAMPLE_END, runRadarJob, startRadar, stopRadar, tempDir, waitFor } from './jobs-fixtures.ts';
import { startupBudgetMs } from './support/budget.ts';
import { deletePrefix, describeWithRedis, TEST_REDIS_URL, uniquePrefix } from './support/redis.ts';

const prefix = uniquePrefix('schedule');

describeWithRedis('radar schedule, worker and status on Redis', () => {
  const dir = tempDir('schedule');
  const configFile = join(dir, 'radar.yaml');
  const writeConfig = (withSourceSchedule: boolean) =>
    writeFileSync(
      configFile,
      JSON.stringify({
        sources: { billing: { kind: 'file', entity: 'invoices', path: 'none/*.csv', ...(withSourceSchedule ? { schedule: '*/30 * * * *' } : {}) } },
        schedules: { queuePrefix: prefix, timezone: 'Europe/Paris' },
      }),
    );
  const env = () => ({ REDIS_URL: TEST_REDIS_URL, RADAR_DATA_DIR: dir, LOG_LEVEL: 'warn' });
  let connection: Redis;
  const queue = (name: string) => new Queue(name, { connection, prefix });

  beforeAll(() => {
    writeConfig(true);
    connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  });
  afterAll(async () => {
    await deletePrefix(prefix);
    await connection.quit();
  });

  async function schedulers(): Promise<Array<[string, string | undefined, string | undefined]>> {
    const all: Array<[string, string | undefined, string | undefined]> = [];
    for (const name of ['ingest', 'daily', 'escalations', 'weekly-report']) {
      const q = queue(name);
      for (const s of await q.getJobSchedulers()) all.push([s.id ?? s.key, s.pattern, s.tz]);
      await q.close();
    }
    return all.sort();
  }

  async function delayed(): Promise<number> {
    let total = 0;
    for (const name of ['ingest', 'daily', 'escalations', 'weekly-report']) {
      const q = queue(name);
      total += (await q.getJobCounts('delayed')).delayed ?? 0;
      await q.close();
    }
    return total;
  }

  const expected = [
    ['daily', '0 6 * * *', 'Europe/Paris'],
    ['escalations', '0 */4 * * *', 'Europe/Paris'],
    ['ingest/billing', '*/30 * * * *', 'Europe/Paris'],
    ['weekly-report', '0 7 * * 1', 'Europe/Paris'],
  ];

  it('registers each scheduler once, however often it runs (also twice at the same time)', async () => {
    const first = await runRadarJob(['-c', configFile, 'schedule'], env());
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/4 schedulers registered under prefix "radar-t-schedule-/);
    const [second, third] = await Promise.all([runRadarJob(['-c', configFile, 'schedule'], env()), runRadarJob(['-c', configFile, 'schedule'], env())]);
    expect([second.code, third.code]).toEqual([0, 0]);
    expect(await schedulers()).toEqual(expected);
    // One pending tick per scheduler, not one per `radar schedule`.
    expect(await delayed()).toBe(4);
  }, 4 * startupBudgetMs());

  it('keeps the schedulers when a worker stops, fails bad payloads without retry, and writes the weekly report', async () => {
    const worker = startRadar(['-c', configFile, 'worker', '--queues', 'daily,weekly-report'], env());
    await worker.waitForOutput(/worker \d+: queues daily, weekly-report/);
    const daily = queue('daily');
    const report = queue('weekly-report');
    const bad = await daily.add('daily', { asOf: 'yesterday' }, { jobId: 'daily/bad', attempts: 3, backoff: { type: 'exponential', delay: 100 } });
    const weekly = await report.add('weekly-report', { week: '2026-W26' }, { jobId: 'weekly-report/2026-W26', attempts: 3, backoff: { type: 'exponential', delay: 100 } });
    await waitFor(async () => (await bad.getState()) === 'failed' && (await weekly.getState()) === 'completed', 3 * startupBudgetMs(), 'the bad job to fail and the report to complete', () => worker.stderr());
    const failedBad = await daily.getJob(bad.id!);
    expect(failedBad!.attemptsMade).toBe(1);
    expect(failedBad!.failedReason).toMatch(/bad payload for job daily: asOf: must be a calendar day as YYYY-MM-DD/);
    const written = await report.getJob(weekly.id!);
    expect(written!.returnvalue).toMatchObject({ week: '2026-W26', file: expect.stringMatching(/weekly-2026-W26\.html$/), summary: { queued: 1 } });
    await Promise.all([daily.close(), report.close()]);

    expect(await stopRadar(worker)).toBe(0);
    expect(worker.stdout()).toMatch(/SIGTERM: finishing active jobs…\nworker stopped/);
    expect(await schedulers()).toEqual(expected);

    const status = await runRadarJob(['-c', configFile, 'status'], env());
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/daily +0 6 \* \* \* +Europe\/Paris +next 20\d\d-/);
    expect(status.stdout).toMatch(/weekly-report +waiting 0, active 0, delayed 1, failed 0/);
    expect(status.stdout).toMatch(/job daily\/bad at .* after 1 attempt\(s\): bad payload for job daily/);
    const json = await runRadarJob(['-c', configFile, '--json', 'status'], env());
    const parsed = JSON.parse(json.stdout) as { schedules: unknown[]; queues: Array<{ job: string; lastRun?: { state: string } }> };
    expect(parsed.schedules).toHaveLength(4);
    expect(parsed.queues.find((q) => q.job === 'daily')?.lastRun?.state).toBe('failed');
  }, 6 * startupBudgetMs());

  it('enqueues a day once: a second `radar run --queue` for the same day is a no-op', async () => {
    const first = await runRadarJob(['-c', configFile, 'run', '--queue', '--as-of', SAMPLE_END], env());
    const second = await runRadarJob(['-c', configFile, 'run', '--queue', '--as-of', SAMPLE_END], env());
    expect(first.stdout).toBe(`enqueued daily/${SAMPLE_END}\n`);
    expect(second.stdout).toMatch(/daily\/2026-06-30 is already queued or done/);
    const daily = queue('daily');
    expect((await daily.getJobCounts('waiting')).waiting).toBe(1);
    await daily.obliterate({ force: true });
    await daily.close();
  }, 4 * startupBudgetMs());

  it('removes a scheduler the config no longer asks for', async () => {
    writeConfig(false);
    const result = await runRadarJob(['-c', configFile, 'schedule'], env());
    expect(result.stdout).toMatch(/removed ingest\/billing \(no longer in the config\)/);
    expect((await schedulers()).map(([id]) => id)).toEqual(['daily', 'escalations', 'weekly-report']);
  }, 4 * startupBudgetMs());

  it('says clearly that REDIS_URL is missing', async () => {
    const commands = [['schedule'], ['worker'], ['status'], ['run', '--queue']];
    const results = await Promise.all(commands.map((command) => runRadarJob(['-c', configFile, ...command], { RADAR_DATA_DIR: dir })));
    for (const result of results) {
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/REDIS_URL is not set: scheduling, workers and queue status need Redis .* `radar run` runs the daily flow in-process/);
    }
  }, 4 * startupBudgetMs());
});
