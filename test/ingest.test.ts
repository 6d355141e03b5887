// Ingestion on both backends: validation and quarantine, idempotent reloads, corrections, the reject
// share guard, and crash safety (an injected failure mid-load leaves data and watermark as before).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { statisticsStale } from '../sql/ingest.ts';
import { ingestDirectory, ingestSource } from '../pipelines/ingest/run.ts';
import { silentLogger } from '../pipelines/log.ts';
import { fileSourceSchema } from '../config/sources.ts';
import { parseConfig } from '../config/load.ts';
import { retryRejects } from '../pipelines/ingest/retry.ts';
import { ingestStatus } from '../pipelines/ingest/status.ts';
import type { DB } from '../sql/schema.ts';
import { describeEachBackend } from './support/database.ts';

const ACCOUNTS = `account_id,name,segment,industry,plan,arr_cents,currency,csm_email,csm_slack_id,contract_start,renewal_date,status
acct-1,Acme,smb,retail,starter,1200000,USD,ann@example.com,U01,2024-01-15,2026-01-15,active
acct-2,"Globex, Inc.",enterprise,finance,enterprise,9900000,usd,,,2023-06-01,2026-06-01,active
acct-3,Initech,mid-market,,growth,300000,USD,bob@example.com,U02,2025-03-01,2026-03-01,active
`;

// 6 data lines: 4 good (one of them an exact duplicate), 1 unknown account, 1 bad date.
const USAGE = `account_id,day,active_users,sessions,events,minutes,licensed_seats
acct-1,2025-01-01,5,10,100,60,10
acct-1,2025-01-02,6,12,120,70,10
acct-2,2025-01-01,40,80,900,500,
acct-1,2025-01-02,6,12,120,70,10
acct-9,2025-01-01,1,1,1,1,1
acct-3,2025-13-01,1,1,1,1,1
`;

const INVOICES = `external_id,account_id,issued_on,due_on,paid_at,amount,currency,status,failed_attempts
inv-1,acct-1,2025-01-01,2025-01-31,2025-01-31T10:00:00Z,"1,250.50",USD,paid,0
inv-2,acct-2,2025-02-01,2025-01-15,,99.00,USD,open,0
inv-3,acct-3,2025-02-01,2025-03-03,,-5.00,USD,open,1
`;

const TICKETS = [
  JSON.stringify({ external_id: 't-1', account_id: 'acct-1', opened_at: '2025-01-03T09:00:00Z', closed_at: '2025-01-03T12:00:00Z', channel: 'email', priority: 'high', category: 'billing', satisfaction: 2 }),
  '{not json',
  JSON.stringify({ external_id: 't-2', account_id: 'acct-2', opened_at: '2025-01-04T09:00:00+02:00', closed_at: null, channel: 'chat', priority: 'P1', category: null, satisfaction: null }),
].join('\n');

function writeCompany(dir: string, usage = USAGE): void {
  writeFileSync(join(dir, 'accounts.csv'), ACCOUNTS);
  writeFileSync(join(dir, 'usage_daily.csv.gz'), gzipSync(usage));
  writeFileSync(join(dir, 'invoices.csv'), INVOICES);
  writeFileSync(join(dir, 'support_contacts.ndjson'), `${TICKETS}\n`);
}

