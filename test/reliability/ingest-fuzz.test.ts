// Reliability suite (issue 16): a seeded fuzz company of accounts and 12k+ usage rows carrying every fault the
// probe found (NUL bytes, invalid UTF-8, int overflow, 1 MB cells, wrong field counts, bad Slack ids, bad
// dates), loaded on both backends. Good rows stored = good rows in the file; every bad row is in quarantine at
// its own line with a reason; nothing crashes. Faults that break a file's structure (an unterminated quote,
// mixed line endings) fail their own file with the line number and store nothing from it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { fileSourceSchema, type Entity } from '../../config/sources.ts';
import { ingestSource } from '../../pipelines/ingest/run.ts';
import { silentLogger } from '../../pipelines/log.ts';
import { seededRandom } from '../../models/synthetic-data.ts';
import { describeEachBackend } from '../support/database.ts';

const ACCOUNTS = 400;
const DAYS = 30;
const MEGABYTE = 'x'.repeat(1_048_576);
const INVALID_UTF8 = Buffer.from([0xc3, 0x28, 0xff]);

interface FuzzFile {
  readonly bytes: Buffer;
  readonly rows: number;
  /** Line numbers of the rows that must be quarantined. */
  readonly badLines: number[];
}

interface FuzzCompany {
  readonly accounts: FuzzFile;
  readonly usage: FuzzFile;
  /** "external_id day" of every usage row that must be stored, with its events. */
  readonly goodUsage: Map<string, number>;
  readonly faults: Record<string, number>;
}

function buildCompany(seed: number): FuzzCompany {
  const next = seededRandom(seed);
  const faults: Record<string, number> = {};
  const count = (kind: string) => (faults[kind] = (faults[kind] ?? 0) + 1);
  const accountLines: Buffer[] = [Buffer.from('account_id,name,arr_cents,csm_slack_id,contract_start,renewal_date\n')];
  const accountBad: number[] = [];
  const goodAccounts = new Set<string>();
  const accountFaults = ['slack', 'slack-lower', 'nul', 'utf8', 'fields', 'too-large'] as const;
  for (let index = 0; index < ACCOUNTS; index += 1) {
    const id = `acct-${String(index).padStart(4, '0')}`;
    const fault = next() < 0.08 ? accountFaults[index % accountFaults.length]! : undefined;
    const line = accountLines.length + 1;
    let row: Buffer;
    if (fault === 'slack') row = Buffer.from(`${id},Co ${index},1000,U0LKJZN9R> <!channel,2024-01-01,2026-01-01\n`);
    else if (fault === 'slack-lower') row = Buffer.from(`${id},Co ${index},1000,u024be7lh,2024-01-01,2026-01-01\n`);
    else if (fault === 'nul') row = Buffer.from(`${id},Co\u0000 ${index},1000,,2024-01-01,2026-01-01\n`);
    else if (fault === 'utf8') row = Buffer.concat([Buffer.from(`${id},Co `), INVALID_UTF8, Buffer.from(`,1000,,2024-01-01,2026-01-01\n`)]);
    else if (fault === 'fields') row = Buffer.from(`${id},Co ${index},1000,2024-01-01\n`);
    else if (fault === 'too-large') row = Buffer.from(`${id},Co ${index},99999999999999999999,,2024-01-01,2026-01-01\n`);
    else row = Buffer.from(`${id},"Co ${index}, Inc.",${1000 + index},U0${String(index).padStart(7, 'A')},2024-01-01,2026-01-01\n`);
    accountLines.push(row);
    if (fault) {
      count(`accounts:${fault}`);
      accountBad.push(line);
    } else goodAccounts.add(id);
  }

  const usageLines: Buffer[] = [Buffer.from('account_id,day,active_users,sessions,events,minutes,licensed_seats\n')];
  const usageBad: number[] = [];
  const goodUsage = new Map<string, number>();
  const usageFaults = ['nul', 'utf8', 'int4-events', 'int4-sessions', 'megabyte', 'short', 'long', 'bad-day', 'negative'] as const;
  let megabytes = 0;
  for (let index = 0; index < ACCOUNTS; index += 1) {
    const id = `acct-${String(index).padStart(4, '0')}`;
    for (let offset = 0; offset < DAYS; offset += 1) {
      const day = `2025-03-${String(offset + 1).padStart(2, '0')}`;
      const events = Math.floor(next() * 10_000);
      let fault: string | undefined = next() < 0.06 ? usageFaults[Math.floor(next() * usageFaults.length)] : undefined;
      // Three 1 MB cells are plenty (each is a 1 MB raw row in quarantine).
      if (fault === 'megabyte' && (megabytes += 1) > 3) fault = 'bad-day';
      const line = usageLines.length + 1;
      const quotedId = next() < 0.05 ? `"${id}"` : id;
      let row: Buffer;
      if (fault === 'nul') row = Buffer.from(`${id}\u0000,${day},1,1,${events},1,\n`);
      else if (fault === 'utf8') row = Buffer.concat([Buffer.from(id), INVALID_UTF8, Buffer.from(`,${day},1,1,${events},1,\n`)]);
      else if (fault === 'int4-events') row = Buffer.from(`${id},${day},1,1,3000000000,1,\n`);
      else if (fault === 'int4-sessions') row = Buffer.from(`${id},${day},1,2147483648,${events},1,\n`);
      else if (fault === 'megabyte') row = Buffer.from(`${id},${MEGABYTE},1,1,${events},1,\n`);
      else if (fault === 'short') row = Buffer.from(`${id},${day},1,1\n`);
      else if (fault === 'long') row = Buffer.from(`${id},${day},1,1,${events},1,1,extra,fields\n`);
      else if (fault === 'bad-day') row = Buffer.from(`${id},2025-02-30,1,1,${events},1,\n`);
      else if (fault === 'negative') row = Buffer.from(`${id},${day},-1,1,${events},1,\n`);
      else row = Buffer.from(`${quotedId},${day},${1 + (events % 50)},2,${events},3,60\n`);
      usageLines.push(row);
      // A row of a quarantined account is bad too: its account is unknown.
      const bad = fault !== undefined || !goodAccounts.has(id);
      if (bad) {
        count(`usage:${fault ?? 'unknown-account'}`);
        usageBad.push(line);
      } else goodUsage.set(`${id} ${day}`, events);
    }
  }
  return {
    accounts: { bytes: Buffer.concat(accountLines), rows: accountLines.length - 1, badLines: accountBad },
    usage: { bytes: Buffer.concat(usageLines), rows: usageLines.length - 1, badLines: usageBad },
    goodUsage,
    faults,
  };
}

