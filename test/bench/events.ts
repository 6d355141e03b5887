// npm run bench:events — raw event ingestion (usage_events → per-day totals in usage_metrics_daily) on the
// Postgres server, beside two physical limits measured in the same run on the same file:
//   1. `psql \copy` of the event CSV into a bare table (text columns, no index, no validation);
//   2. that copy plus the in-database `INSERT … SELECT … GROUP BY` of the staged events into totals
//      shaped like usage_metrics_daily — what a hand-written loader that trusts its input would do.
// Sizes: BENCH_EVENTS (default 10,000,000) events for BENCH_ACCOUNTS (default 10,000) accounts over
// BENCH_DAYS (default 30) days, 8 event names, up to 25 users per account.
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileSourceSchema } from '../../config/sources.ts';
import { ingestSource } from '../../pipelines/ingest/run.ts';
import { silentLogger } from '../../pipelines/log.ts';
import { runScript } from '../../sql/database.ts';
import { BENCH_DATABASE_URL, freshServerSchema, perSecond, printTable, timed } from './support.ts';

const events = Number(process.env.BENCH_EVENTS ?? 10_000_000);
const accounts = Number(process.env.BENCH_ACCOUNTS ?? 10_000);
const days = Number(process.env.BENCH_DAYS ?? 30);
const NAMES = ['Report Created', 'Dashboard Shared', 'User Invited', 'Integration Connected', 'Search Performed', 'Data Exported', 'Billing Page Viewed', 'Seat Removed'];
const FIRST_DAY = Date.UTC(2026, 9, 1);

