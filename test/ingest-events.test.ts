// Bring your own signals, ingestion side (issue 14), on both backends: raw event exports (CSV, NDJSON,
// the Segment preset) aggregated into per-day totals and distinct users, renamed/included/excluded names,
// idempotent reloads and overlapping exports, bad rows quarantined with their reason, wide daily files,
// and account signals with a value map. Every expected total below is counted by hand from the fixture.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { fedMetricNames, fedSignalNames, metricNameOf, sourceSchema, type SourceConfig } from '../config/sources.ts';
import type { ConfigError } from '../config/errors.ts';
import { parseConfig } from '../config/load.ts';
import { retryRejects } from '../pipelines/ingest/retry.ts';
import { ingestSource } from '../pipelines/ingest/run.ts';
import { describeSkippedEvents, type SkippedEvents } from '../pipelines/ingest/usage-events.ts';
import { silentLogger } from '../pipelines/log.ts';
import type { DB } from '../sql/schema.ts';
import { ensureMetricIds } from '../sql/usage-metrics.ts';
import { describeEachBackend } from './support/database.ts';

const ACCOUNTS = `account_id,name,arr_cents,contract_start,renewal_date
acct-1,Acme,1200000,2024-01-15,2026-01-15
acct-2,Globex,9900000,2023-06-01,2026-06-01
`;

// 13 data lines: 9 valid events (2 of them "Page Viewed", excluded), 4 bad ones (lines 11–14).
const EVENTS_CSV = `account,ts,event,user,qty
acct-1,2025-01-01T09:00:00Z,Report Created,u1,
acct-1,2025-01-01T10:00:00Z,Report Created,u1,
acct-1,2025-01-01T23:59:59Z,Report Created,u2,
acct-1,2025-01-02T00:00:00Z,Report Created,u2,
acct-1,2025-01-01T12:00:00Z,Data Exported,u3,5
acct-2,2025-01-01T12:00:00Z,Report Created,,
acct-2,2025-01-01T08:00:00+02:00,Page Viewed,u9,
acct-1,2025-01-01T12:00:00Z,Page Viewed,u1,
acct-1,2025-01-01T12:00:00Z,Login,u1,
,2025-01-01T12:00:00Z,Report Created,u1,
acct-1,yesterday,Report Created,u1,
acct-9,2025-01-01T12:00:00Z,Report Created,u1,
acct-1,2025-01-01T12:00:00Z,Report Created,u1,-2
`;

const SEGMENT = [
  { type: 'track', event: 'Report Created', userId: 'u1', timestamp: '2025-01-03T10:00:00.123Z', context: { groupId: 'acct-1' }, properties: {} },
  { type: 'track', event: 'Report Created', userId: 'u2', timestamp: '2025-01-03T11:00:00Z', groupId: 'acct-1' },
  { type: 'track', event: 'Integration Connected', userId: 'u2', timestamp: '2025-01-03T11:00:00Z', context: { groupId: 'acct-2' } },
  { type: 'track', event: 'Report Created', userId: 'u1', timestamp: '2025-01-03T12:00:00Z' },
]
  .map((event) => JSON.stringify(event))
  .join('\n');

const source = (config: Record<string, unknown>): SourceConfig => sourceSchema.parse({ kind: 'file', ...config });

const EVENTS_SOURCE = {
  entity: 'usage_events',
  path: 'events.csv',
  mapping: { account_id: 'account', timestamp: 'ts', user_id: 'user', count: 'qty' },
  events: { rename: { 'Report Created': 'reports' }, exclude: ['Page Viewed'] },
  maxRejectShare: 0.5,
};

type Total = { account: string; day: string; metric: string; value: number; users: number | null; source: string };

/** The stored totals by name, through the view people read them with (usage_metrics_daily_readable). */
async function totals(db: Kysely<DB>): Promise<Total[]> {
  const rows = await db
    .selectFrom('usage_metrics_daily_readable as m')
    .innerJoin('accounts as a', 'a.account_id', 'm.account_id')
    .select(['a.external_id as account', 'm.day', 'm.metric', 'm.value', 'm.users', 'm.source'])
    .orderBy('a.external_id')
    .orderBy('m.day')
    .orderBy('m.metric')
    .execute();
  // A view's columns are all nullable to information_schema; these come from NOT NULL columns (users aside).
  return rows as Total[];
}

function folder(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), 'radar-events-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

