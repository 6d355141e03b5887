// Benchmark of the daily run on Postgres + Redis: npx tsx test/bench/daily.ts [--accounts 10000] [--shards 4]
// A sample company (2 years) is generated once, a model trained once; then for 1, 2 and 4 workers (child
// processes running `radar worker`) a fresh schema gets the BullMQ daily job for the sample's last day,
// ingesting everything from the files. Prints wall time per stage (from the job's result), the
// enqueue → completed wall time, and the in-process `runDaily` for reference.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { runDaily } from '../../pipelines/jobs/daily.ts';
import { openQueues, queueSettings } from '../../pipelines/jobs/queues.ts';
import { silentLogger } from '../../pipelines/log.ts';
import { freshServerSchema, installModel, SAMPLE_END, sampleSetup, startRadar, stopRadar, trainOnce, waitFor, type RadarChild } from '../jobs-fixtures.ts';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../support/redis.ts';
import { printTable, timed } from './support.ts';

const argument = (name: string, fallback: number) => {
  const index = process.argv.indexOf(name);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
};
const accounts = argument('--accounts', 10_000);
// The day is split into this many account shards (jobs.shards), so up to that many workers share it.
const shards = argument('--shards', 4);
const prefix = uniquePrefix('bench');
const STEPS = ['ingest', 'indicators', 'score', 'alerts', 'escalations'] as const;

const made = await timed(() => sampleSetup({ accounts, seed: 20251121, prefix, extra: { jobs: { shards } } }));
const setup = made.value;
console.log(`sample: ${accounts} accounts × 2 years in ${made.seconds.toFixed(1)} s (${setup.dir}; files exist: ${existsSync(join(setup.dir, 'sample'))})`);
const trained = await timed(() => trainOnce(setup));
const model = trained.value;
console.log(`model ${model.version}: ingest + train in a scratch schema ${trained.seconds.toFixed(1)} s`);

type Row = Record<string, string | number>;
const rows: Row[] = [];
const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });

async function viaWorkers(workers: number): Promise<void> {
  const target = await freshServerSchema();
  await installModel(target.db, model);
  const env = { DATABASE_URL: target.url, REDIS_URL: TEST_REDIS_URL, RADAR_DATA_DIR: target.dataDir, LOG_LEVEL: 'warn' };
  const children: RadarChild[] = [];
  try {
    for (let i = 0; i < workers; i += 1) children.push(startRadar(['-c', setup.configFile, 'worker'], env));
    await Promise.all(children.map((child) => child.waitForOutput(/worker \d+: queues/)));
    const queues = openQueues(queueSettings(TEST_REDIS_URL, setup.loaded.config));
    const started = performance.now();
    const { id } = await queues.enqueue('daily', { asOf: SAMPLE_END }, Date.parse(`${SAMPLE_END}T06:00:00Z`));
    await queues.close();
    const daily = new Queue('daily', { connection, prefix });
    await waitFor(async () => (await daily.getJob(id))?.finishedOn !== undefined, 30 * 60_000, 'the daily job', () => children.map((c) => c.stderr().slice(-2000)).join('\n'));
    const wall = (performance.now() - started) / 1000;
    const job = (await daily.getJob(id))!;
    if ((await job.getState()) !== 'completed') throw new Error(`daily job failed: ${job.failedReason}`);
    const steps = (job.returnvalue as { steps: Array<{ step: string; ms: number }> }).steps;
    rows.push({ run: `BullMQ, ${workers} worker${workers > 1 ? 's' : ''}, ${shards} shards`, ...Object.fromEntries(steps.map((s) => [s.step, (s.ms / 1000).toFixed(1)])), 'enqueue→done s': wall.toFixed(1), ...scoreShare(steps) });
    await daily.obliterate({ force: true });
    await daily.close();
  } finally {
    await Promise.all(children.map((child) => stopRadar(child)));
    await target.dispose();
  }
}

/** Scoring time over the indicator step's for the same accounts (target ≤ 20%), and indicator rows/s. */
function scoreShare(steps: ReadonlyArray<{ step: string; ms: number; result?: unknown }>): Row {
  const ms = (name: string) => steps.find((s) => s.step === name)?.ms ?? 0;
  const written = (steps.find((s) => s.step === 'indicators')?.result as { accounts?: number } | undefined)?.accounts ?? 0;
  return { 'score/indicators': `${((100 * ms('score')) / Math.max(1, ms('indicators'))).toFixed(0)}%`, 'accounts/s (ind+score)': (written / Math.max(0.001, (ms('indicators') + ms('score')) / 1000)).toFixed(0) };
}

async function inProcess(): Promise<void> {
  const target = await freshServerSchema();
  await installModel(target.db, model);
  try {
    const result = await timed(() =>
      runDaily({ db: target.db, loaded: setup.loaded, logger: silentLogger, slack: null, outboxDir: join(target.dataDir, 'outbox'), print: () => undefined, now: () => new Date() }, SAMPLE_END),
    );
    rows.push({ run: `radar run (in-process), ${shards} shards`, ...Object.fromEntries(result.value.steps.map((s) => [s.step, (s.ms / 1000).toFixed(1)])), 'enqueue→done s': result.seconds.toFixed(1), ...scoreShare(result.value.steps) });
  } finally {
    await target.dispose();
  }
}

try {
  await inProcess();
  for (const workers of [1, 2, 4]) await viaWorkers(workers);
} finally {
  await connection.quit();
  await deletePrefix(prefix);
}
console.log(`\ndaily run as of ${SAMPLE_END}, ${accounts} accounts, Postgres + Redis (stage times in seconds, from each job's result)`);
printTable(rows.map((row) => ({ run: row.run!, ...Object.fromEntries(STEPS.map((step) => [step, row[step] ?? '-'])), 'total s': row['enqueue→done s']!, 'score/indicators': row['score/indicators']!, 'accounts/s (ind+score)': row['accounts/s (ind+score)']! })));
