// The steady-state database of `npm run bench:daily`, built once per size and reused between runs.
//
// A sample company (1 year, no signal files) is generated, then split by date into
//   history/  every row before the as-of day D, usage trimmed to the last `historyDays` days;
//   day/      one new day per source: usage of D, tickets opened or closed on D, invoices issued, due
//             or paid on D, renewals due or decided on D, market events of D, accounts whose contract
//             starts or renews on D.
// history/ is ingested into a database of its own with a model trained on a small two-year sample of
// the same generator; each bench run then copies that database (CREATE DATABASE … TEMPLATE) and runs the
// daily run of D on day/. Everything is keyed by size, so a re-run skips the build.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import pg from 'pg';
import { loadConfig, type LoadedConfig } from '../../config/load.ts';
import { ingestConfigured } from '../../pipelines/ingest/run.ts';
import { runDaily } from '../../pipelines/jobs/daily.ts';
import { sampleFormatSources } from '../../pipelines/ingest/sample-format.ts';
import { silentLogger } from '../../pipelines/log.ts';
import { writeSampleCompany } from '../../pipelines/sample/generate.ts';
import { openDatabase, runScript } from '../../sql/database.ts';
import { migrate } from '../../sql/migrate.ts';
import type { NewModelRow } from '../../sql/models.ts';
import { installModel, sampleSetup, SAMPLE_END, trainOnce } from '../jobs-fixtures.ts';
import { timed } from './support.ts';

export interface BenchSize {
  readonly accounts: number;
  readonly historyDays: number;
  readonly seed: number;
  /** Prefix of the cached and per-run database names (lower case, digits, underscores). */
  readonly dbPrefix: string;
}

export interface BenchCache {
  readonly dir: string;
  /** The database holding history up to D − 1 and the promoted model: the template of each run. */
  readonly templateDb: string;
  /** Config whose sources read day/ (the day's new files). */
  readonly dayConfig: LoadedConfig;
  readonly dayConfigFile: string;
  readonly build: { readonly seconds: Record<string, number>; readonly rows: Record<string, number> } | undefined;
}

const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export function databaseUrl(name: string): string {
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** A copy of the template database for one run; `drop()` removes it. */
export async function copyDatabase(template: string, name: string): Promise<{ url: string; drop(): Promise<void> }> {
  await admin(async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
    await client.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)}`);
  });
  return { url: databaseUrl(name), drop: () => admin(async (client) => void (await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`))) };
}

const dayBefore = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);

/** Which file goes where: `isNew` picks the day's lines, `inHistory` the lines loaded before D. */
function splitRules(day: string, historyFrom: string): Record<string, { isNew(line: string): boolean; inHistory(line: string): boolean }> {
  const onDay = (line: string) => line.includes(`,${day},`) || line.includes(`,${day}T`);
  const usageDay = (line: string) => line.slice(line.indexOf(',') + 1, line.indexOf(',') + 11);
  return {
    'usage_daily.csv.gz': { isNew: (l) => usageDay(l) === day, inHistory: (l) => usageDay(l) >= historyFrom && usageDay(l) < day },
    'accounts.csv': { isNew: onDay, inHistory: () => true },
    'invoices.csv': { isNew: onDay, inHistory: (l) => l.split(',', 3)[2] !== day },
    'renewals.csv': { isNew: onDay, inHistory: (l) => !l.includes(`,${day}T`) },
    'market_events.csv': { isNew: (l) => l.startsWith(`${day},`), inHistory: (l) => !l.startsWith(`${day},`) },
    'support_contacts.ndjson': {
      isNew: (l) => l.includes(`"opened_at":"${day}T`) || l.includes(`"closed_at":"${day}T`),
      inHistory: (l) => !l.includes(`"opened_at":"${day}T`),
    },
  };
}