describeEachBackend('ingesting events, wide metrics and signals', (context) => {
  const dir = folder({ 'accounts.csv': ACCOUNTS, 'events.csv': EVENTS_CSV, 'segment.ndjson.gz': gzipSync(`${SEGMENT}\n`) });
  const load = (name: string, config: Record<string, unknown>, baseDir = dir, force = false) =>
    ingestSource(context().db, { name, source: source(config) }, { logger: silentLogger, baseDir, force });

  it('sums a CSV event export per account, day and metric, with distinct users, renamed and excluded names', async () => {
    const { db } = context();
    expect(await load('accounts', { entity: 'accounts', path: 'accounts.csv' })).toMatchObject({ status: 'succeeded', inserted: 2 });
    const summary = await load('events', EVENTS_SOURCE);
    // 13 read, 4 quarantined; the 7 loaded events make 5 totals.
    expect(summary).toMatchObject({ status: 'succeeded', read: 13, rejected: 4, inserted: 5, updated: 0 });
    expect(summary.detail?.skippedEvents).toEqual({ total: 2, names: [{ event: 'Page Viewed', count: 2, reason: 'excluded' }], moreNames: 0 });
    expect(describeSkippedEvents(summary.detail?.skippedEvents as SkippedEvents)).toBe('2 event(s) not loaded by name: "Page Viewed" ×2 (excluded)');
    expect(await totals(db)).toEqual([
      // 09:00 u1, 10:00 u1, 23:59:59 u2 (still the 1st in UTC); midnight belongs to the 2nd.
      { account: 'acct-1', day: '2025-01-01', metric: 'data_exported', value: 5, users: 1, source: 'events' },
      { account: 'acct-1', day: '2025-01-01', metric: 'login', value: 1, users: 1, source: 'events' },
      { account: 'acct-1', day: '2025-01-01', metric: 'reports', value: 3, users: 2, source: 'events' },
      { account: 'acct-1', day: '2025-01-02', metric: 'reports', value: 1, users: 1, source: 'events' },
      // No user on the only event: distinct users unknown, not zero.
      { account: 'acct-2', day: '2025-01-01', metric: 'reports', value: 1, users: null, source: 'events' },
    ]);
  });

  it('quarantines each bad event with its reason', async () => {
    const { db } = context();
    const rejects = await db.selectFrom('ingest_rejects').select(['location', 'reason']).where('source', '=', 'events').orderBy('reject_id').execute();
    expect(rejects).toEqual([
      { location: 'events.csv:11', reason: 'account_id is missing' },
      { location: 'events.csv:12', reason: 'timestamp "yesterday" is not a timestamp (expected ISO 8601, e.g. 2026-01-31T14:05:00Z)' },
      // An unknown account follows the rule of every other entity: quarantined until it arrives.
      { location: 'events.csv:13', reason: 'unknown account acct-9' },
      { location: 'events.csv:14', reason: 'count -2 is negative' },
    ]);
  });

  it('changes nothing when the same export is loaded again', async () => {
    const { db } = context();
    const before = await totals(db);
    const skipped = await load('events', EVENTS_SOURCE);
    expect(skipped).toMatchObject({ status: 'succeeded', read: 0, inserted: 0, updated: 0, detail: { filesSkipped: ['events.csv'] } });
    const forced = await load('events', EVENTS_SOURCE, dir, true);
    expect(forced).toMatchObject({ status: 'succeeded', read: 13, inserted: 0, updated: 0, unchanged: 5 });
    expect(await totals(db)).toEqual(before);
  });

  it('replaces the totals of days a later, overlapping export covers, and keeps the others', async () => {
    const { db } = context();
    // The next export covers 2 Jan (now 2 reports by u2, u3) and 3 Jan; 1 Jan is not in it.
    const later = folder({ 'events.csv': 'account,ts,event,user,qty\nacct-1,2025-01-02T08:00:00Z,Report Created,u2,\nacct-1,2025-01-02T09:00:00Z,Report Created,u3,\nacct-1,2025-01-03T09:00:00Z,Report Created,u3,\n' });
    const summary = await load('events', EVENTS_SOURCE, later);
    expect(summary).toMatchObject({ status: 'succeeded', read: 3, inserted: 1, updated: 1, unchanged: 0 });
    const acme = (await totals(db)).filter((row) => row.account === 'acct-1' && row.metric === 'reports');
    expect(acme.map(({ day, value, users }) => ({ day, value, users }))).toEqual([
      { day: '2025-01-01', value: 3, users: 2 },
      { day: '2025-01-02', value: 2, users: 2 },
      { day: '2025-01-03', value: 1, users: 1 },
    ]);
  });

  it('adds up an export split across files loaded in one run', async () => {
    const { db } = context();
    const parts = folder({
      'part-1.csv': 'account,ts,event,user,qty\nacct-2,2025-01-05T08:00:00Z,Seat Removed,a,\nacct-2,2025-01-05T09:00:00Z,Seat Removed,b,\n',
      'part-2.csv': 'account,ts,event,user,qty\nacct-2,2025-01-05T22:00:00Z,Seat Removed,a,\n',
    });
    const summary = await load('events-split', { ...EVENTS_SOURCE, path: 'part-*.csv' }, parts);
    expect(summary).toMatchObject({ status: 'succeeded', read: 3, inserted: 1 });
    expect((await totals(db)).filter((row) => row.metric === 'seat_removed')).toEqual([{ account: 'acct-2', day: '2025-01-05', metric: 'seat_removed', value: 3, users: 2, source: 'events-split' }]);
  });

  it('reads a Segment track export with no mapping, counting names outside the include list', async () => {
    const { db } = context();
    const summary = await load('segment', { preset: 'segment-track', entity: 'usage_events', path: 'segment.ndjson.gz', maxRejectShare: 0.5, events: { include: ['Report Created'] } });
    // groupId and context.groupId both name the account; the event without either is quarantined.
    expect(summary).toMatchObject({ status: 'succeeded', read: 4, rejected: 1, inserted: 1 });
    expect(summary.detail?.skippedEvents).toEqual({ total: 1, names: [{ event: 'Integration Connected', count: 1, reason: 'not included' }], moreNames: 0 });
    expect((await totals(db)).filter((row) => row.source === 'segment')).toEqual([{ account: 'acct-1', day: '2025-01-03', metric: 'report_created', value: 2, users: 2, source: 'segment' }]);
    const reject = await db.selectFrom('ingest_rejects').select(['location', 'reason']).where('source', '=', 'segment').executeTakeFirstOrThrow();
    expect(reject).toEqual({ location: 'segment.ndjson.gz:4', reason: 'account_id is missing' });
  });

  it("puts an event on its timestamp's day in the source's time zone", async () => {
    const { db } = context();
    // 03:30 UTC on 7 Jan is 22:30 on 6 Jan in New York; 05:30 UTC is 00:30 on 7 Jan there.
    const zoned = folder({ 'e.ndjson': ['2025-01-07T03:30:00Z', '2025-01-07T05:30:00Z', '2025-01-07T01:00:00'].map((timestamp) => JSON.stringify({ account_id: 'acct-2', timestamp, event: 'API Call' })).join('\n') });
    expect(await load('zoned', { entity: 'usage_events', path: 'e.ndjson', timezone: 'America/New_York' }, zoned)).toMatchObject({ status: 'succeeded', inserted: 2 });
    // The offset-less 01:00 is New York wall-clock time: 7 Jan there.
    expect((await totals(db)).filter((row) => row.source === 'zoned').map(({ day, value }) => ({ day, value }))).toEqual([
      { day: '2025-01-06', value: 1 },
      { day: '2025-01-07', value: 2 },
    ]);
  });

  it('adds quarantined events to the totals once their account arrives', async () => {
    const { db } = context();
    await db.insertInto('accounts').values({ external_id: 'acct-9', name: 'Late', arr_cents: 1, contract_start: '2024-01-01', renewal_date: '2026-01-01' }).execute();
    const config = parseConfig({ playbooks: {}, sources: { events: { kind: 'file', ...EVENTS_SOURCE } } }).config;
    const [retried] = await retryRejects(db, config, { logger: silentLogger, only: 'events' });
    // 4 open rejects: the forced reload replaced the first load's, never duplicated them (issue 16 F7); acct-9's event now loads, once.
    expect(retried).toMatchObject({ retried: 4, loaded: 1, stillRejected: 3 });
    expect((await totals(db)).filter((row) => row.account === 'acct-9')).toEqual([{ account: 'acct-9', day: '2025-01-01', metric: 'reports', value: 1, users: 1, source: 'events' }]);
  });

  it('unpivots a wide daily file into one row per metric, the last repeat of a day winning', async () => {
    const { db } = context();
    const wide = folder({ 'daily.csv': 'account_id,day,Reports,API calls\nacct-1,2025-02-01,4,100\nacct-1,2025-02-02,,7\nacct-2,2025-02-01,1.5,0\nacct-2,2025-02-01,2,0\nacct-1,2025-02-03,-1,3\n' });
    const summary = await load('wide', { entity: 'usage_metrics', path: 'daily.csv', metrics: { reports: 'Reports', api_calls: 'API calls' }, maxRejectShare: 0.5 }, wide);
    expect(summary).toMatchObject({ status: 'succeeded', read: 5, rejected: 1, inserted: 5 });
    expect((await totals(db)).filter((row) => row.source === 'wide').map(({ account, day, metric, value, users }) => [account, day, metric, value, users])).toEqual([
      ['acct-1', '2025-02-01', 'api_calls', 100, null],
      ['acct-1', '2025-02-01', 'reports', 4, null],
      // An empty cell is no row, not a zero.
      ['acct-1', '2025-02-02', 'api_calls', 7, null],
      ['acct-2', '2025-02-01', 'api_calls', 0, null],
      ['acct-2', '2025-02-01', 'reports', 2, null],
    ]);
    const reject = await db.selectFrom('ingest_rejects').select(['location', 'reason']).where('source', '=', 'wide').executeTakeFirstOrThrow();
    expect(reject).toEqual({ location: 'daily.csv:6', reason: 'reports -1 is negative' });
  });

  it('stores each metric name once with an id later loads keep, and shows rows by name in usage_metrics_daily_readable', async () => {
    const { db } = context();
    const names = await db.selectFrom('usage_metric_names').select(['metric_id', 'name']).orderBy('metric_id').execute();
    // Every load above (reloads and overlapping exports included) gave ids to new names only: 1 … n, no gaps.
    expect(names.map((row) => row.metric_id)).toEqual(names.map((_, index) => index + 1));
    expect(names.map((row) => row.name).sort()).toEqual(['api_call', 'api_calls', 'data_exported', 'login', 'report_created', 'reports', 'seat_removed']);
    const before = new Map(names.map((row) => [row.name, row.metric_id]));
    const ids = await ensureMetricIds(db, ['reports', 'brand_new', 'reports']);
    expect(ids).toEqual(new Map([['brand_new', names.length + 1], ['reports', before.get('reports')!]]));
    // The view shows the stored rows with their names, row for row.
    const stored = await sql<{ n: number }>`SELECT count(*)::int AS n FROM usage_metrics_daily`.execute(db);
    const readable = await totals(db);
    expect(readable).toHaveLength(stored.rows[0]!.n);
    expect(readable.length).toBeGreaterThan(5);
    expect(readable.every((row) => before.has(row.metric))).toBe(true);
  });

  it('loads account signals, mapping text answers to numbers and quarantining unmapped ones', async () => {
    const { db } = context();
    const survey = folder({
      'nps.csv': 'account,answered_at,answer\nacct-1,2025-03-01T10:00:00Z,Promoter\nacct-2,2025-03-02T10:00:00Z,7\nacct-2,2025-03-03T10:00:00Z,Maybe\n',
      'crm.csv': 'account_id,observed_at,signal,value\nacct-2,2025-03-04,Exec Sponsor Left,1\n',
    });
    const nps = await load(
      'nps',
      { entity: 'account_signals', path: 'nps.csv', mapping: { account_id: 'account', observed_at: 'answered_at', value: 'answer' }, defaults: { name: 'NPS' }, values: { value: { promoter: '10', detractor: '0' } }, maxRejectShare: 0.5 },
      survey,
    );
    expect(nps).toMatchObject({ status: 'succeeded', read: 3, inserted: 2, rejected: 1 });
    expect(await load('crm', { entity: 'account_signals', path: 'crm.csv', mapping: { name: 'signal' } }, survey)).toMatchObject({ status: 'succeeded', inserted: 1 });
    const signals = await db
      .selectFrom('account_signals as s')
      .innerJoin('accounts as a', 'a.account_id', 's.account_id')
      .select(['a.external_id', 's.name', 's.observed_at', 's.value', 's.source'])
      .orderBy('s.observed_at')
      .execute();
    expect(signals).toEqual([
      { external_id: 'acct-1', name: 'nps', observed_at: new Date('2025-03-01T10:00:00Z'), value: 10, source: 'nps' },
      { external_id: 'acct-2', name: 'nps', observed_at: new Date('2025-03-02T10:00:00Z'), value: 7, source: 'nps' },
      { external_id: 'acct-2', name: 'exec_sponsor_left', observed_at: new Date('2025-03-04T00:00:00Z'), value: 1, source: 'crm' },
    ]);
    const reject = await db.selectFrom('ingest_rejects').select('reason').where('source', '=', 'nps').executeTakeFirstOrThrow();
    expect(reject.reason).toBe('value "Maybe" is not a number (map text answers under the source\'s values.value)');
    // Loaded again: nothing changes.
    expect(await load('nps', { entity: 'account_signals', path: 'nps.csv', mapping: { account_id: 'account', observed_at: 'answered_at', value: 'answer' }, defaults: { name: 'NPS' }, values: { value: { promoter: '10' } }, maxRejectShare: 0.5 }, survey, true)).toMatchObject({
      inserted: 0,
      updated: 0,
      unchanged: 2,
    });
  });
});

