// Partitioned history (migration 0019, issue 21 item 3) on both backends: converting a database built at the
// previous migration keeps every row and puts it in its month's partition; upserts on the unchanged keys
// still work; the daily maintenance creates months ahead, moves months out of the default partition and
// applies retention; and the indicator statement's usage windows read only the months they cover (EXPLAIN).
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { parseConfig } from '../config/load.ts';
import { configuredIndicators } from '../indicators/compute.ts';
import { customIndicatorSchema } from '../indicators/custom/schema.ts';
import { indicatorSelectStatement } from '../indicators/statement.ts';
import { maintainPartitions, monthStart, retentionCutoff } from '../pipelines/jobs/partitions.ts';
import { migrate, MIGRATIONS_DIR } from '../sql/migrate.ts';
import { ensureMonthPartition, listMonthPartitions, rowsInDefault } from '../sql/partitions.ts';
import { describeEachBackend, openTestDatabase } from './support/database.ts';

const PARTITIONING = '0019_partition_history_by_month.sql';
const METRIC_IDS = '0020_usage_metric_ids.sql';
const NO_RETENTION = { usageMonths: null, indicatorMonths: null, dropDetached: false };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the database is at an older migration than DB describes
type AnyDb = Kysely<any>;

/** The partition each row of `table` lives in, keyed by `key` (a text rendering of the row's key). */
async function rowPartitions(db: AnyDb, table: string, key: string): Promise<Record<string, string>> {
  const result = await sql<{ key: string; partition: string }>`SELECT ${sql.raw(key)} AS key, tableoid::regclass::text AS partition FROM ${sql.table(table)}`.execute(db);
  return Object.fromEntries(result.rows.map((row) => [row.key, row.partition]));
}

async function rows(db: AnyDb, query: string): Promise<unknown[]> {
  return (await sql.raw(query).execute(db)).rows;
}

async function addAccount(db: AnyDb, externalId: string): Promise<number> {
  const result = await sql<{ account_id: number }>`
    INSERT INTO accounts (external_id, name, arr_cents, contract_start, renewal_date)
    VALUES (${externalId}, ${externalId}, 100000, '2024-01-01', '2026-01-01') RETURNING account_id`.execute(db);
  return result.rows[0]!.account_id;
}

