// npm run bench:ingest — ingestion throughput per entity against the physical limit measured in the
// same run: `psql \copy` of the same usage CSV into a bare table (no index, no validation, no merge).
// Sizes: BENCH_ACCOUNTS (default 10,000) × 365 days on the Postgres server; PGlite with BENCH_PGLITE_ACCOUNTS (default 1,000).
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { openDatabase, runScript } from '../../sql/database.ts';
import { migrate } from '../../sql/migrate.ts';
import { ingestDirectory } from '../../pipelines/ingest/run.ts';
import type { LoadSummary } from '../../pipelines/ingest/load.ts';
import { silentLogger } from '../../pipelines/log.ts';
import { writeSampleCompany } from '../../pipelines/sample/generate.ts';
import { BENCH_DATABASE_URL, freshServerSchema, perSecond, printTable, timed } from './support.ts';

const accounts = Number(process.env.BENCH_ACCOUNTS ?? 10_000);
const pgliteAccounts = Number(process.env.BENCH_PGLITE_ACCOUNTS ?? 1_000);
const END = '2026-11-20';

function summaryRows(backend: string, summaries: readonly LoadSummary[]) {
  return summaries.map((summary) => ({
    backend,
    entity: summary.entity,
    rows: summary.read,
    inserted: summary.inserted,
    rejected: summary.rejected,
    seconds: (summary.durationMs / 1000).toFixed(2),
    'rows/s': perSecond(summary.read, summary.durationMs / 1000),
  }));
}

const work = mkdtempSync(join(tmpdir(), 'radar-bench-ingest-'));
try {
  console.log(`generating ${accounts} accounts × 365 days …`);
  const generated = await timed(() => writeSampleCompany({ accounts, years: 1, seed: 1, end: END, outDir: join(work, 'big') }));
  console.log(`generated in ${generated.seconds.toFixed(1)} s`);
  const usageCsv = join(work, 'usage_daily.csv');
  await pipeline(createReadStream(join(work, 'big', 'usage_daily.csv.gz')), createGunzip(), createWriteStream(usageCsv));

  // The physical limit: psql \copy of the same (decompressed) usage CSV into a bare table — text columns,
  // no index: the file holds the sample's planted faults, which a typed bare table would refuse.
  const server = await freshServerSchema('bench_ingest');
  await runScript(server.db, `CREATE TABLE ${server.schema}.bare_usage (account_id text, day text, active_users text, sessions text, events text, minutes text, licensed_seats text)`);
  const copy = await timed(async () =>
    execFileSync('psql', [BENCH_DATABASE_URL, '-v', 'ON_ERROR_STOP=1', '-q', '-c', `\\copy ${server.schema}.bare_usage FROM '${usageCsv}' WITH (FORMAT csv, HEADER true)`]),
  );
  const copiedRows = Number((await server.db.selectFrom(`${server.schema}.bare_usage` as 'usage_daily').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  const loaded = await timed(() => ingestDirectory(server.db, join(work, 'big'), { logger: silentLogger }));
  const reloaded = await timed(() => ingestDirectory(server.db, join(work, 'big'), { logger: silentLogger, force: true }));

  // The physical limit of the real table: the rows radar stored (validated, internal account ids) copied
  // by psql into a fresh table shaped like usage_daily — its primary key, checks and the foreign key to
  // accounts, which Postgres checks row by row.
  const storedCsv = join(work, 'usage_stored.csv');
  const psql = (command: string) => execFileSync('psql', [BENCH_DATABASE_URL, '-v', 'ON_ERROR_STOP=1', '-q', '-c', command]);
  psql(`\\copy (SELECT account_id, day, active_users, sessions, events, minutes, licensed_seats FROM ${server.schema}.usage_daily) TO '${storedCsv}' WITH (FORMAT csv)`);
  await runScript(
    server.db,
    `CREATE TABLE ${server.schema}.usage_shaped (LIKE ${server.schema}.usage_daily INCLUDING ALL);
     ALTER TABLE ${server.schema}.usage_shaped ADD FOREIGN KEY (account_id) REFERENCES ${server.schema}.accounts (account_id) ON DELETE CASCADE`,
  );
  const shaped = await timed(async () => psql(`\\copy ${server.schema}.usage_shaped FROM '${storedCsv}' WITH (FORMAT csv)`));
  const storedRows = loaded.value.find((summary) => summary.entity === 'usage_daily')!.inserted;
  await server.dispose();

  console.log(`\nPGlite: generating ${pgliteAccounts} accounts × 365 days …`);
  await writeSampleCompany({ accounts: pgliteAccounts, years: 1, seed: 1, end: END, outDir: join(work, 'small') });
  const embedded = await openDatabase({ inMemory: true });
  await migrate(embedded);
  const pglite = await timed(() => ingestDirectory(embedded, join(work, 'small'), { logger: silentLogger }));
  await embedded.destroy();

  const usage = loaded.value.find((summary) => summary.entity === 'usage_daily')!;
  const copyRate = perSecond(copiedRows, copy.seconds);
  const usageRate = perSecond(usage.read, usage.durationMs / 1000);
  console.log('');
  printTable([
    ...summaryRows('postgres (first load)', loaded.value),
    ...summaryRows('postgres (forced reload)', reloaded.value),
    ...summaryRows(`pglite (${pgliteAccounts} accounts)`, pglite.value),
  ]);
  console.log(`\npsql \\copy of the same usage CSV into a bare table: ${copiedRows} rows in ${copy.seconds.toFixed(2)} s = ${copyRate} rows/s`);
  console.log(`usage_daily through radar (read, validate, quarantine, COPY to staging, merge): ${usageRate} rows/s`);
  console.log(`ratio to \\copy: ${(usageRate / copyRate).toFixed(2)} (target ≥ 0.5)`);
  const shapedRate = perSecond(storedRows, shaped.seconds);
  console.log(`psql \\copy of the stored rows into a table shaped like usage_daily (primary key, checks, foreign key): ${storedRows} rows in ${shaped.seconds.toFixed(2)} s = ${shapedRate} rows/s`);
  console.log(`ratio to that \\copy: ${(usageRate / shapedRate).toFixed(2)}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
