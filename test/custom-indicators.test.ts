// Indicators declared in config (indicators.custom) and sparse usage days, against a hand-built company on
// both backends. Every expected value is worked out by hand below from the fixture; the one least-squares
// slope is recomputed with the textbook formula over the listed points, not by the code under test.
// D = 2024-03-31. Windows: recent 2024-03-22 … 03-31 (10 days), baseline 03-02 … 03-21 (20 days).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { sql, type Kysely } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.ts';
import type { RadarConfig } from '../config/schema.ts';
import { computeIndicators, configuredIndicators, evaluateIndicators, readIndicatorValues } from '../indicators/compute.ts';
import { customIndicatorSchema } from '../indicators/custom/schema.ts';
import type { Flag } from '../indicators/types.ts';
import { registerIndicatorCommands } from '../pipelines/cli/commands/indicators.ts';
import { createContext } from '../pipelines/cli/context.ts';
import { silentLogger } from '../pipelines/log.ts';
import type { DB } from '../sql/schema.ts';
import { ensureMetricIds } from '../sql/usage-metrics.ts';
import { describeEachBackend } from './support/database.ts';

const D = '2024-03-31';

const specs = [
  { id: 'reportsPerDay', label: 'Reports per day', kind: 'level', metric: 'reports', windowDays: 10, direction: 'lower', warning: 1, critical: 0.5 },
  { id: 'reportsPerUser', label: 'Reports per active user', kind: 'level', metric: 'reports', per: 'activeUser', windowDays: 10, direction: 'lower' },
  { id: 'reportsPerSeat', label: 'Reports per seat', kind: 'level', metric: 'reports', per: 'seat', windowDays: 10, direction: 'lower' },
  { id: 'reportsChange', label: 'Reports per day', kind: 'change', metric: 'reports', recentDays: 10, baselineDays: 20, direction: 'lower', warning: -0.3, critical: -0.6 },
  { id: 'reportsTrend', label: 'Reports', kind: 'trend', metric: 'reports', windowDays: 20, minDays: 5, direction: 'lower', warning: -1 },
  { id: 'dislikeRatio', label: 'Dislikes per like', kind: 'ratio', numerator: 'dislikes', denominator: 'likes', windowDays: 10, floor: 0, direction: 'higher', warning: 0.3, critical: 1 },
  { id: 'dislikeRatioFloored', label: 'Dislikes per like', kind: 'ratio', numerator: 'dislikes', denominator: 'likes', windowDays: 10, floor: 5, direction: 'higher' },
  { id: 'reportShare', label: 'Days with reports', kind: 'share', metric: 'reports', windowDays: 10, direction: 'lower', warning: 0.3, critical: 0.1 },
  { id: 'sinceReport', label: 'Days since a report', kind: 'daysSince', metric: 'reports', windowDays: 30, direction: 'higher', warning: 7, critical: 14 },
  { id: 'sinceNps', label: 'Days since an NPS answer', kind: 'daysSince', signal: 'nps', direction: 'higher' },
  { id: 'nps', label: 'NPS', kind: 'latest', signal: 'nps', direction: 'lower', warning: 6, critical: 3, explain: '{label} {value} on {observedAt}' },
  { id: 'npsChange', label: 'NPS', kind: 'latestChange', signal: 'nps', direction: 'lower', warning: -2, critical: -4 },
  { id: 'sessionsPerDay', label: 'Sessions per day', kind: 'level', metric: 'sessions', windowDays: 10, direction: 'lower' },
  { id: 'npsAverage', label: 'Average NPS', kind: 'average', signal: 'nps', windowDays: 30, direction: 'lower', warning: 6, critical: 3 },
  { id: 'npsAverage21', label: 'Average NPS', kind: 'average', signal: 'nps', windowDays: 21, direction: 'lower', warning: 6, critical: 3 },
];

/** The default config plus the custom indicators above (metric sources are another module's; see the config tests below). */
function withCustom(coverageStart: 'contractStart' | 'firstReportedDay' = 'contractStart'): RadarConfig {
  const { config } = parseConfig({});
  return { ...config, indicators: { ...config.indicators, coverageStart, custom: specs.map((spec) => customIndicatorSchema.parse(spec)) } };
}