describeEachBackend(
  'partitioned history',
  (context) => {
    it('migrates a database built at the previous migration: every row kept, in its month, upserts unchanged', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'radar-migrations-'));
      const fresh = await openTestDatabase(context().backend, { migrated: false });
      try {
        const before = (await readdir(MIGRATIONS_DIR)).filter((name) => name.endsWith('.sql') && name < PARTITIONING);
        for (const name of before) await copyFile(join(MIGRATIONS_DIR, name), join(dir, name));
        await migrate(fresh.db, { dir });
        const db = fresh.db as AnyDb;
        const a = await addAccount(db, 'acme');
        const b = await addAccount(db, 'globex');
        // Month edges on purpose: the first and last day of a month, and 2024-02-29.
        await sql`INSERT INTO usage_daily (account_id, day, active_users, sessions, events, minutes, licensed_seats) VALUES
          (${a}, '2024-01-31', 5, 6, 70, 80, 10), (${a}, '2024-02-01', 4, 5, 60, 70, 10), (${a}, '2024-02-29', 3, 4, 50, 60, NULL),
          (${b}, '2024-03-01', 9, 9, 90, 90, 20), (${b}, '2024-12-31', 1, 1, 10, 10, 20)`.execute(db);
        await sql`INSERT INTO usage_metrics_daily (account_id, day, metric, value, users, source) VALUES
          (${a}, '2024-01-31', 'reports', 2.5, 1, 'events'), (${a}, '2024-02-01', 'reports', 3, NULL, 'events'), (${b}, '2024-03-15', 'exports', 7, 2, 'wide')`.execute(db);
        await sql`INSERT INTO indicator_values (account_id, as_of, indicator, value, flag, detail, detail_values) VALUES
          (${a}, '2024-02-29', 'activeDays', 12, 'warning', '{"note": "x"}', ARRAY[30, 12]::float8[]),
          (${a}, '2024-03-01', 'activeDays', 13, 'ok', '{}', NULL), (${b}, '2024-03-01', 'arr', NULL, 'no-data', '{}', NULL)`.execute(db);
        const queries = {
          usage: 'SELECT * FROM usage_daily ORDER BY account_id, day',
          // Migration 0020 (applied too) stores metric ids: afterwards the same rows read through the readable view.
          metrics: 'SELECT account_id, day, metric, value, users, source FROM usage_metrics_daily ORDER BY account_id, day, metric',
          indicators: 'SELECT account_id, as_of, indicator, value, flag, detail, detail_values, computed_at FROM indicator_values ORDER BY account_id, as_of, indicator',
          readable: 'SELECT * FROM indicator_values_readable ORDER BY account_id, as_of, indicator',
        };
        const old: Record<string, unknown[]> = {};
        for (const [name, query] of Object.entries(queries)) old[name] = await rows(db, query);

        const report = await migrate(db);
        expect(report.applied).toContain(PARTITIONING);
        expect(report.applied).toContain(METRIC_IDS);
        queries.metrics = queries.metrics.replace('FROM usage_metrics_daily', 'FROM usage_metrics_daily_readable');
        for (const [name, query] of Object.entries(queries)) expect({ name, rows: await rows(db, query) }).toEqual({ name, rows: old[name] });
        expect(old.usage).toHaveLength(5);
        expect(old.metrics).toHaveLength(3);
        // Names numbered in name order, each stored once.
        expect(await rows(db, 'SELECT metric_id, name FROM usage_metric_names ORDER BY metric_id')).toEqual([{ metric_id: 1, name: 'exports' }, { metric_id: 2, name: 'reports' }]);
        expect(await rows(db, 'SELECT account_id, metric_id FROM usage_metrics_daily ORDER BY account_id, day')).toEqual([
          { account_id: a, metric_id: 2 }, { account_id: a, metric_id: 2 }, { account_id: b, metric_id: 1 },
        ]);

        expect(await rowPartitions(db, 'usage_daily', `account_id || ' ' || day`)).toEqual({
          [`${a} 2024-01-31`]: 'usage_daily_2024_01',
          [`${a} 2024-02-01`]: 'usage_daily_2024_02',
          [`${a} 2024-02-29`]: 'usage_daily_2024_02',
          [`${b} 2024-03-01`]: 'usage_daily_2024_03',
          [`${b} 2024-12-31`]: 'usage_daily_2024_12',
        });
        expect(await rowPartitions(db, 'usage_metrics_daily', `account_id || ' ' || day || ' ' || (SELECT name FROM usage_metric_names n WHERE n.metric_id = usage_metrics_daily.metric_id)`)).toEqual({
          [`${a} 2024-01-31 reports`]: 'usage_metrics_daily_2024_01',
          [`${a} 2024-02-01 reports`]: 'usage_metrics_daily_2024_02',
          [`${b} 2024-03-15 exports`]: 'usage_metrics_daily_2024_03',
        });
        expect(await rowPartitions(db, 'indicator_values', `account_id || ' ' || as_of || ' ' || indicator`)).toEqual({
          [`${a} 2024-02-29 activeDays`]: 'indicator_values_2024_02',
          [`${a} 2024-03-01 activeDays`]: 'indicator_values_2024_03',
          [`${b} 2024-03-01 arr`]: 'indicator_values_2024_03',
        });
        const typed = fresh.db;
        // The months of existing data, then this month and the next three (from the server's clock).
        const today = (await sql<{ today: string }>`SELECT current_date::text AS today`.execute(db)).rows[0]!.today;
        const ahead = [0, 1, 2, 3].map((offset) => `usage_daily_${monthStart(today, offset).slice(0, 7).replace('-', '_')}`);
        expect((await listMonthPartitions(typed, 'usage_daily')).map((p) => p.name)).toEqual(
          [...new Set(['usage_daily_2024_01', 'usage_daily_2024_02', 'usage_daily_2024_03', 'usage_daily_2024_12', ...ahead])].sort(),
        );

        // Upserts on the same keys and ON CONFLICT targets as before: one update, one insert into an existing
        // month, one insert into a month without a partition (the default partition takes it).
        // (RETURNING xmax, how plain tables tell inserts from updates, is refused on a partitioned table:
        // sql/ingest.ts countExistingStagedKeys counts existing keys instead, covered by the ingest tests.)
        await expect(sql`INSERT INTO usage_daily (account_id, day, active_users) VALUES (${a}, '2024-02-10', 8) RETURNING xmax`.execute(db)).rejects.toThrow(/system column/);
        const upsert = await sql<{ day: string }>`
          INSERT INTO usage_daily (account_id, day, active_users, events) VALUES (${a}, '2024-02-29', 8, 55), (${b}, '2024-01-02', 2, 20), (${b}, '2019-06-01', 1, 1)
          ON CONFLICT (account_id, day) DO UPDATE SET active_users = EXCLUDED.active_users, events = EXCLUDED.events
          RETURNING day`.execute(db);
        expect(upsert.rows).toHaveLength(3);
        expect(await rows(db, `SELECT count(*)::int AS n FROM usage_daily`)).toEqual([{ n: 7 }]);
        expect(await rows(db, `SELECT active_users, events, sessions FROM usage_daily WHERE day = '2024-02-29'`)).toEqual([{ active_users: 8, events: 55, sessions: 4 }]);
        expect((await rowPartitions(db, 'usage_daily', `account_id || ' ' || day`))[`${b} 2019-06-01`]).toBe('usage_daily_default');
        await sql`INSERT INTO usage_metrics_daily (account_id, day, metric_id, value, source) VALUES (${a}, '2024-01-31', 2, 1, 'events')
                  ON CONFLICT (account_id, day, metric_id) DO UPDATE SET value = usage_metrics_daily.value + EXCLUDED.value`.execute(db);
        expect(await rows(db, `SELECT value FROM usage_metrics_daily WHERE day = '2024-01-31'`)).toEqual([{ value: 3.5 }]);
        await sql`INSERT INTO indicator_values (account_id, as_of, indicator, value, flag) VALUES (${b}, '2024-03-01', 'arr', 1000, 'ok')
                  ON CONFLICT (account_id, as_of, indicator) DO UPDATE SET value = EXCLUDED.value, flag = EXCLUDED.flag`.execute(db);
        expect(await rows(db, `SELECT value, flag FROM indicator_values WHERE indicator = 'arr'`)).toEqual([{ value: 1000, flag: 'ok' }]);
        // The key still refuses a duplicate, across the whole table.
        await expect(sql`INSERT INTO usage_daily (account_id, day, active_users) VALUES (${a}, '2024-02-01', 1)`.execute(db)).rejects.toThrow(/duplicate key/);
        // The foreign key and its cascade still hold on every partition.
        await expect(sql`INSERT INTO usage_daily (account_id, day, active_users) VALUES (${b + 1000}, '2024-02-01', 1)`.execute(db)).rejects.toThrow(/foreign key/);
        await sql`DELETE FROM accounts WHERE account_id = ${b}`.execute(db);
        expect(await rows(db, `SELECT count(*)::int AS n FROM usage_daily`)).toEqual([{ n: 3 }]);
      } finally {
        await fresh.dispose();
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('creates the months ahead, moves months out of the default partition, and is idempotent', async () => {
      const { db } = context();
      const a = await addAccount(db, 'maintained');
      // 2023 has no partitions: the default partition takes these rows instead of the writes failing.
      await sql`INSERT INTO usage_daily (account_id, day, active_users) VALUES (${a}, '2023-05-01', 1), (${a}, '2023-05-31', 2), (${a}, '2023-07-04', 3)`.execute(db);
      await sql`INSERT INTO indicator_values (account_id, as_of, indicator, value, flag) VALUES (${a}, '2023-07-04', 'arr', 1, 'ok')`.execute(db);
      expect(await rowsInDefault(db, 'usage_daily')).toBe(3);

      const first = await maintainPartitions(db, { asOf: '2023-11-30', retention: NO_RETENTION });
      expect(first.created).toEqual([
        'usage_daily_2023_05', 'usage_daily_2023_07', 'usage_daily_2023_11', 'usage_daily_2023_12', 'usage_daily_2024_01', 'usage_daily_2024_02',
        'usage_metrics_daily_2023_11', 'usage_metrics_daily_2023_12', 'usage_metrics_daily_2024_01', 'usage_metrics_daily_2024_02',
        'indicator_values_2023_07', 'indicator_values_2023_11', 'indicator_values_2023_12', 'indicator_values_2024_01', 'indicator_values_2024_02',
      ]);
      expect(first.detached).toEqual([]);
      expect(await rowsInDefault(db, 'usage_daily')).toBe(0);
      expect(await rowsInDefault(db, 'indicator_values')).toBe(0);
      expect(await rowPartitions(db, 'usage_daily', `day::text`)).toEqual({ '2023-05-01': 'usage_daily_2023_05', '2023-05-31': 'usage_daily_2023_05', '2023-07-04': 'usage_daily_2023_07' });
      // The new partitions carry the key: a duplicate is refused, an upsert updates.
      await expect(sql`INSERT INTO usage_daily (account_id, day, active_users) VALUES (${a}, '2023-05-31', 1)`.execute(db)).rejects.toThrow(/duplicate key/);
      await sql`INSERT INTO usage_daily (account_id, day, active_users) VALUES (${a}, '2023-05-31', 9) ON CONFLICT (account_id, day) DO UPDATE SET active_users = EXCLUDED.active_users`.execute(db);
      expect(await rows(db, `SELECT active_users FROM usage_daily WHERE day = '2023-05-31'`)).toEqual([{ active_users: 9 }]);

      expect(await maintainPartitions(db, { asOf: '2023-11-30', retention: NO_RETENTION })).toEqual({ created: [], detached: [] });
      expect(await ensureMonthPartition(db, 'usage_daily', '2023-05-17')).toBe(false);
    });

    it('detaches the months before the retention cutoff, keeping them as tables or dropping them', async () => {
      const { db } = context();
      const a = await addAccount(db, 'retained');
      await sql`INSERT INTO usage_daily (account_id, day, active_users) VALUES (${a}, '2022-01-15', 1), (${a}, '2022-02-15', 2), (${a}, '2022-03-15', 3)`.execute(db);
      await sql`INSERT INTO indicator_values (account_id, as_of, indicator, value, flag) VALUES (${a}, '2022-01-15', 'arr', 1, 'ok'), (${a}, '2022-03-15', 'arr', 3, 'ok')`.execute(db);
      // As of 2022-04-10 with 2 months of usage: keep February and later (cutoff 2022-02-01), detach January
      // (and the 2023 months the test above left: not before the cutoff, so they stay).
      expect(retentionCutoff('2022-04-10', 2)).toBe('2022-02-01');
      const kept = await maintainPartitions(db, { asOf: '2022-04-10', retention: { usageMonths: 2, indicatorMonths: null, dropDetached: false } });
      expect(kept.detached).toEqual(['usage_daily_2022_01']);
      expect(await rows(db, `SELECT day FROM usage_daily WHERE day < '2023-01-01' ORDER BY day`)).toEqual([{ day: '2022-02-15' }, { day: '2022-03-15' }]);
      expect(await rows(db, `SELECT day, active_users FROM usage_daily_2022_01_detached`)).toEqual([{ day: '2022-01-15', active_users: 1 }]);
      // indicator_values has no retention here: both months stay.
      expect(await rows(db, `SELECT count(*)::int AS n FROM indicator_values WHERE as_of < '2023-01-01'`)).toEqual([{ n: 2 }]);

      // Tighter retention and dropping: usage February goes, and indicator January (indicator values have no
      // February partition: no row of that month was ever written, and April is the first month ahead).
      const dropped = await maintainPartitions(db, { asOf: '2022-04-10', retention: { usageMonths: 1, indicatorMonths: 1, dropDetached: true } });
      expect(dropped).toEqual({ created: [], detached: ['usage_daily_2022_02', 'indicator_values_2022_01'] });
      expect(await rows(db, `SELECT to_regclass('usage_daily_2022_02') IS NULL AS gone, to_regclass('indicator_values_2022_01') IS NULL AS also_gone`)).toEqual([{ gone: true, also_gone: true }]);
      expect(await rows(db, `SELECT as_of FROM indicator_values WHERE as_of < '2023-01-01'`)).toEqual([{ as_of: '2022-03-15' }]);

      // A late ingest of a month already detached lands in the default partition; the next run makes its
      // partition again and detaches it into the kept table, which now holds both rows.
      await sql`INSERT INTO usage_daily (account_id, day, active_users) VALUES (${a}, '2022-01-20', 4)`.execute(db);
      const again = await maintainPartitions(db, { asOf: '2022-04-10', retention: { usageMonths: 2, indicatorMonths: null, dropDetached: false } });
      expect(again).toEqual({ created: ['usage_daily_2022_01'], detached: ['usage_daily_2022_01'] });
      expect(await rows(db, `SELECT day, active_users FROM usage_daily_2022_01_detached ORDER BY day`)).toEqual([
        { day: '2022-01-15', active_users: 1 },
        { day: '2022-01-20', active_users: 4 },
      ]);
      expect(await rows(db, `SELECT to_regclass('usage_daily_2022_01') IS NULL AS gone`)).toEqual([{ gone: true }]);
      expect(await rowsInDefault(db, 'usage_daily')).toBe(0);
    });

    it('reads only the months a window covers (EXPLAIN of the indicator statement)', async () => {
      const { db } = context();
      for (let month = 1; month <= 12; month += 1) {
        const first = `2025-${String(month).padStart(2, '0')}-01`;
        for (const table of ['usage_daily', 'usage_metrics_daily', 'indicator_values'] as const) await ensureMonthPartition(db, table, first);
      }
      const { config } = parseConfig({
        indicators: { usageDecline: { recentDays: 30, baselineDays: 60 }, usageTrend: { days: 60 }, activeDays: { recentDays: 30 }, seatUtilisation: { recentDays: 30 } },
      });
      const custom = customIndicatorSchema.parse({ id: 'reportsPerDay', label: 'Reports per day', kind: 'level', metric: 'reports', windowDays: 45, direction: 'lower' });
      const indicators = configuredIndicators({ ...config, indicators: { ...config.indicators, custom: [custom] } });
      const plan = async (asOf: string) => {
        const statement = indicatorSelectStatement({ asOf, indicators, scope: 'all', horizonDays: 90 });
        const result = await sql<{ 'QUERY PLAN': string }>`EXPLAIN (COSTS OFF) ${statement}`.execute(db);
        const text = result.rows.map((row) => row['QUERY PLAN']).join('\n');
        const scanned = (table: string) => [...new Set(text.match(new RegExp(`\\b${table}_(?:\\d{4}_\\d{2}|default)\\b`, 'g')) ?? [])].sort();
        return { usage: scanned('usage_daily'), metrics: scanned('usage_metrics_daily') };
      };
      // D = 2025-06-15. Usage: the longest window is 30 + 60 = 90 days, day > 2025-03-17 and ≤ 2025-06-15:
      // March (from the 18th) to June. Metrics: 45 days, day > 2025-05-01: May (from the 2nd) and June.
      expect(await plan('2025-06-15')).toEqual({
        usage: ['usage_daily_2025_03', 'usage_daily_2025_04', 'usage_daily_2025_05', 'usage_daily_2025_06'],
        metrics: ['usage_metrics_daily_2025_05', 'usage_metrics_daily_2025_06'],
      });
      // D = 2025-03-31: day > 2024-12-31 → January to March; metrics day > 2025-02-14 → February, March. The
      // default partition is listed too: the planner does not know dates are discrete, so `day > 2024-12-31`
      // leaves (2024-12-31, 2025-01-01) uncovered by January's partition. It happens on the one as-of day a
      // month where the window starts on the 1st, and the default partition is kept empty by the daily run.
      expect(await plan('2025-03-31')).toEqual({
        usage: ['usage_daily_2025_01', 'usage_daily_2025_02', 'usage_daily_2025_03', 'usage_daily_default'],
        metrics: ['usage_metrics_daily_2025_02', 'usage_metrics_daily_2025_03'],
      });
      // D = 2025-02-10: the window reaches 2024-11-13, where 2025's partitions do not cover it: November and
      // December 2024 may be in the default partition (or in their own, made by the test above), so it is read too.
      const early = await plan('2025-02-10');
      expect(early.usage).toContain('usage_daily_2025_02');
      expect(early.usage).not.toContain('usage_daily_2025_03');
    });
  },
);
