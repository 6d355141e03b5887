// Fixtures for the job tests: a sample company on disk with a radar.yaml whose sources read it, a
// model trained once and copied into each fresh server schema, `radar` as real child processes
// (test/jobs-radar.ts when a test needs its seams), and snapshots of the rows the daily run writes.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { loadConfig, type LoadedConfig } from '../config/load.ts';
import { trainModel } from '../models/registry.ts';
import { ingestConfigured } from '../pipelines/ingest/run.ts';
import { sampleFormatSources } from '../pipelines/ingest/sample-format.ts';
import { silentLogger } from '../pipelines/log.ts';
import { writeSampleCompany } from '../pipelines/sample/generate.ts';
import { openDatabase, runScript } from '../sql/database.ts';
import { migrate } from '../sql/migrate.ts';
import { findModel, insertModel, promoteModel, type NewModelRow } from '../sql/models.ts';
import type { DB } from '../sql/schema.ts';
import { startupBudgetMs } from './support/budget.ts';
import { radarEnvironment, REPO_ROOT } from './support/cli.ts';
import { TEST_DATABASE_URL } from './support/database.ts';
import { waitFor } from './support/wait.ts';

export { waitFor };

/** The sample company's "today": the as-of day of the daily runs. */
export const SAMPLE_END = '2026-06-30';

export interface SampleSetup {
  readonly dir: string;
  readonly configFile: string;
  readonly loaded: LoadedConfig;
}

/** Writes a sample company under a temp dir and a radar.yaml whose sources read it; `extra` is merged into the config. */
export async function sampleSetup(options: { accounts: number; seed: number; prefix: string; extra?: Record<string, unknown> }): Promise<SampleSetup> {
  const dir = mkdtempSync(join(tmpdir(), 'radar-jobs-'));
  await writeSampleCompany({ accounts: options.accounts, years: 2, seed: options.seed, end: SAMPLE_END, outDir: join(dir, 'sample') });
  const sources = Object.fromEntries(sampleFormatSources().map(({ name, source }) => [name, { ...source, path: `sample/${source.path}` }]));
  const { schedules, routing, ...rest } = options.extra ?? {};
  const config = {
    sources,
    routing: { holdoutShare: 0.1, weeklyBudgetPerCsm: 50, delivery: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 2000 }, ...(routing as object | undefined) },
    schedules: { queuePrefix: options.prefix, ...(schedules as object | undefined) },
    ...rest,
  };
  const configFile = join(dir, 'radar.yaml');
  writeFileSync(configFile, JSON.stringify(config, null, 2)); // JSON is YAML
  return { dir, configFile, loaded: loadConfig(configFile) };
}

export interface ServerSchema {
  readonly schema: string;
  /** DATABASE_URL that selects the schema (search_path through the `options` parameter). */
  readonly url: string;
  readonly db: Kysely<DB>;
  /** A per-schema RADAR_DATA_DIR (the dry-run outbox lands in it). */
  readonly dataDir: string;
  dispose(): Promise<void>;
}