interface Ids {
  alpha: number;
  bravo: number;
  charlie: number;
}

async function account(db: Kysely<DB>, externalId: string, start: string): Promise<number> {
  const row = await db
    .insertInto('accounts')
    .values({ external_id: externalId, name: externalId, segment: 'smb', industry: null, arr_cents: 1_000_000, contract_start: start, renewal_date: '2024-05-15' })
    .returning('account_id')
    .executeTakeFirstOrThrow();
  return row.account_id;
}

/** One usage_metrics_daily row per listed day (a sparse export: quiet days have no row). */
async function metric(db: Kysely<DB>, accountId: number, name: string, days: readonly string[], value: number): Promise<void> {
  const metricId = (await ensureMetricIds(db, [name])).get(name)!;
  await db
    .insertInto('usage_metrics_daily')
    .values(days.map((day) => ({ account_id: accountId, day, metric_id: metricId, value, source: 'events-export' })))
    .execute();
}

async function usage(db: Kysely<DB>, accountId: number, from: string, to: string, row: { users: number; events: number; sessions: number; seats: number | null }): Promise<void> {
  await sql`INSERT INTO usage_daily (account_id, day, active_users, sessions, events, licensed_seats)
            SELECT ${accountId}::bigint, d::date, ${row.users}::int, ${row.sessions}::int, ${row.events}::int, ${row.seats}::int
            FROM generate_series(${from}::date, ${to}::date, interval '1 day') d`.execute(db);
}

async function signal(db: Kysely<DB>, accountId: number, observedAt: string, value: number): Promise<void> {
  await db.insertInto('account_signals').values({ account_id: accountId, name: 'nps', observed_at: observedAt, value, source: 'nps-survey' }).execute();
}

/** 2024-03-dd for each dd. */
const march = (...days: number[]) => days.map((day) => `2024-03-${String(day).padStart(2, '0')}`);

async function buildFixture(db: Kysely<DB>): Promise<Ids> {
  // alpha: customer since 2023. reports 4 on every other baseline day (03-02, 03-04 … 03-20: 10 days = 40),
  // 3 on 03-22 and 03-25 (recent: 6). likes 4 on 03-23, dislikes 2 on 03-24. usage_daily in the recent window
  // only: 2 users, 5 sessions, 4 seats a day. NPS 9 (2023-12-01), 6 (03-10), 2 (03-31 23:59:59, still D), 0 after D.
  const alpha = await account(db, 'alpha', '2023-01-01');
  await metric(db, alpha, 'reports', march(2, 4, 6, 8, 10, 12, 14, 16, 18, 20), 4);
  await metric(db, alpha, 'reports', march(22, 25), 3);
  await metric(db, alpha, 'likes', march(23), 4);
  await metric(db, alpha, 'dislikes', march(24), 2);
  await usage(db, alpha, '2024-03-22', '2024-03-31', { users: 2, events: 10, sessions: 5, seats: 4 });
  await signal(db, alpha, '2023-12-01T10:00:00Z', 9);
  await signal(db, alpha, '2024-03-10T10:00:00Z', 6);
  await signal(db, alpha, '2024-03-31T23:59:59Z', 2);
  await signal(db, alpha, '2024-04-01T00:00:00Z', 0);
  // bravo: contract started 2024-03-27 (5 covered days of a 10-day window), nothing reported at all.
  const bravo = await account(db, 'bravo', '2024-03-27');
  // charlie: went silent. reports 5 a day 03-02 … 03-21 (20 days), none since; usage_daily 3 users, 30 events a
  // day 2023-12-03 … 2024-03-01 (the built-ins' 90-day baseline), none in the last 30 days. No NPS ever.
  const charlie = await account(db, 'charlie', '2023-06-01');
  await metric(db, charlie, 'reports', march(...Array.from({ length: 20 }, (_, i) => i + 2)), 5);
  await usage(db, charlie, '2023-12-03', '2024-03-01', { users: 3, events: 30, sessions: 3, seats: null });
  return { alpha, bravo, charlie };
}

