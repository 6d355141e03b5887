// Large loads are merged in chunks while the file is still being read, and check their account
// references once per chunk (one join that locks each referenced account
// FOR KEY SHARE, as the foreign key's per-row check would) and merge with the per-row trigger off. Shown
// on both backends: the rows land, the foreign key still guards later writes, and a reference to a
// missing account fails the merge with nothing written; a role that may not switch triggers off gets the
// per-row foreign-key check instead.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { fileSourceSchema } from '../config/sources.ts';
import { ingestDirectory, ingestSource } from '../pipelines/ingest/run.ts';
import { silentLogger } from '../pipelines/log.ts';
import { canCheckReferencesOnce, copyIntoStaging, createStaging, mergeStaging, SET_BASED_REFERENCE_CHECK_ROWS, STAGING_TABLE } from '../sql/ingest.ts';
import { runScript } from '../sql/database.ts';
import { describeEachBackend } from './support/database.ts';

const ACCOUNTS = `account_id,name,segment,industry,plan,arr_cents,currency,csm_email,csm_slack_id,contract_start,renewal_date,status
acct-1,Acme,smb,retail,starter,1200000,USD,,,2000-01-01,2030-01-01,active
acct-2,Globex,mid-market,,growth,300000,USD,,,2000-01-01,2030-01-01,active
acct-3,Initech,enterprise,,growth,900000,USD,,,2000-01-01,2030-01-01,active
`;
const DAYS = 3_400; // 3 accounts × 3,400 days = 10,200 rows: past the set-based threshold
const day = (offset: number) => new Date(Date.UTC(2000, 0, 1) + offset * 86_400_000).toISOString().slice(0, 10);
const USAGE_COLUMNS = ['account_id', 'day', 'active_users', 'sessions', 'events', 'minutes', 'licensed_seats'];

