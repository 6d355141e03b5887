// Steady-state benchmark of the daily run on Postgres + Redis: npm run bench:daily
//   BENCH_ACCOUNTS (default 100000)   accounts in the sample company
//   BENCH_HISTORY_DAYS (default 150)  days of usage history before the as-of day
//   BENCH_SHARDS (default 4)          jobs.shards: account shards per day
//   BENCH_WORKERS (default 1,2,4)     BullMQ runs, by number of `radar worker` processes ("" = in-process only)
//   BENCH_INPROCESS=0 skips the in-process run; BENCH_DB_PREFIX (default radar_bench); BENCH_REBUILD=1 rebuilds the cache
//   database (the split files and model are kept), BENCH_REBUILD=full everything
// An existing database (history up to D − 1, a promoted model, yesterday's daily run; built once per size
// and cached, see daily-cache.ts) is copied for each run, then one new day of data per source is ingested
// and the daily run of D executed: in-process (`runDaily`, as `radar run`), then on BullMQ with 1, 2 and 4
// workers. Prints seconds per daily step (every one of DAILY_STEPS, the partition maintenance apart, their sum
// and the rest of the wall time) and rows/s per stage, and scoring time over the indicator step's for the same
// accounts (target ≤ 20%). The physical reference measured in the same run: a bare sequential scan of the
// window of usage the indicators read.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { sql } from 'kysely';
import { Redis } from 'ioredis';
import { runDaily, type StepRecord } from '../../pipelines/jobs/daily.ts';
import { DAILY_STEPS, type DailyStep } from '../../pipelines/jobs/deps.ts';
import { openQueues, queueSettings } from '../../pipelines/jobs/queues.ts';
import { silentLogger } from '../../pipelines/log.ts';
import { openDatabase } from '../../sql/database.ts';
import { SAMPLE_END, startRadar, stopRadar, waitFor, type RadarChild } from '../jobs-fixtures.ts';
import { deletePrefix, TEST_REDIS_URL } from '../support/redis.ts';
import { benchCache, copyDatabase } from './daily-cache.ts';
import { printTable, timed } from './support.ts';

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const accounts = Number(env('BENCH_ACCOUNTS', '100000'));
const historyDays = Number(env('BENCH_HISTORY_DAYS', '150'));
const shards = Number(env('BENCH_SHARDS', '4'));
const workerCounts = env('BENCH_WORKERS', '1,2,4').split(',').filter(Boolean).map(Number);
const dbPrefix = env('BENCH_DB_PREFIX', 'radar_bench');
if (!/^[a-z][a-z0-9_]*$/.test(dbPrefix)) throw new Error(`BENCH_DB_PREFIX must be lower-case letters, digits and _ (got ${dbPrefix})`);

const cache = await benchCache({ accounts, historyDays, seed: 20251121, dbPrefix }, shards, { rebuild: process.env.BENCH_REBUILD === 'full' ? 'full' : process.env.BENCH_REBUILD === '1' });
const prefix = cache.dayConfig.config.schedules.queuePrefix;

type Row = Record<string, string>;
const rows: Row[] = [];
/** Each run's row is printed when it is done (a long bench that is stopped keeps what it measured). */
const record = (row: Row) => {
  rows.push(row);
  console.log(`${row.run}: ${JSON.stringify(row)}`);
};
const runName = () => `${dbPrefix}_daily_run_${randomBytes(3).toString('hex')}`;
const s = (ms: number) => (ms / 1000).toFixed(1);
const perS = (count: number, ms: number) => (ms > 0 ? Math.round((count * 1000) / ms).toLocaleString('en-US') : '-');

/** Short column names of the daily steps (every one of DAILY_STEPS is printed, so the row adds up to the total). */
const STEP_COLUMNS: { readonly [S in DailyStep]: string } = {
  ingest: 'ingest s',
  indicators: 'indicators s',
  score: 'score s',
  outcomes: 'outc s',
  alerts: 'alerts s',
  escalations: 'esc s',
  calendar: 'cal s',
  forecast: 'fc s',
  webhooks: 'hooks s',
};

/** Stage seconds (every step, the ingest step's partition maintenance apart), rows/s and the score/indicators ratio of one run's step records. */
function describe(run: string, steps: readonly StepRecord[], wallMs: number, scanMs: number): Row {
  const step = <S extends StepRecord['step']>(name: S) => steps.find((r) => r.step === name) as StepRecord<S> | undefined;
  const ingest = step('ingest');
  const indicators = step('indicators');
  const score = step('score');
  const stepsMs = steps.reduce((sum, r) => sum + r.ms, 0);
  const seconds = Object.fromEntries(DAILY_STEPS.map((name) => {
    const found = step(name);
    return [STEP_COLUMNS[name], found ? s(found.ms) : '-'];
  }));
  return {
    run,
    'part s': ingest ? s(ingest.result.partitionsMs) : '-',
    ...seconds,
    'rows/s': ingest ? perS(ingest.result.rowsRead, ingest.ms) : '-',
    'values/s': indicators ? perS(indicators.result.written, indicators.ms) : '-',
    'scores/s': score ? perS(score.result.written, score.ms) : '-',
    'steps s': s(stepsMs),
    // In-process: the day's account scope, read once for the shards; on BullMQ: enqueueing and waiting.
    'other s': s(Math.max(0, wallMs - stepsMs)),
    'total s': s(wallMs),
    'score/ind': indicators && score ? `${Math.round((100 * score.ms) / Math.max(1, indicators.ms))}%` : '-',
    'ind/scan': indicators ? `${(indicators.ms / Math.max(1, scanMs)).toFixed(1)}×` : '-',
    // The machine is shared: the 1-minute load average when the run ended, to read each figure against.
    load: loadavg()[0]!.toFixed(1),
  };
}