async function tableCounts(db: Kysely<DB>) {
  const count = async (table: 'accounts' | 'usage_daily' | 'invoices' | 'support_contacts') =>
    Number((await db.selectFrom(table).select(db.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  return { accounts: await count('accounts'), usage: await count('usage_daily'), invoices: await count('invoices'), tickets: await count('support_contacts') };
}

describeEachBackend('ingest', (context) => {
  const dir = mkdtempSync(join(tmpdir(), 'radar-ingest-'));
  writeCompany(dir);

  it('loads a folder, quarantining each bad row with a reason', async () => {
    const { db } = context();
    // maxRejectShare defaults to 5%; this fixture is deliberately dirty, so the dir sources would fail.
    // Load accounts through the directory path, the rest through explicit sources with a looser guard.
    const summaries = await ingestDirectory(db, dir, { logger: silentLogger, maxRejectShareOverride: 0.7 });
    const byEntity = Object.fromEntries(summaries.map((summary) => [summary.entity, summary]));
    expect(byEntity.accounts).toMatchObject({ status: 'succeeded', read: 3, inserted: 3, updated: 0, rejected: 0 });
    // Usage: 6 read; 2 rejected; 4 staged of which 1 duplicate → 3 inserted, the duplicate counted unchanged.
    expect(byEntity.usage_daily).toMatchObject({ status: 'succeeded', read: 6, inserted: 3, updated: 0, unchanged: 1, rejected: 2, duplicates: 1 });
    expect(byEntity.invoices).toMatchObject({ status: 'succeeded', read: 3, inserted: 1, rejected: 2 });
    expect(byEntity.support_contacts).toMatchObject({ status: 'succeeded', read: 3, inserted: 1, rejected: 2 });
    expect(await tableCounts(db)).toEqual({ accounts: 3, usage: 3, invoices: 1, tickets: 1 });

    const rejects = await db.selectFrom('ingest_rejects').select(['source', 'location', 'reason']).orderBy('reject_id').execute();
    expect(rejects).toEqual([
      { source: 'dir-usage-daily', location: 'usage_daily.csv.gz:6', reason: 'unknown account acct-9' },
      { source: 'dir-usage-daily', location: 'usage_daily.csv.gz:7', reason: 'day "2025-13-01" is not a date (no such day)' },
      { source: 'dir-support-contacts', location: 'support_contacts.ndjson:2', reason: expect.stringMatching(/^not valid JSON/) },
      { source: 'dir-support-contacts', location: 'support_contacts.ndjson:3', reason: 'priority "P1" is not one of low, normal, high, urgent (map it under the source\'s values)' },
      { source: 'dir-invoices', location: 'invoices.csv:3', reason: 'due_on 2025-01-15 is before issued_on 2025-02-01' },
      { source: 'dir-invoices', location: 'invoices.csv:4', reason: 'amount_cents "-5.00" is a negative amount' },
    ]);
    const invoice = await db.selectFrom('invoices').select(['amount_cents', 'paid_at', 'due_on']).executeTakeFirstOrThrow();
    expect(invoice).toEqual({ amount_cents: 125050, paid_at: new Date('2025-01-31T10:00:00Z'), due_on: '2025-01-31' });
    const globex = await db.selectFrom('accounts').select(['name', 'currency', 'industry']).where('external_id', '=', 'acct-2').executeTakeFirstOrThrow();
    expect(globex).toEqual({ name: 'Globex, Inc.', currency: 'USD', industry: 'finance' });
  });

  it('refreshes the planner statistics of the tables a load changed', async () => {
    const { db } = context();
    // The load above analysed what it changed: reltuples is -1 until a table is first analysed.
    const estimates = await sql<{ relname: string; reltuples: number }>`
      SELECT relname, reltuples::float8 AS reltuples FROM pg_class
      WHERE oid IN (to_regclass('accounts'), to_regclass('usage_daily'), to_regclass('renewals'))`.execute(db);
    expect(Object.fromEntries(estimates.rows.map((row) => [row.relname, row.reltuples]))).toEqual({ accounts: 3, usage_daily: 3, renewals: -1 });
    // Autovacuum's rule, applied at once: never analysed, or ≥ 10% of the estimate changed.
    expect([statisticsStale(0, -1), statisticsStale(1, -1), statisticsStale(99, 1000), statisticsStale(100, 1000)]).toEqual([false, true, false, true]);
  });

  it('skips files it already loaded, and a forced reload changes nothing', async () => {
    const { db } = context();
    const skipped = await ingestDirectory(db, dir, { logger: silentLogger, maxRejectShareOverride: 0.7 });
    expect(skipped.every((summary) => summary.read === 0 && summary.inserted === 0)).toBe(true);
    const before = await db.selectFrom('ingest_rejects').select(db.fn.countAll().as('n')).executeTakeFirstOrThrow();
    const forced = await ingestDirectory(db, dir, { logger: silentLogger, force: true, maxRejectShareOverride: 0.7 });
    for (const summary of forced) expect(summary).toMatchObject({ status: 'succeeded', inserted: 0, updated: 0 });
    expect(forced.find((summary) => summary.entity === 'usage_daily')).toMatchObject({ read: 6, unchanged: 4 });
    expect(await tableCounts(db)).toEqual({ accounts: 3, usage: 3, invoices: 1, tickets: 1 });
    // F7: the forced reload finds the same 6 bad rows and replaces their open rejects, never adds copies.
    const after = await db.selectFrom('ingest_rejects').select(db.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n) - Number(before.n)).toBe(0);
    const usageRun = forced.find((summary) => summary.entity === 'usage_daily')!.runId;
    const usageRejects = await db.selectFrom('ingest_rejects').select(['run_id', 'location']).where('source', '=', 'dir-usage-daily').where('resolved_at', 'is', null).orderBy('location').execute();
    expect(usageRejects).toEqual([
      { run_id: usageRun, location: 'usage_daily.csv.gz:6' },
      { run_id: usageRun, location: 'usage_daily.csv.gz:7' },
    ]);
  });

  it('applies a late correction as an update', async () => {
    const { db } = context();
    const corrected = USAGE.replace('acct-2,2025-01-01,40,80,900,500,', 'acct-2,2025-01-01,41,80,950,500,50');
    const correctionDir = mkdtempSync(join(tmpdir(), 'radar-ingest-fix-'));
    writeFileSync(join(correctionDir, 'usage_daily.csv'), corrected);
    const source = fileSourceSchema.parse({ kind: 'file', entity: 'usage_daily', path: 'usage_daily.csv', maxRejectShare: 0.5 });
    const summary = await ingestSource(db, { name: 'usage-fix', source }, { logger: silentLogger, baseDir: correctionDir });
    expect(summary).toMatchObject({ status: 'succeeded', inserted: 0, updated: 1, unchanged: 3 });
    const row = await db.selectFrom('usage_daily').innerJoin('accounts', 'accounts.account_id', 'usage_daily.account_id').select(['active_users', 'events', 'licensed_seats']).where('external_id', '=', 'acct-2').executeTakeFirstOrThrow();
    expect(row).toEqual({ active_users: 41, events: 950, licensed_seats: 50 });
  });

  it('re-tries quarantined rows once the missing account arrives', async () => {
    const { db } = context();
    await db.insertInto('accounts').values({ external_id: 'acct-9', name: 'Late Arrival', arr_cents: 1, contract_start: '2024-01-01', renewal_date: '2026-01-01' }).execute();
    const config = parseConfig({ playbooks: {} }).config;
    const [summary] = await retryRejects(db, config, { logger: silentLogger, only: 'dir-usage-daily' });
    // Open usage rejects: unknown acct-9 and the bad date, once each (the forced reload replaced, not copied, them).
    expect(summary).toMatchObject({ source: 'dir-usage-daily', retried: 2, loaded: 1, stillRejected: 1, notRetryable: 0 });
    expect(summary!.run).toMatchObject({ status: 'succeeded', inserted: 1, unchanged: 0 });
    // The row that fails again keeps its original location, so a later rerun of the file replaces it.
    const open = await db.selectFrom('ingest_rejects').select(['location', 'reason', 'run_id']).where('source', '=', 'dir-usage-daily').where('resolved_at', 'is', null).orderBy('reject_id').execute();
    expect(open).toEqual([{ location: 'usage_daily.csv.gz:7', reason: 'day "2025-13-01" is not a date (no such day)', run_id: summary!.run!.runId }]);
    const usage = await db.selectFrom('usage_daily').innerJoin('accounts', 'accounts.account_id', 'usage_daily.account_id').select(['day', 'events']).where('external_id', '=', 'acct-9').execute();
    expect(usage).toEqual([{ day: '2025-01-01', events: 1 }]);
  });

  it('reports freshness per source and flags stale ones', async () => {
    const { db } = context();
    const config = parseConfig({ playbooks: {}, sources: { usage: { kind: 'file', entity: 'usage_daily', path: 'x.csv', maxStaleness: '48h' } } }).config;
    // Newest usage day is 2025-01-02 (known at its end): 47 h later is fresh, 49 h later is stale.
    const fresh = await ingestStatus(db, config, new Date('2025-01-04T22:59:59Z'));
    const stale = await ingestStatus(db, config, new Date('2025-01-05T01:00:00Z'));
    const pick = (list: typeof fresh) => list.find((status) => status.source === 'usage');
    expect(pick(fresh)).toMatchObject({ entity: 'usage_daily', newestFact: '2025-01-02', stale: false, lastRun: undefined });
    expect(pick(stale)).toMatchObject({ stale: true });
    expect(fresh.find((status) => status.source === 'dir-usage-daily')).toMatchObject({ lastRun: { status: 'succeeded' }, stale: false, maxStaleness: null });
  });

  it('fails a run whose reject share is too high and loads none of its rows', async () => {
    const { db } = context();
    const badDir = mkdtempSync(join(tmpdir(), 'radar-ingest-bad-'));
    // 1 good new row, 1 bad: 50% rejected > the default 5%.
    writeFileSync(join(badDir, 'usage.csv'), 'account_id,day,active_users\nacct-3,2025-05-01,3\nacct-3,not-a-day,3\n');
    const source = fileSourceSchema.parse({ kind: 'file', entity: 'usage_daily', path: 'usage.csv' });
    const before = await tableCounts(db);
    const summary = await ingestSource(db, { name: 'usage-bad', source }, { logger: silentLogger, baseDir: badDir });
    expect(summary.status).toBe('failed');
    expect(summary.error).toMatch(/1 of 2 rows rejected \(50\.0% > maxRejectShare 5\.0%\); nothing was loaded/);
    expect(await tableCounts(db)).toEqual(before);
    const run = await db.selectFrom('ingestion_runs').selectAll().where('source', '=', 'usage-bad').executeTakeFirstOrThrow();
    expect(run).toMatchObject({ status: 'failed', rows_read: 2, rows_inserted: 0, rows_rejected: 1 });
    const watermark = await db.selectFrom('source_watermarks').selectAll().where('source', '=', 'usage-bad').executeTakeFirst();
    expect(watermark).toBeUndefined();
    const rejects = await db.selectFrom('ingest_rejects').select('reason').where('source', '=', 'usage-bad').execute();
    expect(rejects).toEqual([{ reason: 'day "not-a-day" is not a date (expected YYYY-MM-DD)' }]);
  });

  it('leaves tables and watermark as before when a load dies midway', async () => {
    const { db } = context();
    const bigDir = mkdtempSync(join(tmpdir(), 'radar-ingest-big-'));
    const lines = ['account_id,day,active_users,events'];
    for (let day = 0; day < 50_000; day += 1) {
      const date = new Date(Date.UTC(1950, 0, 1) + day * 86_400_000).toISOString().slice(0, 10);
      lines.push(`acct-3,${date},1,${day}`);
    }
    writeFileSync(join(bigDir, 'usage.csv'), `${lines.join('\n')}\n`);
    const source = fileSourceSchema.parse({ kind: 'file', entity: 'usage_daily', path: 'usage.csv' });
    const before = await tableCounts(db);
    const watermarkBefore = await db.selectFrom('source_watermarks').selectAll().orderBy('source').execute();
    let batches = 0;
    const summary = await ingestSource(db, { name: 'usage-crash', source }, {
      logger: silentLogger,
      baseDir: bigDir,
      onBatch: () => {
        batches += 1;
        if (batches === 2) throw new Error('injected failure after 2 batches');
      },
    });
    expect(batches).toBe(2);
    expect(summary).toMatchObject({ status: 'failed', error: 'injected failure after 2 batches', inserted: 0 });
    expect(await tableCounts(db)).toEqual(before);
    expect(await db.selectFrom('source_watermarks').selectAll().orderBy('source').execute()).toEqual(watermarkBefore);

    // The same file loads completely on the next run.
    const retried = await ingestSource(db, { name: 'usage-crash', source }, { logger: silentLogger, baseDir: bigDir });
    expect(retried).toMatchObject({ status: 'succeeded', read: 50_000, inserted: 50_000 });
  });
});