/** Textbook least squares over (x, y) points: Σ(x − x̄)(y − ȳ) / Σ(x − x̄)², and the mean of y. */
function fit(points: readonly [number, number][]): { slope: number; mean: number } {
  const n = points.length;
  const mx = points.reduce((sum, [x]) => sum + x, 0) / n;
  const my = points.reduce((sum, [, y]) => sum + y, 0) / n;
  const sxy = points.reduce((sum, [x, y]) => sum + (x - mx) * (y - my), 0);
  const sxx = points.reduce((sum, [x]) => sum + (x - mx) ** 2, 0);
  return { slope: sxy / sxx, mean: my };
}
/** The 20 points x = −19 … 0 (day − D) of a window ending on D, y from `values` (missing days 0). */
const window20 = (values: Record<number, number>) => fit(Array.from({ length: 20 }, (_, i): [number, number] => [i - 19, values[i - 19] ?? 0]));
// alpha in 03-12 … 03-31: 4 on 03-12, 14, 16, 18, 20 (x = −19, −17, −15, −13, −11), 3 on 03-22, 03-25 (x = −9, −6).
const alphaFit = window20({ [-19]: 4, [-17]: 4, [-15]: 4, [-13]: 4, [-11]: 4, [-9]: 3, [-6]: 3 });
// charlie: 5 on 03-12 … 03-21 (x = −19 … −10), then nothing.
const charlieFit = window20(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [i - 19, 5])));

type Expected = Record<string, [number | null, Flag]>;
const expected: { alpha: Expected; bravo: Expected; charlie: Expected } = {
  alpha: {
    reportsPerDay: [6 / 10, 'warning'], // 0.6 ≤ 1
    reportsPerUser: [6 / (2 * 10), 'ok'], // 20 active-user days
    reportsPerSeat: [6 / 10 / 4, 'ok'],
    reportsChange: [6 / 10 / (40 / 20) - 1, 'critical'], // 0.6 vs 2 a day: −70%
    reportsTrend: [(alphaFit.slope * 30) / alphaFit.mean, 'warning'], // ≈ −3.40
    dislikeRatio: [2 / 4, 'warning'],
    dislikeRatioFloored: [2 / 5, 'ok'], // max(4, 5) = 5
    reportShare: [2 / 10, 'warning'],
    sinceReport: [6, 'ok'], // 03-25 → 03-31
    sinceNps: [0, 'ok'], // observed 03-31 23:59:59 UTC
    nps: [2, 'critical'], // the 0 observed at 04-01 00:00 is after D
    npsChange: [2 - 6, 'critical'],
    sessionsPerDay: [5, 'ok'],
    npsAverage: [(6 + 2) / 2, 'warning'], // 03-02 … 03-31: the answers of 03-10 and 03-31 23:59:59 (not 2023-12-01, not 04-01)
    npsAverage21: [2, 'critical'], // 03-11 … 03-31: 03-10 10:00 is before the window
  },
  bravo: {
    reportsPerDay: [0, 'critical'], // 5 covered days (03-27 … 03-31), no reports
    reportsPerUser: [null, 'no-data'], // no active users: zero denominator
    reportsPerSeat: [null, 'no-data'], // no seats reported
    reportsChange: [null, 'no-data'], // covered 5 days, needs 30
    reportsTrend: [null, 'no-data'], // 5 covered days ≥ minDays, but mean 0
    dislikeRatio: [null, 'no-data'], // 0 ÷ max(0, 0): zero denominator
    dislikeRatioFloored: [0, 'ok'], // 0 ÷ 5
    reportShare: [0, 'critical'], // 0 of 5 covered days
    sinceReport: [5, 'ok'], // never, covered 5 days: "at least 5"
    sinceNps: [5, 'ok'],
    nps: [null, 'no-data'],
    npsChange: [null, 'no-data'],
    sessionsPerDay: [0, 'ok'],
    npsAverage: [null, 'no-data'],
    npsAverage21: [null, 'no-data'],
  },
  charlie: {
    reportsPerDay: [0, 'critical'], // silent: 0 over 10 covered days, not "no data"
    reportsPerUser: [null, 'no-data'],
    reportsPerSeat: [null, 'no-data'],
    reportsChange: [0 / 10 / (100 / 20) - 1, 'critical'], // −100%
    reportsTrend: [(charlieFit.slope * 30) / charlieFit.mean, 'warning'], // ≈ −4.51
    dislikeRatio: [null, 'no-data'],
    dislikeRatioFloored: [0, 'ok'],
    reportShare: [0, 'critical'],
    sinceReport: [10, 'warning'], // last 03-21: 10 ≥ 7
    // Never: the covered days of the 365-day window, 2023-06-01 … 2024-03-31 = 30+31+31+30+31+30+31+31+29+31.
    sinceNps: [305, 'ok'],
    nps: [null, 'no-data'],
    npsChange: [null, 'no-data'],
    sessionsPerDay: [0, 'ok'],
    npsAverage: [null, 'no-data'],
    npsAverage21: [null, 'no-data'],
  },
};

