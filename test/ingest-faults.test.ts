// Ingestion faults found by the reliability probe (issue 16) and header-less CSV (issue 15 item 4), on both
// backends. Each bad value is one quarantined row with a reason a person can act on, never a failed load;
// a broken file fails with its line number; reruns replace open rejects; retry-rejects validates as a load.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { fileSourceSchema, type Entity } from '../config/sources.ts';
import { parseConfig } from '../config/load.ts';
import { retryRejects } from '../pipelines/ingest/retry.ts';
import { ingestSource } from '../pipelines/ingest/run.ts';
import { silentLogger } from '../pipelines/log.ts';
import { RAW_ALTERED_NOTE } from '../sql/ingest.ts';
import type { DB } from '../sql/schema.ts';
import { describeEachBackend } from './support/database.ts';

const ACCOUNTS_HEADER = 'account_id,name,arr_cents,csm_slack_id,contract_start,renewal_date';
const USAGE_HEADER = 'account_id,day,active_users,sessions,events,minutes,licensed_seats';

describeEachBackend('ingest faults', (context) => {
  const dir = mkdtempSync(join(tmpdir(), 'radar-ingest-faults-'));

  /** Writes `file` and loads it as source `name` (every file re-read; no reject-share guard unless given). */
  async function load(name: string, entity: Entity, file: string, contents: string | Buffer, extra: Record<string, unknown> = {}) {
    writeFileSync(join(dir, file), contents);
    const source = fileSourceSchema.parse({ kind: 'file', entity, path: file, maxRejectShare: 1, ...extra });
    return ingestSource(context().db, { name, source }, { logger: silentLogger, baseDir: dir, force: true });
  }

  const openRejects = (db: Kysely<DB>, source: string) =>
    db.selectFrom('ingest_rejects').select(['location', 'reason', 'raw', 'retryable']).where('source', '=', source).where('resolved_at', 'is', null).orderBy('location').execute();
  const usageCount = async (db: Kysely<DB>) => Number((await db.selectFrom('usage_daily').select(db.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('quarantines a bad Slack id, a NUL byte and invalid UTF-8 in accounts, and loads the rest', async () => {
    const { db } = context();
    const file = Buffer.concat([
      Buffer.from(`${ACCOUNTS_HEADER}\nacct-1,Acme,100,U024BE7LH,2024-01-01,2026-01-01\nacct-2,Globex,200,,2024-01-01,2026-01-01\n`),
      Buffer.from('acct-3,Evil,300,U0LKJZN9R> <!channel,2024-01-01,2026-01-01\n'),
      Buffer.from('acct-4,Nul\u0000Corp,300,,2024-01-01,2026-01-01\n'),
      Buffer.from('acct-5,Bad'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('Bytes,300,,2024-01-01,2026-01-01\n'),
    ]);
    const summary = await load('faults-accounts', 'accounts', 'accounts.csv', file);
    expect(summary).toMatchObject({ status: 'succeeded', read: 5, inserted: 2, rejected: 3 });
    const rejects = await openRejects(db, 'faults-accounts');
    expect(rejects.map(({ location, reason, retryable }) => ({ location, reason, retryable }))).toEqual([
      {
        location: 'accounts.csv:4',
        reason: 'csm_slack_id "U0LKJZN9R> <!channel" is not a Slack id (expected U…, W…, C… or G… and capital letters or digits, e.g. U024BE7LH)',
        retryable: true,
      },
      { location: 'accounts.csv:5', reason: `name contains a NUL byte (at character 4), which Postgres text cannot hold${RAW_ALTERED_NOTE}`, retryable: false },
      { location: 'accounts.csv:6', reason: 'name contains invalid UTF-8 (a byte sequence that decodes to U+FFFD at character 4)', retryable: true },
    ]);
    // jsonb cannot hold \u0000: the stored raw row shows it as ␀, and the reason says so.
    expect(rejects[1]!.raw).toMatchObject({ account_id: 'acct-4', name: 'Nul\u2400Corp' });
    expect((await db.selectFrom('accounts').select('external_id').orderBy('external_id').execute()).map((row) => row.external_id)).toEqual(['acct-1', 'acct-2']);
  });

  it('quarantines a NUL in an account reference and a number too large for its column (F1, F2), loading the other rows', async () => {
    const { db } = context();
    const usage = `${USAGE_HEADER}\nacct-1,2025-01-01,5,10,100,60,\nacct-1\u0000,2025-01-02,5,10,100,60,\nacct-1,2025-01-03,5,10,3000000000,60,\nacct-1,2025-01-04,5,10,2147483647,60,\n`;
    const summary = await load('faults-usage', 'usage_daily', 'usage.csv', usage);
    expect(summary).toMatchObject({ status: 'succeeded', read: 4, inserted: 2, rejected: 2 });
    expect((await openRejects(db, 'faults-usage')).map(({ location, reason }) => ({ location, reason }))).toEqual([
      { location: 'usage.csv:3', reason: `account_id contains a NUL byte (at character 7), which Postgres text cannot hold${RAW_ALTERED_NOTE}` },
      { location: 'usage.csv:4', reason: 'events 3000000000 is out of range for integer (-2147483648 to 2147483647)' },
    ]);
    const run = await db.selectFrom('ingestion_runs').select(['status', 'rows_rejected']).where('run_id', '=', summary.runId).executeTakeFirstOrThrow();
    expect(run).toEqual({ status: 'succeeded', rows_rejected: 2 });
  });

  it('quotes at most 200 characters of a 1 MB value in a reason', async () => {
    const { db } = context();
    const huge = 'x'.repeat(1_048_576);
    await load('faults-huge', 'usage_daily', 'huge.csv', `${USAGE_HEADER}\nacct-1,${huge},5,10,100,60,\n`);
    const [reject] = await openRejects(db, 'faults-huge');
    expect(reject!.reason).toBe(`day ${JSON.stringify('x'.repeat(200))}… (1048576 characters) is not a date (expected YYYY-MM-DD)`);
  });

  it('replaces the open rejects of a failing rerun instead of adding copies (F7)', async () => {
    const { db } = context();
    const usage = `${USAGE_HEADER}\nacct-1,2025-02-01,5,10,100,60,\nacct-1,not-a-day,5,10,100,60,\nacct-9,2025-02-01,5,10,100,60,\n`;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      // 2 of 3 rejected > the default 5%: every run fails and records its rejects.
      const summary = await load('faults-share', 'usage_daily', 'share.csv', usage, { maxRejectShare: 0.05 });
      expect(summary.status).toBe('failed');
    }
    const rejects = await openRejects(db, 'faults-share');
    expect(rejects.map((reject) => reject.location)).toEqual(['share.csv:3', 'share.csv:4']);
  });

  it('never retries a structural reject and retries the rest with the load’s own validation (F3)', async () => {
    const { db } = context();
    // A 4-field and a 9-field row (header: 7), an unknown account, and an int overflow.
    const usage = `${USAGE_HEADER}\nacct-1,2025-03-01,5,10\nacct-1,2025-03-02,5,10,100,60,1,2,3\nacct-7,2025-03-03,5,10,100,60,\nacct-1,2025-03-04,5,10,100,60,9999999999\n`;
    expect(await load('faults-retry', 'usage_daily', 'retry.csv', usage)).toMatchObject({ status: 'succeeded', read: 4, inserted: 0, rejected: 4 });
    const before = await usageCount(db);
    await db.insertInto('accounts').values({ external_id: 'acct-7', name: 'Late', arr_cents: 1, contract_start: '2024-01-01', renewal_date: '2026-01-01' }).execute();

    const config = parseConfig({ playbooks: {}, sources: { 'faults-retry': { kind: 'file', entity: 'usage_daily', path: 'retry.csv' } } }).config;
    const [summary] = await retryRejects(db, config, { logger: silentLogger, only: 'faults-retry' });
    expect(summary).toMatchObject({ retried: 2, loaded: 1, stillRejected: 3, notRetryable: 2 });
    expect(summary!.skippedReason).toBe('2 structural reject(s) not retried (wrong field count, broken CSV or JSON): fix the file and load it again with --force');
    expect(summary!.run).toMatchObject({ status: 'succeeded', inserted: 1, rejected: 1 });
    // Only acct-7's row arrived: no row was built from a short or long row with defaults filled in.
    expect(await usageCount(db)).toBe(before + 1);
    expect((await openRejects(db, 'faults-retry')).map(({ location, reason, retryable }) => ({ location, reason, retryable }))).toEqual([
      { location: 'retry.csv:2', reason: 'row has 4 fields, the header has 7', retryable: false },
      { location: 'retry.csv:3', reason: 'row has 9 fields, the header has 7', retryable: false },
      { location: 'retry.csv:5', reason: 'licensed_seats 9999999999 is out of range for integer (-2147483648 to 2147483647)', retryable: true },
    ]);
  });

  it('fails a file whose quoted field runs on past maxQuotedLines, naming the line (F8)', async () => {
    const { db } = context();
    const before = await usageCount(db);
    const rows = Array.from({ length: 30 }, (_, index) => `acct-1,2025-04-${String(index + 1).padStart(2, '0')},1,1,1,1,`);
    // Line 3 opens a quote that the next quote (line 33) closes: 30 rows would be swallowed.
    const usage = `${USAGE_HEADER}\nacct-1,2025-05-01,1,1,1,1,\nacct-1,"2025-05-02,1,1,1,1,\n${rows.join('\n')}\nacct-1,2025-05-03",1,1,1,1,\n`;
    const summary = await load('faults-quote', 'usage_daily', 'quote.csv', usage);
    expect(summary).toMatchObject({ status: 'failed', inserted: 0 });
    expect(summary.error).toBe('quote.csv:3: a quoted field opened on line 3 spans more than 10 line breaks (unterminated quote? raise maxQuotedLines if the file really has such fields); the file was not loaded');
    const unterminated = await load('faults-quote-eof', 'usage_daily', 'eof.csv', `${USAGE_HEADER}\nacct-1,2025-05-01,1,1,1,1,\nacct-1,"2025-05-02,1,1,1,1,\n`);
    expect(unterminated.error).toBe('eof.csv:3: a quoted field opened on line 3 is never closed (unterminated quote); the file was not loaded');
    // Within the limit a multi-line quoted field is data (here: a bad day, quarantined as one row).
    const allowed = await load('faults-quote-ok', 'usage_daily', 'ok.csv', `${USAGE_HEADER}\nacct-1,"2025-05\n-02\n",1,1,1,1,\nacct-1,2025-05-04,1,1,1,1,\n`, { maxQuotedLines: 2 });
    expect(allowed).toMatchObject({ status: 'succeeded', read: 2, inserted: 1, rejected: 1 });
    expect(await usageCount(db)).toBe(before + 1);
    const runs = await db.selectFrom('ingestion_runs').select(['source', 'status', 'error']).where('source', 'in', ['faults-quote', 'faults-quote-eof']).orderBy('source').execute();
    expect(runs).toEqual([
      { source: 'faults-quote', status: 'failed', error: summary.error },
      { source: 'faults-quote-eof', status: 'failed', error: unterminated.error },
    ]);
  });

  it('fails a CRLF file with a bare LF, naming the line (F8); a bare LF inside quotes is data', async () => {
    const { db } = context();
    const before = await usageCount(db);
    const mixed = `${USAGE_HEADER}\r\nacct-1,2025-06-01,1,1,1,1,\r\nacct-1,2025-06-02,1,1,1,1,\nacct-1,2025-06-03,1,1,1,1,\r\n`;
    const summary = await load('faults-endings', 'usage_daily', 'mixed.csv', mixed);
    expect(summary.error).toBe('mixed.csv:3: line ends with LF but earlier lines end with CRLF (mixed line endings would merge or split rows); the file was not loaded');
    expect(await usageCount(db)).toBe(before);
    // Spreadsheets write LF inside quoted cells of CRLF files: that is not a mixed ending.
    const quoted = `account_id,name,arr_cents,contract_start,renewal_date\r\nacct-8,"Two\nLines",5,2024-01-01,2026-01-01\r\n`;
    expect(await load('faults-endings-ok', 'accounts', 'quoted.csv', quoted)).toMatchObject({ status: 'succeeded', inserted: 1 });
    expect(await db.selectFrom('accounts').select('name').where('external_id', '=', 'acct-8').executeTakeFirstOrThrow()).toEqual({ name: 'Two\nLines' });
  });

  it('reads a CSV without a header row by 1-based column numbers, and retries its rejects the same way', async () => {
    const { db } = context();
    const mapping = { account_id: 2, day: 1, active_users: 3 };
    const summary = await load('faults-positional', 'usage_daily', 'positional.csv', '2025-07-01,acct-1,4\n2025-07-02,acct-6,5\n2025-07-03,acct-1,6,7\n', { header: false, mapping });
    expect(summary).toMatchObject({ status: 'succeeded', read: 3, inserted: 1, rejected: 2 });
    const rejects = await openRejects(db, 'faults-positional');
    expect(rejects.map(({ location, reason, raw }) => ({ location, reason, raw }))).toEqual([
      { location: 'positional.csv:2', reason: 'unknown account acct-6', raw: { 1: '2025-07-02', 2: 'acct-6', 3: '5' } },
      { location: 'positional.csv:3', reason: 'row has 4 fields, the first row has 3', raw: { 1: '2025-07-03', 2: 'acct-1', 3: '6', _extra: ['7'] } },
    ]);
    const stored = await db.selectFrom('usage_daily').select(['day', 'active_users']).where('day', '=', '2025-07-01').execute();
    expect(stored).toEqual([{ day: '2025-07-01', active_users: 4 }]);

    await db.insertInto('accounts').values({ external_id: 'acct-6', name: 'Six', arr_cents: 1, contract_start: '2024-01-01', renewal_date: '2026-01-01' }).execute();
    const config = parseConfig({ playbooks: {}, sources: { 'faults-positional': { kind: 'file', entity: 'usage_daily', path: 'positional.csv', header: false, mapping } } }).config;
    const [retried] = await retryRejects(db, config, { logger: silentLogger, only: 'faults-positional' });
    expect(retried).toMatchObject({ retried: 1, loaded: 1, notRetryable: 1 });
    expect(await db.selectFrom('usage_daily').select(['day', 'active_users']).where('day', '=', '2025-07-02').execute()).toEqual([{ day: '2025-07-02', active_users: 5 }]);
  });

  it('fails a file at once when a mapped column is missing, printing the header it found', async () => {
    const withHeader = await load('faults-mapping', 'usage_daily', 'mapped.csv', 'customer,date,users,seats\nacct-1,2025-08-01,3,4\n', {
      mapping: { account_id: 'customer', day: 'date', active_users: 'users', licensed_seats: 'seat_count' },
    });
    expect(withHeader.error).toBe('mapped.csv: column "seat_count" for usage_daily.licensed_seats is not in the header (customer, date, users, seats); map it under sources.faults-mapping.mapping.licensed_seats');
    const beyond = await load('faults-mapping-pos', 'usage_daily', 'beyond.csv', '2025-08-01,acct-1,3\n', { header: false, mapping: { account_id: 2, day: 1, active_users: 5 } });
    expect(beyond.error).toBe('beyond.csv: sources.faults-mapping-pos.mapping.active_users is column 5, but the first row has only 3 fields');
    const unmapped = await load('faults-mapping-none', 'usage_daily', 'none.csv', '2025-08-01,acct-1,3\n', { header: false, mapping: { account_id: 2, day: 1 } });
    expect(unmapped.error).toBe('none.csv: the file has no header row (header: false), so usage_daily.active_users needs a column number under sources.faults-mapping-none.mapping.active_users (the first row has 3 fields)');
  });

  it('closes a run left running by a dead process when the source runs next', async () => {
    const { db } = context();
    // What a SIGKILL leaves: the run's row committed as running, its data transaction rolled back.
    const dead = await db.insertInto('ingestion_runs').values({ source: 'faults-dead', entity: 'usage_daily' }).returning('run_id').executeTakeFirstOrThrow();
    const summary = await load('faults-dead', 'usage_daily', 'dead.csv', `${USAGE_HEADER}\nacct-1,2025-09-01,1,1,1,1,\n`);
    expect(summary.status).toBe('succeeded');
    const runs = await db.selectFrom('ingestion_runs').select(['run_id', 'status', 'error']).where('source', '=', 'faults-dead').orderBy('run_id').execute();
    expect(runs).toEqual([
      { run_id: dead.run_id, status: 'failed', error: 'the process running it stopped before it finished (found by the next run of the source); nothing it read was committed' },
      { run_id: summary.runId, status: 'succeeded', error: null },
    ]);
  });
});

describe('header-less CSV config', () => {
  const parse = (source: Record<string, unknown>) => () => parseConfig({ playbooks: {}, sources: { usage: { kind: 'file', entity: 'usage_daily', path: 'u.csv', ...source } } });
  it('names the key of a mapping that is not a column number when header is false', () => {
    expect(parse({ header: false, mapping: { account_id: 'customer', day: 2 } })).toThrow('sources.usage.mapping.account_id: with header: false, map each field to a 1-based column number (got "customer")');
    expect(parse({ mapping: { day: 0 } })).toThrow('sources.usage.mapping.day: must be a column name, or a 1-based column number (1, 2, …)');
    expect(parse({ maxQuotedLines: -1 })).toThrow('sources.usage.maxQuotedLines');
  });
  it('defaults to a header row and 10 quoted line breaks', () => {
    const source = parseConfig({ playbooks: {}, sources: { usage: { kind: 'file', entity: 'usage_daily', path: 'u.csv', header: false, mapping: { account_id: 1 } } } }).config.sources.usage!;
    expect(source).toMatchObject({ header: false, maxQuotedLines: 10, mapping: { account_id: '1' } });
    expect(parseConfig({ playbooks: {}, sources: { usage: { kind: 'file', entity: 'usage_daily', path: 'u.csv' } } }).config.sources.usage).toMatchObject({ header: true, maxQuotedLines: 10 });
  });
});