describeEachBackend('ingest: large loads check account references once', (context) => {
  const dir = mkdtempSync(join(tmpdir(), 'radar-bulk-'));
  writeFileSync(join(dir, 'accounts.csv'), ACCOUNTS);
  const lines = ['account_id,day,active_users,sessions,events,minutes,licensed_seats'];
  for (const account of [1, 2, 3]) for (let offset = 0; offset < DAYS; offset++) lines.push(`acct-${account},${day(offset)},${account},2,${offset % 97},5,`);
  writeFileSync(join(dir, 'usage_daily.csv'), `${lines.join('\n')}\n`);

  it('loads every row, and the foreign key still refuses an orphan afterwards', async () => {
    const { db } = context();
    expect(3 * DAYS).toBeGreaterThanOrEqual(SET_BASED_REFERENCE_CHECK_ROWS);
    const summaries = await ingestDirectory(db, dir, { logger: silentLogger });
    expect(summaries.find((summary) => summary.entity === 'usage_daily')).toMatchObject({ status: 'succeeded', read: 3 * DAYS, inserted: 3 * DAYS, rejected: 0 });
    const totals = await sql<{ rows: number; events: number }>`SELECT count(*)::int AS rows, sum(events)::int AS events FROM usage_daily`.execute(db);
    // Σ over 3 accounts of Σ_{offset < 3400} offset mod 97: 35 full cycles (0…96 = 4,656 each) and 5 more days (0…4 = 10).
    expect(totals.rows[0]).toEqual({ rows: 3 * DAYS, events: 3 * (35 * 4_656 + 10) });
    // Triggers are back on after the load: the foreign key rejects a row for an account that does not exist.
    await expect(sql`INSERT INTO usage_daily (account_id, day, active_users) VALUES (987654, DATE '2020-01-01', 1)`.execute(db)).rejects.toThrow(/foreign key/);
  });

  it('fails a merge that references a missing account and writes nothing', async () => {
    const { db } = context();
    const before = await sql<{ rows: number }>`SELECT count(*)::int AS rows FROM usage_daily`.execute(db);
    const ids = await sql<{ account_id: number }>`SELECT account_id FROM accounts ORDER BY account_id`.execute(db);
    const real = ids.rows[0]!.account_id;
    let csv = '';
    for (let offset = 0; offset < SET_BASED_REFERENCE_CHECK_ROWS; offset++) csv += `${offset === 500 ? 987654 : real},${day(5000 + offset)},1,1,1,1,,${offset + 1}\n`;
    await expect(
      db.transaction().execute(async (trx) => {
        await createStaging(trx, 'usage_daily', USAGE_COLUMNS);
        await copyIntoStaging(trx, USAGE_COLUMNS, csv);
        return mergeStaging(trx, 'usage_daily', USAGE_COLUMNS, ['account_id', 'day'], { touchUpdatedAt: false, mayRepeatKeys: false, stagedRows: SET_BASED_REFERENCE_CHECK_ROWS, referencesCheckableOnce: await canCheckReferencesOnce(trx, 'usage_daily') });
      }),
    ).rejects.toThrow('account 987654 referenced by the load does not exist');
    const after = await sql<{ rows: number }>`SELECT count(*)::int AS rows FROM usage_daily`.execute(db);
    expect(after.rows[0]).toEqual(before.rows[0]);
  });

  it('falls back to the per-row foreign-key check for a role that may not switch triggers off', async () => {
    const { db, options } = context();
    const schema = options.schema ?? 'public';
    // Roles are cluster-wide: create it once, grant it this test's schema.
    await sql.raw(`DO $$ BEGIN CREATE ROLE radar_test_plain NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`).execute(db);
    await runScript(db, `GRANT USAGE ON SCHEMA ${schema} TO radar_test_plain; GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA ${schema} TO radar_test_plain`);
    const ids = await sql<{ account_id: number }>`SELECT account_id FROM accounts ORDER BY account_id`.execute(db);
    let csv = '';
    for (let offset = 0; offset < SET_BASED_REFERENCE_CHECK_ROWS; offset++) csv += `${offset === 700 ? 987654 : ids.rows[0]!.account_id},${day(20_000 + offset)},1,1,1,1,,${offset + 1}\n`;
    await expect(
      db.transaction().execute(async (trx) => {
        // Staged as the owner (PGlite's COPY from its blob needs a superuser), merged as the plain role.
        await createStaging(trx, 'usage_daily', USAGE_COLUMNS);
        await copyIntoStaging(trx, USAGE_COLUMNS, csv);
        await sql.raw(`GRANT SELECT ON ${STAGING_TABLE} TO radar_test_plain`).execute(trx);
        await sql`SET LOCAL ROLE radar_test_plain`.execute(trx);
        return mergeStaging(trx, 'usage_daily', USAGE_COLUMNS, ['account_id', 'day'], { touchUpdatedAt: false, mayRepeatKeys: false, stagedRows: SET_BASED_REFERENCE_CHECK_ROWS, referencesCheckableOnce: await canCheckReferencesOnce(trx, 'usage_daily') });
      }),
    ).rejects.toThrow(/violates foreign key constraint/);
  });

  it('merges a load in chunks with the last occurrence of a key winning, within a chunk and across chunks', async () => {
    const { db } = context();
    const chunkDir = mkdtempSync(join(tmpdir(), 'radar-ingest-chunks-'));
    const header = 'account_id,day,active_users,sessions,events,minutes,licensed_seats';
    // Three files, one batch each; with one-row chunks every batch is merged on its own.
    writeFileSync(join(chunkDir, 'part-1.csv'), `${header}\nacct-3,2025-02-01,1,1,10,1,\nacct-3,2025-02-01,1,1,11,1,\nacct-3,2025-02-02,1,1,20,1,\n`);
    writeFileSync(join(chunkDir, 'part-2.csv'), `${header}\nacct-3,2025-02-01,1,1,12,1,\nacct-3,2025-02-03,1,1,30,1,\n`);
    writeFileSync(join(chunkDir, 'part-3.csv'), `${header}\nacct-3,2025-02-03,1,1,30,1,\nacct-3,2025-02-04,1,1,40,1,\n`);
    const source = fileSourceSchema.parse({ kind: 'file', entity: 'usage_daily', path: 'part-*.csv' });
    const summary = await ingestSource(db, { name: 'usage-chunks', source }, { logger: silentLogger, baseDir: chunkDir, mergeChunkRows: 1 });
    // part-1: 02-01 twice in one chunk (one duplicate, 11 wins) and 02-02; part-2: 02-01 again (updated to 12)
    // and 02-03; part-3: 02-03 unchanged and 02-04. Inserted 4, updated 1, unchanged 1 + the duplicate.
    expect(summary).toMatchObject({ status: 'succeeded', read: 7, inserted: 4, updated: 1, unchanged: 2, duplicates: 1 });
    const rows = await db
      .selectFrom('usage_daily')
      .innerJoin('accounts', 'accounts.account_id', 'usage_daily.account_id')
      .select(['day', 'events'])
      .where('external_id', '=', 'acct-3')
      .where('day', '>=', '2025-02-01')
      .orderBy('day')
      .execute();
    expect(rows.map((row) => row.events)).toEqual([12, 20, 30, 40]);
  });
});