async function write(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

/** Splits one sample file into history/ and day/ (headers kept; .gz read, written plain). Returns line counts. */
async function splitFile(sampleDir: string, file: string, rule: ReturnType<typeof splitRules>[string], dir: string): Promise<{ history: number; day: number }> {
  const plain = file.replace(/\.gz$/, '');
  const input = createReadStream(join(sampleDir, file));
  const lines = createInterface({ input: file.endsWith('.gz') ? input.pipe(createGunzip()) : input, crlfDelay: Infinity });
  const history = createWriteStream(join(dir, 'history', plain));
  const day = createWriteStream(join(dir, 'day', plain));
  const counts = { history: 0, day: 0 };
  let first = !file.endsWith('.ndjson');
  for await (const line of lines) {
    if (first) {
      first = false;
      await write(history, `${line}\n`);
      await write(day, `${line}\n`);
      continue;
    }
    if (line === '') continue;
    if (rule.isNew(line)) {
      counts.day += 1;
      await write(day, `${line}\n`);
    }
    if (rule.inHistory(line) && !(rule.isNew(line) && file.startsWith('usage'))) {
      counts.history += 1;
      await write(history, `${line}\n`);
    }
  }
  history.end();
  day.end();
  await Promise.all([once(history, 'finish'), once(day, 'finish')]);
  return counts;
}

function writeConfig(dir: string, folder: string, dbPrefix: string, shards: number): string {
  const sources = Object.fromEntries(
    sampleFormatSources()
      .filter(({ source }) => source.entity !== 'usage_events' && source.entity !== 'account_signals')
      .map(({ name, source }) => [name, { ...source, path: `${folder}/${source.path}` }]),
  );
  const config = {
    sources,
    routing: { holdoutShare: 0.1, weeklyBudgetPerCsm: 50, delivery: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 2000 } },
    schedules: { queuePrefix: `${dbPrefix}-bench-${randomBytes(3).toString('hex')}` },
    jobs: { shards },
  };
  const file = join(dir, `radar-${folder}.yaml`);
  writeFileSync(file, JSON.stringify(config, null, 2)); // JSON is YAML
  return file;
}

/** The cached steady-state database for `size`, built when missing (or when `rebuild`). */
export async function benchCache(size: BenchSize, shards: number, options: { rebuild?: boolean | 'full'; log?: (line: string) => void } = {}): Promise<BenchCache> {
  const log = options.log ?? console.log;
  const key = `a${size.accounts}-h${size.historyDays}-s${size.seed}`;
  const dir = join(tmpdir(), 'radar-bench-daily', key);
  const templateDb = `${size.dbPrefix}_daily_${key.replaceAll('-', '_')}`;
  const marker = join(dir, 'built.json');
  const exists = await admin(async (client) => (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [templateDb])).rowCount === 1);
  let build: BenchCache['build'];
  if (options.rebuild || !existsSync(marker) || !exists) {
    build = await buildCache(size, dir, templateDb, log, options.rebuild === 'full');
    writeFileSync(marker, JSON.stringify({ ...size, templateDb, build }, null, 2));
  } else {
    log(`reusing ${templateDb} (${dir}; built ${JSON.stringify(JSON.parse(readFileSync(marker, 'utf8')).build.seconds)})`);
    // New migrations since the build (e.g. another branch's) are applied to the template once.
    const db = await openDatabase({ databaseUrl: databaseUrl(templateDb), poolSize: 1 });
    try {
      await migrate(db);
    } finally {
      await db.destroy();
    }
  }
  const dayConfigFile = writeConfig(dir, 'day', size.dbPrefix, shards);
  return { dir, templateDb, dayConfig: loadConfig(dayConfigFile), dayConfigFile, build };
}