describeEachBackend('custom indicators and sparse days', (context) => {
  let ids: Ids;
  beforeAll(async () => {
    ids = await buildFixture(context().db);
  });

  const evaluate = (config: RadarConfig) => evaluateIndicators(context().db, { asOf: D, config, scope: 'all', horizonDays: 90 });
  const byAccount = (rows: Awaited<ReturnType<typeof evaluate>>, accountId: number) =>
    Object.fromEntries(rows.filter((row) => row.accountId === accountId && specs.some((spec) => spec.id === row.indicator)).map((row) => [row.indicator, [row.value, row.flag]]));

  it('computes every kind as worked out by hand, sparse days as zero, in the same statement as the built-ins', async () => {
    const config = withCustom();
    const rows = await evaluate(config);
    expect(new Set(rows.map((row) => row.indicator)).size).toBe(configuredIndicators(config).length);
    for (const name of ['alpha', 'bravo', 'charlie'] as const) {
      const actual = byAccount(rows, ids[name]);
      for (const [indicator, [value, flag]] of Object.entries(expected[name])) {
        expect({ name, indicator, flag: actual[indicator]?.[1] }).toEqual({ name, indicator, flag });
        if (value === null) expect({ name, indicator, value: actual[indicator]?.[0] }).toEqual({ name, indicator, value: null });
        else expect(actual[indicator]?.[0], `${name} ${indicator}`).toBeCloseTo(value, 12);
      }
    }
  });

  it('gives a list of accounts (a shard) the same rows as the whole run, including an account inside its id range but not in it', async () => {
    const config = withCustom();
    const all = await evaluate(config);
    // [alpha, charlie] has bravo inside its range (tested against the list); a list that fills its range is tested by the range alone.
    expect([ids.bravo - ids.alpha, ids.charlie - ids.bravo]).toEqual([1, 1]);
    for (const part of [[ids.alpha, ids.charlie], [ids.bravo], [ids.charlie], [ids.charlie, ids.alpha, ids.bravo]]) {
      const rows = await evaluateIndicators(context().db, { asOf: D, config, scope: 'all', horizonDays: 90, accountIds: part });
      expect(rows).toEqual(all.filter((row) => part.includes(row.accountId)));
    }
  });

  it('takes a shard of 300,000 account ids (a shard at a million accounts): the same rows for the accounts that exist', async () => {
    const config = withCustom();
    const all = await evaluate(config);
    // Real ids first, then ids of no account: the list is as long as one of four shards of 1.2M accounts.
    const part = [ids.alpha, ids.charlie, ...Array.from({ length: 300_000 }, (_, i) => 10_000_000 + i)];
    const rows = await evaluateIndicators(context().db, { asOf: D, config, scope: 'all', horizonDays: 90, accountIds: part });
    expect(rows).toEqual(all.filter((row) => row.accountId === ids.alpha || row.accountId === ids.charlie));
  });

  it('reads the same values when more than eight metrics are asked for (the metric pass lists them as = ANY)', async () => {
    const config = withCustom();
    const extra = Array.from({ length: 7 }, (_, index) =>
      customIndicatorSchema.parse({ id: `quiet${index}`, label: `Quiet ${index}`, kind: 'level', metric: `quiet_${index}`, direction: 'lower' }),
    );
    const many = { ...config, indicators: { ...config.indicators, custom: [...config.indicators.custom, ...extra] } };
    const few = await evaluate(config);
    const rows = await evaluate(many);
    expect(rows.filter((row) => !row.indicator.startsWith('quiet'))).toEqual(few);
    expect(rows.filter((row) => row.indicator === 'quiet0').every((row) => row.flag === 'no-data' || row.value === 0)).toBe(true);
  });

  it('reads the same values when the metric pass reads one metric (its rows alone, no metric test per column) as with three', async () => {
    const config = withCustom();
    // alpha's likes (03-23) and dislikes (03-24) fall in the reports windows: counted as reports, they would show.
    const reportsOnly = config.indicators.custom.filter((spec) => 'metric' in spec && spec.metric === 'reports');
    const single = { ...config, indicators: { ...config.indicators, custom: reportsOnly } };
    const reportIds = new Set(reportsOnly.map((spec) => spec.id));
    expect(reportIds.size).toBeGreaterThanOrEqual(6);
    const all = (await evaluate(config)).filter((row) => reportIds.has(row.indicator));
    expect((await evaluate(single)).filter((row) => reportIds.has(row.indicator))).toEqual(all);
    expect(all.find((row) => row.accountId === ids.alpha && row.indicator === 'reportsPerDay')?.value).toBeCloseTo(0.6, 12);
  });

  it('shows an account that went silent as a decline in the built-ins too, never as no data', async () => {
    const rows = await evaluate(withCustom());
    const charlie = Object.fromEntries(rows.filter((row) => row.accountId === ids.charlie).map((row) => [row.indicator, [row.value, row.flag]]));
    // No usage_daily row in the last 30 days (03-02 … 03-31): 0 events a day vs 30 a day in the 90 before.
    expect(charlie.usageDecline).toEqual([-1, 'critical']);
    expect(charlie.activeDays).toEqual([0, 'critical']);
    // 90-day trend window 2024-01-02 … 03-31: 30 events on x = −89 … −30 (60 days), 0 on the last 30 days.
    const trend = fit(Array.from({ length: 90 }, (_, i): [number, number] => [i - 89, i - 89 <= -30 ? 30 : 0]));
    expect(charlie.usageTrend?.[0]).toBeCloseTo((trend.slope * 30) / trend.mean, 12);
    expect(charlie.usageTrend?.[1]).toBe('critical');
  });

  it('gives no data without coverage: coverageStart firstReportedDay and an account that never reported', async () => {
    const rows = await evaluate(withCustom('firstReportedDay'));
    const bravo = byAccount(rows, ids.bravo);
    for (const id of ['reportsPerDay', 'reportsPerUser', 'reportsChange', 'reportShare', 'sinceReport', 'sessionsPerDay', 'dislikeRatioFloored']) {
      expect({ id, value: bravo[id] }).toEqual({ id, value: [null, 'no-data'] });
    }
    // charlie's first report was 03-02 = D − 29: the recent and baseline windows (30 days) are just covered.
    expect(byAccount(rows, ids.charlie).reportsChange).toEqual([-1, 'critical']);
    // alpha's first report was 03-02 too; its usage_daily coverage starts 03-22 (10 days: the whole window).
    expect(byAccount(rows, ids.alpha).sessionsPerDay).toEqual([5, 'ok']);
  });

  it('explains each value in words and names the driver as a CSM would read it', async () => {
    const config = withCustom();
    const rows = await evaluate(config);
    const sentence = (accountId: number, id: string, as: 'explain' | 'driver') => {
      const row = rows.find((r) => r.accountId === accountId && r.indicator === id)!;
      const { definition, config: section } = configuredIndicators(config).find((item) => item.definition.id === id)!;
      return as === 'explain' ? definition.explain(row.value, row.detail, section) : definition.driver!(row.value, row.detail, section);
    };
    expect(sentence(ids.alpha, 'reportsChange', 'driver')).toBe('Reports per day down 70% vs the prior 20 days');
    expect(sentence(ids.alpha, 'reportsChange', 'explain')).toBe('0.6 reports per day in the last 10 days vs 2 in the 20 before: \u221270%');
    expect(sentence(ids.alpha, 'nps', 'explain')).toBe('NPS 2 on 2024-03-31T23:59:59Z');
    expect(sentence(ids.alpha, 'npsChange', 'driver')).toBe('NPS down 4 since the previous observation');
    expect(sentence(ids.alpha, 'dislikeRatio', 'explain')).toBe('2 dislikes ÷ 4 likes (floor 0) over the last 10 days: 0.5');
    expect(sentence(ids.charlie, 'sinceReport', 'driver')).toBe('Days since a report: 10 days ago');
    expect(sentence(ids.bravo, 'dislikeRatio', 'explain')).toBe('no data: no likes in the window (denominator 0)');
    expect(sentence(ids.bravo, 'reportsChange', 'driver')).toBe('Reports per day unknown: covered for less than 30 days');
    expect(sentence(ids.bravo, 'sinceReport', 'driver')).toBe('Days since a report: none in the last 5 days');
    expect(sentence(ids.alpha, 'npsAverage', 'explain')).toBe('average nps over the last 30 days: 4 (2 observations, the latest 2024-03-31T23:59:59Z)');
    expect(sentence(ids.alpha, 'npsAverage', 'driver')).toBe('Average NPS: 4 over the last 30 days');
    expect(sentence(ids.bravo, 'npsAverage', 'explain')).toBe('no data: no nps observed in the last 30 days');
  });

  it('radar indicators explain prints a custom indicator with its sentence, from a config file', async () => {
    // The config as an analyst writes it (JSON is YAML), read by the command itself; the command runs
    // in-process on this test's database.
    const configPath = join(mkdtempSync(join(tmpdir(), 'radar-custom-explain-')), 'radar.yaml');
    writeFileSync(configPath, JSON.stringify({ indicators: { custom: specs } }));
    let printed = '';
    const program = new Command('radar').exitOverride();
    const stdout = { write: (text: string) => ((printed += text), true) } as never;
    const cli = createContext({ environment: { CI: false } as never, logger: silentLogger, configPath: () => configPath, json: () => false, stdout });
    registerIndicatorCommands(program, { ...cli, database: () => Promise.resolve(context().db), close: () => Promise.resolve() });
    await program.parseAsync(['node', 'radar', 'indicators', 'explain', 'alpha', '--as-of', D]);
    const lines = printed.split('\n');
    expect(lines[0]).toBe(`alpha (alpha) as of ${D}`);
    // Each indicator: a line with its title, value, flag and thresholds, then its sentence.
    const at = lines.findIndex((line) => /^ {2}Reports per day +0\.6 {2}/.test(line) && line.includes('WARNING'));
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]!.trim()).toBe('0.6 reports per day over the last 10 days (6 in all over 10 covered days)');
    const nps = lines.findIndex((line) => /^ {2}Average NPS +4 {2}/.test(line));
    expect(lines[nps]).toContain('WARNING');
    expect(lines[nps + 1]!.trim()).toBe('average nps over the last 30 days: 4 (2 observations, the latest 2024-03-31T23:59:59Z)');
    expect(printed).toContain('0.6 reports per day in the last 10 days vs 2 in the 20 before: \u221270%');
  });

  it('stores the details packed, kind first, and reads them back as the same objects: after a kind change, from old jsonb rows, in SQL', async () => {
    const { db } = context();
    const config = withCustom();
    const evaluated = await evaluate(config);
    await computeIndicators(db, { asOf: D, config, scope: 'all', horizonDays: 90 });
    const stored = await readIndicatorValues(db, D, [ids.alpha]);
    const detailOf = (rows: readonly { accountId: number; indicator: string; detail: unknown }[], id: string) => rows.find((row) => row.accountId === ids.alpha && row.indicator === id)?.detail;
    for (const { id } of specs) expect({ id, detail: detailOf(stored, id) }).toEqual({ id, detail: detailOf(evaluated, id) });
    // By hand from the fixture (alpha): 6 reports in the last 10 days, 40 in the 20 before; last report 03-25; NPS 6 then 2.
    expect(detailOf(stored, 'reportsChange')).toEqual({ recentDays: 10, baselineDays: 20, enoughHistory: true, recent: 0.6, baseline: 2 });
    expect(detailOf(stored, 'sinceReport')).toEqual({ windowDays: 30, coveredDays: 30, lastSeen: '2024-03-25' });
    expect(detailOf(stored, 'npsChange')).toEqual({ latest: 2, previous: 6, observedAt: '2024-03-31T23:59:59Z', previousObservedAt: '2024-03-10T10:00:00Z' });
    const raw = await db.selectFrom('indicator_values').select('detail_values').where('account_id', '=', ids.alpha).where('as_of', '=', D).where('indicator', '=', 'reportsChange').executeTakeFirstOrThrow();
    expect(raw.detail_values).toEqual([1, 10, 20, 1, 0.6, 2]); // change is kind 1
    // SQL readers: the readable view names every position, the kind too.
    const readable = await db.selectFrom('indicator_values_readable').select('detail').where('account_id', '=', ids.alpha).where('as_of', '=', D).where('indicator', '=', 'reportsChange').executeTakeFirstOrThrow();
    expect(readable.detail).toEqual({ kind: 'change', recentDays: 10, baselineDays: 20, enoughHistory: true, recent: 0.6, baseline: 2 });
    // The analyst turns reportsChange into a level the next day: each day's row keeps its own fields.
    const next = '2024-04-01';
    const redefined = { ...config, indicators: { ...config.indicators, custom: config.indicators.custom.map((spec) => (spec.id === 'reportsChange' ? customIndicatorSchema.parse({ ...specs[0], id: 'reportsChange' }) : spec)) } };
    await computeIndicators(db, { asOf: next, config: redefined, scope: 'all', horizonDays: 90 });
    expect(Object.keys(detailOf(await readIndicatorValues(db, next, [ids.alpha]), 'reportsChange') as object)).toEqual(['windowDays', 'coveredDays', 'total', 'perDenominator']);
    expect(detailOf(await readIndicatorValues(db, D, [ids.alpha]), 'reportsChange')).toEqual(detailOf(stored, 'reportsChange'));
    // A row written before details were packed (empty detail_values, jsonb detail) reads as it was stored.
    await db.updateTable('indicator_values').set({ detail_values: [], detail: JSON.stringify({ recent: 1, baseline: 3 }) }).where('account_id', '=', ids.alpha).where('as_of', '=', next).where('indicator', '=', 'reportsChange').execute();
    expect(detailOf(await readIndicatorValues(db, next, [ids.alpha]), 'reportsChange')).toEqual({ recent: 1, baseline: 3 });
  });

  it('does not move when events, signals and renewals dated after D arrive (no leakage), for every kind', async () => {
    const { db } = context();
    const config = withCustom();
    const before = await evaluate(config);
    const after = (day: number) => `2024-04-${String(day).padStart(2, '0')}`;
    for (const id of [ids.alpha, ids.bravo, ids.charlie]) {
      for (const name of ['reports', 'likes', 'dislikes']) await metric(db, id, name, [after(1), after(2), after(15)], 99);
      await usage(db, id, '2024-04-01', '2024-04-10', { users: 40, events: 999, sessions: 77, seats: 1 });
      await db.insertInto('account_signals').values({ account_id: id, name: 'nps', observed_at: '2024-04-01T00:00:00.001Z', value: 10, source: 'late' }).execute();
    }
    await db
      .insertInto('renewals')
      .values([{ account_id: ids.alpha, renewal_date: '2024-05-15', outcome: 'churned', arr_before_cents: 1_000_000, arr_after_cents: 0, decided_at: '2024-04-02T09:00:00Z' }])
      .execute();
    expect(await evaluate(config)).toEqual(before);
  });
});