export async function freshServerSchema(): Promise<ServerSchema> {
  const schema = `radar_t_${randomBytes(6).toString('hex')}`;
  const db = await openDatabase({ databaseUrl: TEST_DATABASE_URL, schema, poolSize: 4 });
  await migrate(db);
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const dataDir = mkdtempSync(join(tmpdir(), `radar-data-${schema}-`));
  return {
    schema,
    url: url.toString(),
    db,
    dataDir,
    async dispose() {
      await runScript(db, `DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await db.destroy();
    },
  };
}

/** Ingests the sample into its own schema, trains and returns the model row (to copy into other schemas). */
export async function trainOnce(setup: SampleSetup): Promise<NewModelRow> {
  const scratch = await freshServerSchema();
  try {
    await ingestConfigured(scratch.db, setup.loaded.config, { logger: silentLogger, baseDir: setup.loaded.baseDir });
    const { stored } = await trainModel(scratch.db, { config: setup.loaded.config, configVersion: setup.loaded.version, asOf: SAMPLE_END });
    const row = await findModel(scratch.db, stored.version);
    if (!row) throw new Error('trained model not found');
    const { createdAt: _c, isPromoted: _i, promotedAt: _p, ...model } = row;
    return model;
  } finally {
    await scratch.dispose();
  }
}

export async function installModel(db: Kysely<DB>, model: NewModelRow): Promise<void> {
  await insertModel(db, model);
  await promoteModel(db, model.version, `${SAMPLE_END}T00:00:00Z`);
}

/** The rows a daily run writes, without ids and timestamps, keyed by account external id. */
export async function snapshot(db: Kysely<DB>) {
  const indicators = await sql<Record<string, unknown>>`
    SELECT a.external_id, v.as_of, v.indicator, v.value, v.flag, v.detail
    FROM indicator_values v JOIN accounts a USING (account_id) ORDER BY 1, 2, 3`.execute(db);
  const scores = await sql<Record<string, unknown>>`
    SELECT a.external_id, s.as_of, s.model_version, s.probability, s.tier, s.drivers, s.missing_indicators
    FROM risk_scores s JOIN accounts a USING (account_id) ORDER BY 1, 2, 3`.execute(db);
  const alerts = await sql<Record<string, unknown>>`
    SELECT al.dedup_key, al.kind, a.external_id, al.as_of, al.tier, al.model_version, al.probability, al.channel, al.recipient,
           al.status, al.is_holdout, al.payload -> 'message' AS message
    FROM alerts al LEFT JOIN accounts a USING (account_id) ORDER BY 1`.execute(db);
  const tasks = await sql<Record<string, unknown>>`
    SELECT al.dedup_key, t.playbook, t.step, t.owner_role, t.owner, t.due_on, t.status
    FROM tasks t JOIN alerts al USING (alert_id) ORDER BY 1, 2, 3`.execute(db);
  return { indicators: indicators.rows, scores: scores.rows, alerts: alerts.rows, tasks: tasks.rows };
}

// ---- child processes -------------------------------------------------------------------------

export interface RadarChild {
  readonly process: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal's name). */
  readonly exited: Promise<number | string>;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

/**
 * Starts `radar` (pipelines/radar.js, the compiled CLI) with `args`. With `seams`, starts the test
 * entry script test/jobs-radar.ts instead: the job commands plus test seams read from RADAR_TEST_*
 * variables. It runs through tsx, so it starts several times slower: its waits get 5× the budget.
 */
export function startRadar(args: readonly string[], environment: Record<string, string>, options: { seams?: boolean } = {}): RadarChild {
  const entry = options.seams ? ['--import', 'tsx', 'test/jobs-radar.ts'] : ['pipelines/radar.js'];
  const budget = startupBudgetMs() * (options.seams ? 5 : 1);
  const child = spawn(process.execPath, [...entry, ...args], { cwd: REPO_ROOT, env: radarEnvironment(environment), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    process: child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForOutput: (pattern, timeoutMs = budget) => waitFor(() => pattern.test(out) || pattern.test(err), timeoutMs, `output ${pattern} from radar ${args.join(' ')}`, () => `stdout: ${out}\nstderr: ${err.slice(-3000)}`),
  };
}

/** Runs `radar` to completion (SIGKILL after `timeoutMs`: twice the readiness budget by default, as the command also works). */
export async function runRadarJob(args: readonly string[], environment: Record<string, string>, timeoutMs = 2 * startupBudgetMs()): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const child = startRadar(args, environment);
  const timer = setTimeout(() => child.process.kill('SIGKILL'), timeoutMs);
  const code = await child.exited;
  clearTimeout(timer);
  return { code, stdout: child.stdout(), stderr: child.stderr() };
}

/** Stops a child: SIGTERM (graceful), SIGKILL after `graceMs`. */
export async function stopRadar(child: RadarChild, graceMs = 15_000): Promise<number | string> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return child.exited;
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
  const code = await child.exited;
  clearTimeout(timer);
  return code;
}


export function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `radar-${label}-`));
  mkdirSync(dir, { recursive: true });
  return dir;
}