/** Event lines in random order (as an export of many accounts interleaves them), from a seeded LCG. */
function* eventLines(): Generator<string> {
  yield 'account_id,timestamp,event,user_id';
  let state = 12345;
  const next = (limit: number) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return Math.floor((state / 4294967296) * limit);
  };
  let chunk: string[] = [];
  for (let index = 0; index < events; index++) {
    const account = next(accounts);
    const at = new Date(FIRST_DAY + next(days * 86_400) * 1000).toISOString().replace('.000Z', 'Z');
    chunk.push(`b-${account},${at},${NAMES[next(NAMES.length)]},u${account}-${next(25)}`);
    if (chunk.length === 10_000) {
      yield chunk.join('\n');
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk.join('\n');
}

const work = mkdtempSync(join(tmpdir(), 'radar-bench-events-'));
try {
  const file = join(work, 'events.csv');
  console.log(`writing ${events.toLocaleString('en-US')} events for ${accounts.toLocaleString('en-US')} accounts over ${days} days …`);
  const written = await timed(() => pipeline(Readable.from((function* () {
    for (const lines of eventLines()) yield `${lines}\n`;
  })()), createWriteStream(file)));
  console.log(`written in ${written.seconds.toFixed(1)} s (${(statSync(file).size / 1e6).toFixed(0)} MB)`);

  const server = await freshServerSchema('bench_events');
  const psql = (command: string) => execFileSync('psql', [BENCH_DATABASE_URL, '-v', 'ON_ERROR_STOP=1', '-q', '-c', command]);
  await runScript(
    server.db,
    `INSERT INTO ${server.schema}.accounts (external_id, name, arr_cents, contract_start, renewal_date)
     SELECT 'b-' || n, 'Bench ' || n, 100000, DATE '2026-01-01', DATE '2027-01-01' FROM generate_series(0, ${accounts - 1}) AS n;
     ANALYZE ${server.schema}.accounts;`,
  );

  // Limit 1: the file into a bare table.
  await runScript(server.db, `CREATE TABLE ${server.schema}.bare_events (account_id text, "timestamp" text, event text, user_id text)`);
  const copy = await timed(async () => psql(`\\copy ${server.schema}.bare_events FROM '${file}' WITH (FORMAT csv, HEADER true)`));
  // Limit 2: + grouping the staged copy into totals shaped like usage_metrics_daily (its key, checks and
  // foreign key, metric names as ids), in the database.
  await runScript(
    server.db,
    `CREATE TABLE ${server.schema}.totals_shaped (LIKE ${server.schema}.usage_metrics_daily INCLUDING ALL);
     ALTER TABLE ${server.schema}.totals_shaped ADD FOREIGN KEY (account_id) REFERENCES ${server.schema}.accounts (account_id);
     CREATE TABLE ${server.schema}.names_shaped (LIKE ${server.schema}.usage_metric_names INCLUDING ALL);`,
  );
  const grouped = await timed(async () =>
    psql(
      `SET work_mem = '256MB';
       WITH totals AS MATERIALIZED (
         SELECT a.account_id, (e."timestamp"::timestamptz AT TIME ZONE 'UTC')::date AS day,
                lower(regexp_replace(e.event, '[^a-zA-Z0-9]+', '_', 'g')) AS metric, count(*) AS value, count(DISTINCT e.user_id) AS users
         FROM ${server.schema}.bare_events e JOIN ${server.schema}.accounts a ON a.external_id = e.account_id
         GROUP BY 1, 2, 3),
       named AS (INSERT INTO ${server.schema}.names_shaped (name) SELECT DISTINCT metric FROM totals RETURNING metric_id, name)
       INSERT INTO ${server.schema}.totals_shaped (account_id, day, metric_id, value, users, source)
       SELECT t.account_id, t.day, n.metric_id, t.value, t.users, 'bench' FROM totals t JOIN named n ON n.name = t.metric`,
    ),
  );
  const copiedRows = Number((await server.db.selectFrom(`${server.schema}.bare_events` as 'accounts').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const groupedRows = Number((await server.db.selectFrom(`${server.schema}.totals_shaped` as 'accounts').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  // Radar: read, validate and quarantine each event, COPY to staging, one aggregate merge.
  const source = fileSourceSchema.parse({ kind: 'file', entity: 'usage_events', path: 'events.csv' });
  const loaded = await timed(() => ingestSource(server.db, { name: 'bench-events', source }, { logger: silentLogger, baseDir: work }));
  const reloaded = await timed(() => ingestSource(server.db, { name: 'bench-events', source }, { logger: silentLogger, baseDir: work, force: true }));
  await server.dispose();

  const row = (label: string, seconds: number, extra: string) => ({ step: label, events: copiedRows, seconds: seconds.toFixed(2), 'events/s': perSecond(copiedRows, seconds), result: extra });
  const radar = loaded.value;
  if (radar.status !== 'succeeded') throw new Error(`radar's load failed: ${radar.error}`);
  console.log('');
  printTable([
    row('psql \\copy into a bare table', copy.seconds, `${copiedRows} rows`),
    row('INSERT … SELECT … GROUP BY from the staged copy', grouped.seconds, `${groupedRows} totals`),
    row('\\copy + GROUP BY (the in-database path)', copy.seconds + grouped.seconds, `${groupedRows} totals`),
    row('radar ingest (first load)', radar.durationMs / 1000, `${radar.inserted} totals, ${radar.rejected} rejected`),
    row('radar ingest (forced reload)', reloaded.value.durationMs / 1000, `${reloaded.value.unchanged} unchanged, ${reloaded.value.updated} updated`),
  ]);
  const radarRate = perSecond(radar.read, radar.durationMs / 1000);
  console.log(`\nradar's timings: ${JSON.stringify(radar.detail?.timings)}`);
  console.log(`ratio of radar to \\copy alone: ${(radarRate / perSecond(copiedRows, copy.seconds)).toFixed(2)}`);
  console.log(`ratio of radar to \\copy + GROUP BY: ${(radarRate / perSecond(copiedRows, copy.seconds + grouped.seconds)).toFixed(2)}`);
  if (radar.inserted !== groupedRows) console.log(`WARNING: radar stored ${radar.inserted} totals, the in-database GROUP BY ${groupedRows}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