describe('radar config check on indicators.custom', () => {
  const problemsOf = (custom: unknown[], extra: Record<string, unknown> = {}): string[] => {
    try {
      parseConfig({ indicators: { custom }, ...extra });
      return [];
    } catch (error) {
      return [...((error as { problems?: string[] }).problems ?? [String(error)])];
    }
  };
  const ok = { id: 'sessionsPerDay', label: 'Sessions per day', kind: 'level', metric: 'sessions', direction: 'lower' };

  it('accepts a valid custom indicator on a metric usage_daily feeds, and lets model.features and playbooks name it', () => {
    expect(problemsOf([ok], { model: { features: ['sessionsPerDay', 'usageDecline'] } })).toEqual([]);
  });

  it('names the key and the rule for each mistake', () => {
    expect(problemsOf([{ ...ok, kind: 'median' }])).toEqual([
      'indicators.custom.0.kind: must be one of level, change, trend, ratio, share, daysSince, latest, latestChange, average',
    ]);
    expect(problemsOf([{ ...ok, windowDays: 0 }])).toEqual(['indicators.custom.0.windowDays: must be a whole number of days from 1 to 1095']);
    expect(problemsOf([{ ...ok, windowDays: 2.5 }])).toEqual(['indicators.custom.0.windowDays: must be a whole number of days from 1 to 1095']);
    expect(problemsOf([{ ...ok, warning: 1, critical: 2 }])).toEqual(['indicators.custom.0.critical: must be less than warning (1): lower values are riskier here']);
    expect(problemsOf([{ ...ok, direction: 'higher', warning: 2, critical: 1 }])).toEqual(['indicators.custom.0.critical: must be greater than warning (2)']);
    expect(problemsOf([ok, { ...ok, label: 'again' }])).toEqual(['indicators.custom.1.id: duplicate id "sessionsPerDay": already used by indicators.custom.0']);
    expect(problemsOf([{ ...ok, id: 'usageDecline' }])).toEqual(['indicators.custom.0.id: duplicate id "usageDecline": already used by built-in indicator usageDecline']);
    expect(problemsOf([{ ...ok, id: 'Sessions; DROP TABLE accounts' }])).toEqual([
      'indicators.custom.0.id: must be camelCase: a lower-case letter, then letters and digits (at most 40)',
    ]);
    // With sources declared, only what they feed may be read.
    const usageOnly = { sources: { usage: { kind: 'file', entity: 'usage_daily', path: 'usage.csv' } } };
    expect(problemsOf([{ ...ok, metric: 'reports' }], usageOnly)).toEqual(['indicators.custom.0.metric: no source feeds metric "reports" (fed: active_users, events, minutes, sessions)']);
    expect(problemsOf([{ id: 'nps', label: 'NPS', kind: 'latest', signal: 'nps', direction: 'lower' }], usageOnly)).toEqual(['indicators.custom.0.signal: no source feeds signal "nps" (fed: none)']);
    const { metric: _metric, ...noMetric } = ok;
    expect(problemsOf([{ ...noMetric, kind: 'ratio', numerator: 'sessions', denominator: 'likes' }], usageOnly)).toEqual([
      'indicators.custom.0.denominator: no source feeds metric "likes" (fed: active_users, events, minutes, sessions)',
    ]);
    // With no source declared, data comes through `radar ingest --dir` (a folder in the sample format), whose
    // event export and signal file may carry any name: nothing to check against.
    expect(problemsOf([{ ...ok, metric: 'reports' }, { id: 'nps', label: 'NPS', kind: 'latest', signal: 'nps', direction: 'lower' }])).toEqual([]);
    expect(problemsOf([{ ...ok, explain: '{value} per {fortnight}' }])).toEqual(['indicators.custom.0.explain: unknown placeholder {fortnight} for kind level']);
    expect(problemsOf([{ id: 'since', label: 'Since', kind: 'daysSince', direction: 'higher' }])).toEqual(['indicators.custom.0.metric: give exactly one of metric or signal']);
    expect(problemsOf([{ ...ok, colour: 'red' }])).toEqual(['indicators.custom.0.colour: unknown key (check the spelling; see config/radar.schema.json)']);
    expect(problemsOf([], { model: { features: ['sessionsPerDay'] } })).toEqual([expect.stringMatching(/^model\.features\.0: unknown indicator "sessionsPerDay"/)]);
  });
});
