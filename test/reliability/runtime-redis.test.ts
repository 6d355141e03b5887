// F10: Redis lost. A PRIVATE redis-server (random high port, no persistence; never the shared 6379) is
// killed with SIGKILL under a running `radar worker` and restarted empty: the worker reconnects and
// re-creates every job scheduler the config asks for, with the same next tick — so a day already run
// is not run again and no job fires early — and keeps running. `radar status` with Redis down says
// "Redis unreachable at <url without credentials>" and exits 1 (it ended in an unhandled rejection).
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.ts';
import { openQueues, queueSettings } from '../../pipelines/jobs/queues.ts';
import { listSchedules, upsertSchedules, type SchedulerState } from '../../pipelines/jobs/schedule.ts';
import { freshServerSchema, runRadarJob, startRadar, stopRadar, waitFor, type RadarChild, type ServerSchema } from '../jobs-fixtures.ts';
import { postgresUnavailable } from '../support/database.ts';
import { describeWithRedis, uniquePrefix } from '../support/redis.ts';

interface PrivateRedis {
  readonly process: ChildProcess;
  readonly exited: Promise<unknown>;
}

/** redis-server on `port`, without persistence: a restart comes back empty. */
async function startPrivateRedis(port: number): Promise<PrivateRedis> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await waitFor(() => out.includes('Ready to accept connections') || child.exitCode !== null, 20_000, `redis-server on port ${port}`, () => out);
  if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited: ${out}`);
  return { process: child, exited };
}

async function killRedis(redis: PrivateRedis): Promise<void> {
  redis.process.kill('SIGKILL');
  await redis.exited;
}

const nexts = (states: SchedulerState[]) => Object.fromEntries(states.map((s) => [s.schedulerId, s.next])) as Record<string, number | undefined>;

describeWithRedis(
  'Redis killed and restarted empty under a worker',
  () => {
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    const url = `redis://127.0.0.1:${port}`;
    const prefix = uniquePrefix('redis-loss');
    let redis: PrivateRedis | undefined;
    let target: ServerSchema;
    let worker: RadarChild | undefined;
    let configFile = '';

    beforeAll(async () => {
      redis = await startPrivateRedis(port);
      target = await freshServerSchema();
      configFile = join(target.dataDir, 'radar.yaml');
      writeFileSync(configFile, JSON.stringify({ schedules: { queuePrefix: prefix, daily: '0 6 * * *', escalations: '0 */4 * * *', weeklyReport: '0 7 * * 1' } }));
    });
    afterAll(async () => {
      if (worker) await stopRadar(worker);
      if (redis && redis.process.exitCode === null && redis.process.signalCode === null) await killRedis(redis);
      await target?.dispose();
    });

    it('the worker re-creates every scheduler with its next tick unchanged, runs nothing twice, and stays alive', async () => {
      const config = loadConfig(configFile).config;
      const settings = queueSettings(url, config);
      const queues = openQueues(settings);
      const scheduled = await upsertSchedules(queues, config); // `radar schedule`
      await queues.close();
      expect(scheduled.upserted.map((s) => s.schedulerId).sort()).toEqual(['daily', 'escalations', 'weekly-report']);

      worker = startRadar(['-c', configFile, 'worker'], { DATABASE_URL: target.url, REDIS_URL: url, RADAR_DATA_DIR: target.dataDir, LOG_LEVEL: 'info' });
      await worker.waitForOutput(/worker \d+: queues/, 120_000);

      await killRedis(redis!);
      redis = await startPrivateRedis(port);
      const restarted = Date.now();
      await worker.waitForOutput(/"event":"schedules_restored","reason":"reconnect","restored":\["daily","escalations","weekly-report"\]/, 60_000);
      const restoredAfterMs = Date.now() - restarted;

      const after = openQueues(settings);
      try {
        const states = await listSchedules(after);
        expect(nexts(states)).toEqual(nexts(scheduled.upserted));
        expect(states.every((s) => (s.next ?? 0) > Date.now())).toBe(true);
        // The only daily job is the scheduler's next tick, delayed until then: nothing ran or waits to run now.
        const counts = await after.queues.daily.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
        expect(counts).toEqual({ waiting: 0, paused: 0, active: 0, delayed: 1, completed: 0, failed: 0 });
        // A day asked for twice is one job (deterministic id), also on the fresh Redis.
        const first = await after.enqueue('daily', { asOf: '2026-06-30' }, Date.now());
        const second = await after.enqueue('daily', { asOf: '2026-06-30' }, Date.now());
        expect([first, second]).toEqual([{ id: 'daily/2026-06-30', added: true }, { id: 'daily/2026-06-30', added: false }]);
        await after.queues.daily.remove('daily/2026-06-30');
      } finally {
        await after.close();
      }
      expect(worker.process.exitCode).toBeNull();
      expect(worker.stderr()).not.toMatch(/unhandled/i);
      console.log(`[reliability] Redis SIGKILLed and restarted empty: 3 of 3 schedulers re-created ${(restoredAfterMs / 1000).toFixed(1)} s after the restart, next ticks unchanged, 0 extra runs; worker alive`);
      expect(await stopRadar(worker)).toBe(0);
      worker = undefined;
    }, 300_000);

    it('radar status with Redis down says "Redis unreachable at …" without credentials and exits 1', async () => {
      await killRedis(redis!);
      const run = await runRadarJob(['-c', configFile, 'status'], { DATABASE_URL: target.url, REDIS_URL: `redis://radar:s3cret-pw@127.0.0.1:${port}/0`, RADAR_DATA_DIR: target.dataDir });
      expect(run.code).toBe(1);
      // The person's line first; without a terminal the structured log lines follow it (JSON, for machines).
      const [human, ...logs] = run.stderr.trim().split('\n');
      expect(human).toBe(`radar: Redis unreachable at redis://127.0.0.1:${port}/0 (connect ECONNREFUSED 127.0.0.1:${port})`);
      for (const line of logs) expect(() => JSON.parse(line) as unknown, line).not.toThrow();
      expect(run.stderr + run.stdout).not.toContain('s3cret-pw');
    }, 90_000);
  },
  { unavailable: postgresUnavailable },
);