describeEachBackend('reliability: fuzzed ingest files', (context) => {
  const dir = mkdtempSync(join(tmpdir(), 'radar-fuzz-'));
  const company = buildCompany(16);

  async function load(name: string, entity: Entity, file: string, bytes: Buffer) {
    writeFileSync(join(dir, file), bytes);
    const source = fileSourceSchema.parse({ kind: 'file', entity, path: file, maxRejectShare: 1 });
    return ingestSource(context().db, { name, source }, { logger: silentLogger, baseDir: dir });
  }

  it('stores exactly the good rows and quarantines every bad row at its line, with a reason', async () => {
    const { db } = context();
    expect(company.usage.rows).toBeGreaterThanOrEqual(12_000);
    const started = performance.now();
    const accounts = await load('fuzz-accounts', 'accounts', 'accounts.csv', company.accounts.bytes);
    const usage = await load('fuzz-usage', 'usage_daily', 'usage.csv', company.usage.bytes);
    const seconds = (performance.now() - started) / 1000;

    expect(accounts).toMatchObject({ status: 'succeeded', read: company.accounts.rows, inserted: company.accounts.rows - company.accounts.badLines.length, rejected: company.accounts.badLines.length });
    expect(usage).toMatchObject({ status: 'succeeded', read: company.usage.rows, inserted: company.goodUsage.size, rejected: company.usage.badLines.length });

    const stored = await db
      .selectFrom('usage_daily')
      .innerJoin('accounts', 'accounts.account_id', 'usage_daily.account_id')
      .select(['external_id', 'day', 'events'])
      .execute();
    const storedMap = new Map(stored.map((row) => [`${row.external_id} ${row.day}`, row.events]));
    expect(storedMap).toEqual(company.goodUsage);

    const rejects = await db.selectFrom('ingest_rejects').select(['source', 'location', 'reason']).where('resolved_at', 'is', null).execute();
    const locations = (source: string) => rejects.filter((reject) => reject.source === source).map((reject) => reject.location).sort();
    expect(locations('fuzz-accounts')).toEqual(company.accounts.badLines.map((line) => `accounts.csv:${line}`).sort());
    expect(locations('fuzz-usage')).toEqual(company.usage.badLines.map((line) => `usage.csv:${line}`).sort());
    const longest = Math.max(...rejects.map((reject) => reject.reason.length));
    expect(rejects.every((reject) => reject.reason.length > 10)).toBe(true);
    // The longest reason is a quoted 1 MB cell: 200 characters of it, plus the rule it broke.
    expect(longest).toBeLessThan(600);
    expect(rejects.filter((reject) => reject.reason.includes('… (1048576 characters)'))).toHaveLength(company.faults['usage:megabyte'] ?? 0);

    console.log(
      `[reliability] fuzz (${context().backend.name}): ${company.accounts.rows} accounts + ${company.usage.rows} usage rows, ` +
        `${company.accounts.badLines.length + company.usage.badLines.length} bad (${Object.entries(company.faults).map(([kind, n]) => `${kind} ${n}`).join(', ')}); ` +
        `stored ${stored.length} = ${company.goodUsage.size} good usage rows, quarantined ${rejects.length}, longest reason ${longest} chars, ${seconds.toFixed(1)} s`,
    );
  });

  it('fails a file with an unterminated quote or mixed line endings at its line, storing nothing from it', async () => {
    const { db } = context();
    const before = Number((await db.selectFrom('usage_daily').select(db.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const good = (day: number) => `acct-0001,2025-04-${String(day).padStart(2, '0')},1,1,1,1,`;
    const rows = Array.from({ length: 28 }, (_, index) => good(index + 2));
    const header = 'account_id,day,active_users,sessions,events,minutes,licensed_seats';
    const quote = await load('fuzz-quote', 'usage_daily', 'quote.csv', Buffer.from(`${header}\n${good(1)}\n"acct-0001,2025-05-01,1,1,1,1,\n${rows.join('\n')}\n`));
    expect(quote).toMatchObject({ status: 'failed', inserted: 0 });
    expect(quote.error).toMatch(/^quote\.csv:3: a quoted field opened on line 3 spans more than 10 line breaks/);
    const mixed = await load('fuzz-endings', 'usage_daily', 'mixed.csv', Buffer.from(`${header}\r\n${rows.slice(0, 5).join('\r\n')}\r\n${rows.slice(5).join('\n')}\n`));
    expect(mixed).toMatchObject({ status: 'failed', inserted: 0 });
    expect(mixed.error).toMatch(/^mixed\.csv:7: line ends with LF but earlier lines end with CRLF/);
    expect(Number((await db.selectFrom('usage_daily').select(db.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)).toBe(before);
    const running = await db.selectFrom('ingestion_runs').select('run_id').where('status', '=', 'running').execute();
    expect(running).toEqual([]);
  });
});
