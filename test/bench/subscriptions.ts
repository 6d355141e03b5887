// npm run bench:subscriptions — deriving renewals from subscription periods (issue 15), in periods/s, beside
// a peer measured in the same run on the same table: one bare window pass (`lead() OVER (PARTITION BY
// account, subscription ORDER BY period_start)`), the least any chaining of periods must read and sort.
// The sample company's billing export (monthly for small accounts) for BENCH_ACCOUNTS (default 5,000)
// accounts over BENCH_YEARS (default 3) years, on the Postgres server and on PGlite (in memory).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { fileSourceSchema } from '../../config/sources.ts';
import { ingestSource } from '../../pipelines/ingest/run.ts';
import { silentLogger } from '../../pipelines/log.ts';
import { accountsFile } from '../../pipelines/sample/files.ts';
import { createAccounts, recordWindow } from '../../pipelines/sample/accounts.ts';
import { parseDay } from '../../pipelines/sample/days.ts';
import { liveAccount } from '../../pipelines/sample/lifecycle.ts';
import { createMarket } from '../../pipelines/sample/market.ts';
import { subscriptionsCsv } from '../../pipelines/sample/subscriptions.ts';
import { openDatabase } from '../../sql/database.ts';
import { migrate } from '../../sql/migrate.ts';
import type { DB } from '../../sql/schema.ts';
import { deriveRenewals } from '../../sql/subscriptions.ts';
import { freshServerSchema, perSecond, printTable, timed } from './support.ts';

const accounts = Number(process.env.BENCH_ACCOUNTS ?? 5_000);
const years = Number(process.env.BENCH_YEARS ?? 3);
const END = '2026-06-30';
const NOW = new Date('2026-07-01T00:00:00Z');
const SEED = 15;

const work = mkdtempSync(join(tmpdir(), 'radar-bench-subscriptions-'));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function peerSeconds(db: Kysely<DB>): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    runs.push(
      (
        await timed(() =>
          sql`SELECT count(next_start) FROM (SELECT lead(period_start) OVER (PARTITION BY account_id, subscription_id ORDER BY period_start) AS next_start FROM subscription_periods) w`.execute(db),
        )
      ).seconds,
    );
  }
  return median(runs);
}

async function measure(backend: string, db: Kysely<DB>) {
  const load = (entity: 'accounts' | 'subscriptions') =>
    ingestSource(db, { name: entity, source: fileSourceSchema.parse({ kind: 'file', entity, path: `${entity}.csv`, maxRejectShare: 1 }) }, { logger: silentLogger, baseDir: work, force: true, now: NOW });
  await load('accounts');
  const loaded = await load('subscriptions');
  const periods = loaded.inserted;
  const settings = { now: NOW, graceDays: 3 };
  // A first derivation (every renewal inserted), then re-derivations that find nothing changed: the cost of
  // every later subscriptions load.
  await sql`DELETE FROM renewals`.execute(db);
  const first = await timed(() => deriveRenewals(db, settings));
  const again: number[] = [];
  for (let i = 0; i < 3; i++) again.push((await timed(() => deriveRenewals(db, settings))).seconds);
  const peer = await peerSeconds(db);
  const row = (what: string, seconds: number) => ({
    backend,
    what,
    periods,
    renewals: first.value.derived,
    seconds: seconds.toFixed(3),
    'periods/s': perSecond(periods, seconds),
    'peer periods/s': perSecond(periods, peer),
    'ratio to peer': (peer / seconds).toFixed(3),
  });
  return [row('first derivation (all inserted)', first.seconds), row('re-derivation (nothing changed), median of 3', median(again))];
}

try {
  console.log(`node ${process.version}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const window = recordWindow(parseDay(END)!, years);
  const market = createMarket(SEED, window);
  const lives = createAccounts(accounts, SEED, window).map((account) => liveAccount(account, market, window, SEED));
  writeFileSync(join(work, 'accounts.csv'), `${[accountsFile.header, ...lives.map((life) => accountsFile.encode(accountsFile.toRecord(life)))].join('\n')}\n`);
  writeFileSync(join(work, 'subscriptions.csv'), subscriptionsCsv(lives, window, SEED));
  console.log(`sample billing export: ${accounts} accounts, ${years} years to ${END}`);

  const server = await freshServerSchema('bench_subs');
  const rows = await measure('postgres', server.db).finally(() => server.dispose());
  const pglite = await openDatabase({ inMemory: true });
  await migrate(pglite);
  rows.push(...(await measure('pglite', pglite).finally(() => pglite.destroy())));
  printTable(rows);
  console.log('ratio to peer: the bare window pass over the same periods takes this share of the derivation’s time (1 = as fast as one window pass).');
  console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