/** The physical reference: one sequential pass over the usage rows of the indicators' window (90 days). */
async function bareScanMs(url: string): Promise<number> {
  const db = await openDatabase({ databaseUrl: url, poolSize: 1 });
  try {
    const started = performance.now();
    await sql`SELECT count(*), sum(active_users) FROM usage_daily WHERE day > ${SAMPLE_END}::date - 90`.execute(db);
    return performance.now() - started;
  } finally {
    await db.destroy();
  }
}

async function inProcess(): Promise<void> {
  const copy = await copyDatabase(cache.templateDb, runName());
  const dataDir = mkdtempSync(join(tmpdir(), 'radar-bench-'));
  const db = await openDatabase({ databaseUrl: copy.url, poolSize: 4 });
  try {
    const scanMs = await bareScanMs(copy.url);
    const deps = { db, loaded: cache.dayConfig, logger: silentLogger, slack: null, outboxDir: join(dataDir, 'outbox'), print: () => undefined, now: () => new Date() };
    const result = await timed(() => runDaily(deps, SAMPLE_END));
    record(describe(`in-process (radar run), ${shards} shards`, result.value.steps, result.seconds * 1000, scanMs));
    const counts = Object.fromEntries(result.value.steps.map((r) => [r.step, r.result]));
    console.log(`in-process: ${JSON.stringify({ ...counts, score: { ...(counts.score as object), warnings: undefined } })}`);
  } finally {
    await db.destroy();
    await copy.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function viaWorkers(workers: number, connection: Redis): Promise<void> {
  const copy = await copyDatabase(cache.templateDb, runName());
  const dataDir = mkdtempSync(join(tmpdir(), 'radar-bench-'));
  const childEnv = { DATABASE_URL: copy.url, REDIS_URL: TEST_REDIS_URL, RADAR_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  const children: RadarChild[] = [];
  try {
    const scanMs = await bareScanMs(copy.url);
    for (let i = 0; i < workers; i += 1) children.push(startRadar(['-c', cache.dayConfigFile, 'worker'], childEnv));
    await Promise.all(children.map((child) => child.waitForOutput(/worker \d+: queues/)));
    const queues = openQueues(queueSettings(TEST_REDIS_URL, cache.dayConfig.config));
    const started = performance.now();
    const { id } = await queues.enqueue('daily', { asOf: SAMPLE_END }, Date.parse(`${SAMPLE_END}T06:00:00Z`));
    await queues.close();
    const daily = new Queue('daily', { connection, prefix });
    try {
      await waitFor(async () => (await daily.getJob(id))?.finishedOn !== undefined, 30 * 60_000, 'the daily job', () => children.map((c) => c.stderr().slice(-2000)).join('\n'));
      const wallMs = performance.now() - started;
      const job = (await daily.getJob(id))!;
      if ((await job.getState()) !== 'completed') throw new Error(`daily job failed: ${job.failedReason}`);
      const steps = (job.returnvalue as { steps: StepRecord[] }).steps;
      record(describe(`BullMQ, ${workers} worker${workers > 1 ? 's' : ''}, ${shards} shards`, steps, wallMs, scanMs));
      await daily.obliterate({ force: true });
    } finally {
      await daily.close();
    }
  } finally {
    await Promise.all(children.map((child) => stopRadar(child)));
    // Every queue's keys, the shard children's too: their ids are deterministic (daily/D/shard-i-of-n), so a
    // next run under the same prefix would find them completed and skip its shards.
    await deletePrefix(prefix);
    await copy.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
try {
  if (process.env.BENCH_INPROCESS !== '0') await inProcess();
  for (const workers of workerCounts) {
    // A failed run (e.g. a job that stalled) is reported in the table; the other runs still go on.
    await viaWorkers(workers, connection).catch((error: unknown) => record({ run: `BullMQ, ${workers} worker${workers > 1 ? 's' : ''}: FAILED ${(error as Error).message.slice(0, 120)}`, load: loadavg()[0]!.toFixed(1) }));
  }
} finally {
  await connection.quit();
  await deletePrefix(prefix);
}
console.log(`\nsteady-state daily run as of ${SAMPLE_END}: ${accounts.toLocaleString('en-US')} accounts, ${historyDays} days of usage history, one new day per source; Postgres + Redis`);
console.log('(stage seconds, every daily step; part s: partition maintenance, part of ingest s; steps s: their sum; other s: total − steps (in-process the account scope of the shards); on BullMQ indicators and score are summed over shards, total is enqueue → done; ind/scan: indicator step over a bare scan of 90 days of usage)');
const columns = Object.keys(rows.reduce((widest, row) => (Object.keys(row).length > Object.keys(widest).length ? row : widest), {}));
printTable(rows.map((row) => Object.fromEntries(columns.map((column) => [column, row[column] ?? '-']))));