async function buildCache(size: BenchSize, dir: string, templateDb: string, log: (line: string) => void, full: boolean): Promise<NonNullable<BenchCache['build']>> {
  const seconds: Record<string, number> = {};
  let rows: Record<string, number> = {};
  // The split files and the model are kept beside the database, so a build stopped after them (or a
  // rebuild for a code change that leaves them alone) starts at the ingest; BENCH_REBUILD=full makes them again.
  const splitMarker = join(dir, 'split.json');
  const modelFile = join(dir, 'model.json');
  if (full) rmSync(dir, { recursive: true, force: true });
  if (existsSync(splitMarker)) {
    rows = JSON.parse(readFileSync(splitMarker, 'utf8')) as Record<string, number>;
    log(`reusing the split files in ${dir} (${JSON.stringify(rows)})`);
  } else {
    rmSync(dir, { recursive: true, force: true });
    for (const sub of ['sample', 'history', 'day']) mkdirSync(join(dir, sub), { recursive: true });
    const sample = await timed(() => writeSampleCompany({ accounts: size.accounts, years: 1, seed: size.seed, end: SAMPLE_END, outDir: join(dir, 'sample'), signals: false }));
    seconds.sample = sample.seconds;
    log(`sample: ${size.accounts} accounts × 1 year in ${sample.seconds.toFixed(0)} s`);
    const rules = splitRules(SAMPLE_END, dayBefore(SAMPLE_END, size.historyDays));
    const split = await timed(async () => {
      for (const [file, rule] of Object.entries(rules)) {
        const counts = await splitFile(join(dir, 'sample'), file, rule, dir);
        rows[`history ${file.replace(/\..*$/, '')}`] = counts.history;
        rows[`day ${file.replace(/\..*$/, '')}`] = counts.day;
      }
    });
    seconds.split = split.seconds;
    log(`split into history (${size.historyDays} days of usage) and one new day in ${split.seconds.toFixed(0)} s: ${JSON.stringify(rows)}`);
    rmSync(join(dir, 'sample'), { recursive: true, force: true });
    writeFileSync(splitMarker, JSON.stringify(rows));
  }

  // The model: trained once on a small two-year sample of the same generator (scoring needs one; its quality is not measured here).
  let modelRow: NewModelRow;
  if (existsSync(modelFile)) {
    modelRow = JSON.parse(readFileSync(modelFile, 'utf8')) as NewModelRow;
    log(`reusing model ${modelRow.version} (${modelFile})`);
  } else {
    const model = await timed(async () => {
      const setup = await sampleSetup({ accounts: 2_000, seed: size.seed, prefix: `${size.dbPrefix}-bench-train` });
      try {
        return await trainOnce(setup);
      } finally {
        rmSync(setup.dir, { recursive: true, force: true });
      }
    });
    seconds.model = model.seconds;
    modelRow = model.value;
    writeFileSync(modelFile, JSON.stringify(modelRow));
    log(`model ${modelRow.version} trained on 2,000 accounts × 2 years in ${model.seconds.toFixed(0)} s`);
  }

  await admin(async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(templateDb)} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${quoteIdent(templateDb)}`);
  });
  const db = await openDatabase({ databaseUrl: databaseUrl(templateDb), poolSize: 4 });
  try {
    await migrate(db);
    const historyConfig = loadConfig(writeConfig(dir, 'history', size.dbPrefix, 1));
    const ingest = await timed(() => ingestConfigured(db, historyConfig.config, { logger: silentLogger, baseDir: historyConfig.baseDir }));
    seconds.ingest = ingest.seconds;
    for (const summary of ingest.value) if (summary.status === 'failed') throw new Error(`history ingest of ${summary.source} failed: ${summary.error}`);
    log(`history ingested in ${ingest.seconds.toFixed(0)} s`);
    seconds.vacuum = (await timed(() => runScript(db, 'VACUUM ANALYZE'))).seconds;
    await installModel(db, modelRow);
    // Steady state: yesterday's indicators, scores and alerts exist when the day's run starts.
    const outboxDir = join(dir, 'outbox');
    const yesterday = await timed(() => runDaily({ db, loaded: historyConfig, logger: silentLogger, slack: null, outboxDir, print: () => undefined, now: () => new Date() }, dayBefore(SAMPLE_END, 1)));
    seconds.yesterday = yesterday.seconds;
    log(`yesterday's daily run (${dayBefore(SAMPLE_END, 1)}) in ${yesterday.seconds.toFixed(0)} s`);
      } finally {
    await db.destroy();
  }
  return { seconds, rows };
}
