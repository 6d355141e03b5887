// Reliability suite (issue 16): `radar ingest` as a real child process against the Postgres server, killed
// with SIGKILL at seeded random points of its loads, ten times; then one clean run. The result must be the
// rows an uninterrupted load stores (the same digest of accounts, usage and open rejects), and no run may be
// left `running`: each run a kill interrupted is closed as failed by the next run of its source.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../sql/schema.ts';
import { seededRandom } from '../../models/synthetic-data.ts';
import { freshServerSchema, type ServerSchema } from '../jobs-fixtures.ts';
import { radarEnvironment, REPO_ROOT } from '../support/cli.ts';
import { IN_CI, postgresUnavailable } from '../support/database.ts';

const describeServer = postgresUnavailable && !IN_CI ? describe.skip : describe;
const KILLS = 10;
const SEED = 20_261_128;

interface Child {
  readonly exited: Promise<number | string>;
  readonly started: Promise<number>;
  kill(): void;
  stderr(): string;
}

/** `radar -c config ingest …` against `url`; `started` resolves when the first load begins (its log line). */
function radarIngest(configFile: string, url: string, args: readonly string[]): Child {
  const child = spawn(process.execPath, ['pipelines/radar.js', '-c', configFile, 'ingest', ...args], {
    cwd: REPO_ROOT,
    env: radarEnvironment({ DATABASE_URL: url, LOG_LEVEL: 'info' }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  let markStarted!: (at: number) => void;
  const started = new Promise<number>((resolve) => (markStarted = resolve));
  child.stderr!.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    if (err.includes('"event":"ingest_started"')) markStarted(performance.now());
  });
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => {
      markStarted(performance.now());
      resolve(code ?? signal ?? -1);
    }),
  );
  return { exited, started, kill: () => child.kill('SIGKILL'), stderr: () => err };
}

/** A digest of everything a load writes that a user sees: accounts, usage, open rejects. */
async function digest(db: Kysely<DB>) {
  const result = await sql<{ accounts: string; usage: string; rejects: string; usage_rows: number; reject_rows: number }>`
    SELECT (SELECT md5(string_agg(concat_ws('|', external_id, name, arr_cents, csm_slack_id, contract_start, renewal_date), ',' ORDER BY external_id)) FROM accounts) AS accounts,
           (SELECT md5(string_agg(concat_ws('|', a.external_id, u.day, u.active_users, u.sessions, u.events, u.minutes, u.licensed_seats), ',' ORDER BY a.external_id, u.day))
              FROM usage_daily u JOIN accounts a USING (account_id)) AS usage,
           (SELECT md5(string_agg(concat_ws('|', source, location, reason), ',' ORDER BY source, location)) FROM ingest_rejects WHERE resolved_at IS NULL) AS rejects,
           (SELECT count(*)::int FROM usage_daily) AS usage_rows,
           (SELECT count(*)::int FROM ingest_rejects WHERE resolved_at IS NULL) AS reject_rows`.execute(db);
  return result.rows[0]!;
}

describeServer('reliability: radar ingest killed with SIGKILL', () => {
  let reference: ServerSchema;
  let target: ServerSchema;
  let configFile: string;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'radar-sigkill-'));
    const accounts = ['account_id,name,arr_cents,csm_slack_id,contract_start,renewal_date'];
    const usage = ['account_id,day,active_users,sessions,events,minutes,licensed_seats'];
    for (let index = 0; index < 300; index += 1) {
      const id = `acct-${index}`;
      accounts.push(`${id},Company ${index},${index * 1000},${index % 25 === 0 ? 'not-a-slack-id' : `U0${index}AB`},2024-01-01,2026-06-01`);
      for (let day = 0; day < 150; day += 1) {
        const date = new Date(Date.UTC(2025, 0, 1) + day * 86_400_000).toISOString().slice(0, 10);
        // One row in a hundred is bad (an overflowing count), so rejects are part of what must match.
        usage.push(`${id},${date},${day % 7},${day},${(index * day) % 100 === 1 ? 3_000_000_000 : index + day},${day * 2},50`);
      }
    }
    writeFileSync(join(dir, 'accounts.csv'), `${accounts.join('\n')}\n`);
    writeFileSync(join(dir, 'usage.csv'), `${usage.join('\n')}\n`);
    configFile = join(dir, 'radar.yaml');
    writeFileSync(
      configFile,
      'playbooks: {}\nsources:\n  accounts: {kind: file, entity: accounts, path: accounts.csv, maxRejectShare: 0.5}\n  usage: {kind: file, entity: usage_daily, path: usage.csv, maxRejectShare: 0.5}\n',
    );
    [reference, target] = await Promise.all([freshServerSchema(), freshServerSchema()]);
  });
  afterAll(async () => {
    await reference?.dispose();
    await target?.dispose();
  });

  it(`leaves the rows of an uninterrupted load and no run running after ${KILLS} SIGKILLs and a clean run`, async () => {
    const uninterrupted = radarIngest(configFile, reference.url, []);
    const loadStarted = await uninterrupted.started;
    expect(await uninterrupted.exited, uninterrupted.stderr()).toBe(0);
    const loadMs = performance.now() - loadStarted;
    const expected = await digest(reference.db);

    const next = seededRandom(SEED);
    const killedAfterMs: number[] = [];
    for (let kill = 0; kill < KILLS; kill += 1) {
      // --force: every run re-reads both files, so each kill lands in a real load (or just after it).
      const child = radarIngest(configFile, target.url, ['--force']);
      await child.started;
      const delay = Math.round(next() * loadMs * 1.1);
      await new Promise((resolve) => setTimeout(resolve, delay));
      child.kill();
      await child.exited;
      killedAfterMs.push(delay);
    }
    const interrupted = await target.db.selectFrom('ingestion_runs').select('run_id').where('status', '=', 'running').execute();

    const clean = radarIngest(configFile, target.url, []);
    expect(await clean.exited, clean.stderr()).toBe(0);
    expect(await digest(target.db)).toEqual(expected);
    const runs = await target.db.selectFrom('ingestion_runs').select(['status', 'error']).execute();
    expect(runs.filter((run) => run.status === 'running')).toEqual([]);
    const closedDead = runs.filter((run) => run.error?.startsWith('the process running it stopped before it finished')).length;
    expect(closedDead).toBeGreaterThanOrEqual(Math.max(1, interrupted.length));

    console.log(
      `[reliability] sigkill: ${KILLS} SIGKILLs of radar ingest (seed ${SEED}) at ${killedAfterMs.join(', ')} ms into loads of ~${Math.round(loadMs)} ms; ` +
        `${interrupted.length} run(s) left running before the clean run, ${closedDead} closed as failed by later runs; ` +
        `${expected.usage_rows} usage rows and ${expected.reject_rows} open rejects identical to an uninterrupted load; 0 runs running`,
    );
  }, 900_000);
});