describe('names event and signal sources feed', () => {
  const sources = (configs: Record<string, Record<string, unknown>>) => Object.fromEntries(Object.entries(configs).map(([name, config]) => [name, source(config)]));

  it('normalises exported names to metric names', () => {
    expect(['Report Created', 'API calls', '2FA Enabled', 'Café Visité', '  --  ', 'billing-page.viewed'].map(metricNameOf)).toEqual(['report_created', 'api_calls', 'm_2fa_enabled', 'cafe_visite', undefined, 'billing_page_viewed']);
    expect(metricNameOf('x'.repeat(80))).toBe('x'.repeat(63));
  });

  it('lists rename targets, include lists and wide metrics, open when an event source has no include list', () => {
    const closed = sources({
      events: { entity: 'usage_events', path: 'e.csv', events: { rename: { 'Report Created': 'reports' }, include: ['Report Created', 'Data Exported', 'Login'], exclude: ['login'] } },
      wide: { entity: 'usage_metrics', path: 'w.csv', metrics: { api_calls: 'API calls' } },
    });
    expect(fedMetricNames(closed)).toEqual({ names: new Set(['active_users', 'sessions', 'events', 'minutes', 'reports', 'data_exported', 'api_calls']), open: false });
    const open = sources({ segment: { entity: 'usage_events', preset: 'segment-track', path: 's.ndjson', events: { rename: { 'Seat Removed': 'seats_removed' } } } });
    expect(fedMetricNames(open)).toEqual({ names: new Set(['active_users', 'sessions', 'events', 'minutes', 'seats_removed']), open: true });
    // No source declared: data comes through `radar ingest --dir`, whose event export may carry any name.
    expect(fedMetricNames({})).toEqual({ names: new Set(['active_users', 'sessions', 'events', 'minutes']), open: true });
    expect(fedSignalNames({})).toEqual({ names: new Set(), open: true });
  });

  it('lists fixed signal names, open when a source reads names from a column', () => {
    expect(fedSignalNames(sources({ nps: { entity: 'account_signals', path: 'n.csv', defaults: { name: 'NPS' } } }))).toEqual({ names: new Set(['nps']), open: false });
    expect(fedSignalNames(sources({ crm: { entity: 'account_signals', path: 'c.csv', mapping: { name: 'signal' } } }))).toEqual({ names: new Set(), open: true });
  });

  it('names the key when a source mixes up entity-specific settings', () => {
    const issues = (config: Record<string, unknown>): readonly string[] => {
      try {
        parseConfig({ playbooks: {}, sources: { x: { kind: 'file', path: 'x.csv', ...config } } });
        return [];
      } catch (error) {
        return (error as ConfigError).problems.map((problem) => problem.replace(/^sources\.x\./, ''));
      }
    };
    expect(issues({ entity: 'usage_daily', events: { exclude: ['x'] } })).toContain('events: only usage_events sources take events (this one feeds usage_daily)');
    expect(issues({ entity: 'usage_metrics' })).toContain('metrics: a usage_metrics source needs metrics: {metric_name: column}');
    expect(issues({ entity: 'usage_metrics', metrics: { 'API calls': 'x' } })).toEqual(['metrics.API calls: must be a metric name: a lower-case letter, then up to 62 lower-case letters, digits or _']);
    expect(issues({ entity: 'usage_metrics', metrics: { day: 'x' } })).toContain("metrics.day: day is the row's own field; name the metric otherwise");
    expect(issues({ entity: 'usage_events', events: { rename: { 'Report Created': 'Reports!' } } })).toEqual(['events.rename.Report Created: must be a metric name: a lower-case letter, then up to 62 lower-case letters, digits or _']);
    expect(issues({ entity: 'accounts', preset: 'segment-track' })).toContain('preset: preset segment-track feeds usage_events (this source says entity: accounts)');
  });
});
