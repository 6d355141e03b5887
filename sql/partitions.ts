// Monthly partitions of the history tables (migration 0019): which months have a partition, which months
// sit in the default partition, creating a month (radar_month_partition, defined by the migration, moves
// that month's rows out of the default partition) and detaching one. Table names come from the fixed
// list below; partition names read from the catalog are checked before they reach DDL.
import { sql, type Kysely } from 'kysely';
import { RadarError } from '../pipelines/errors.ts';
import type { DB } from './schema.ts';

type Db = Kysely<DB>;

/** The tables range-partitioned by month, with their partition key. */
export const PARTITIONED_TABLES = { usage_daily: 'day', usage_metrics_daily: 'day', indicator_values: 'as_of' } as const;
export type PartitionedTable = keyof typeof PARTITIONED_TABLES;

export interface MonthPartition {
  /** e.g. usage_daily_2025_03 */
  readonly name: string;
  /** First day of the month, 'YYYY-MM-01'. */
  readonly month: string;
}

const PARTITION_NAME = /^[a-z_]+_\d{4}_\d{2}$/;
const DEFAULT_NAME = /^[a-z_]+_default$/;
/** The lower bound in a partition's `FOR VALUES FROM ('2025-03-01') TO ('2025-04-01')` (a SQL regex). */
const LOWER_BOUND = String.raw`FROM \('(\d{4}-\d{2}-01)'\)`;

function checkTable(table: string): PartitionedTable {
  if (!Object.hasOwn(PARTITIONED_TABLES, table)) throw new RadarError('usage', `${table} is not a partitioned table (known: ${Object.keys(PARTITIONED_TABLES).join(', ')})`, { table });
  return table as PartitionedTable;
}

/** The month partitions of `table` (not the default one), oldest first. */
export async function listMonthPartitions(db: Db, table: PartitionedTable): Promise<MonthPartition[]> {
  const result = await sql<{ name: string; month: string }>`
    SELECT c.relname AS name, substring(pg_get_expr(c.relpartbound, c.oid) FROM ${LOWER_BOUND}::text) AS month
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = to_regclass(${checkTable(table)}) AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
    ORDER BY month`.execute(db);
  return result.rows.filter((row) => row.month !== null);
}

/** The default partition of `table`, if it has one. */
async function defaultPartition(db: Db, table: PartitionedTable): Promise<string | undefined> {
  const result = await sql<{ name: string | null }>`
    SELECT (SELECT relname FROM pg_class WHERE oid = p.partdefid) AS name
    FROM pg_partitioned_table p WHERE p.partrelid = to_regclass(${table})`.execute(db);
  const name = result.rows[0]?.name ?? undefined;
  if (name !== undefined && !DEFAULT_NAME.test(name)) throw new RadarError('usage', `unexpected default partition name ${JSON.stringify(name)} of ${table}`, { table });
  return name;
}

/** The months ('YYYY-MM-01') that have rows in the default partition of `table`, oldest first. */
export async function monthsInDefault(db: Db, table: PartitionedTable): Promise<string[]> {
  const name = await defaultPartition(db, checkTable(table));
  if (name === undefined) return [];
  const key = PARTITIONED_TABLES[table];
  const result = await sql<{ month: string }>`
    SELECT DISTINCT date_trunc('month', ${sql.ref(key)})::date AS month FROM ${sql.table(name)} ORDER BY month`.execute(db);
  return result.rows.map((row) => row.month);
}

/** Rows of `table` in its default partition (a test and `radar status` figure). */
export async function rowsInDefault(db: Db, table: PartitionedTable): Promise<number> {
  const name = await defaultPartition(db, checkTable(table));
  if (name === undefined) return 0;
  const result = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(name)}`.execute(db);
  return result.rows[0]?.n ?? 0;
}

/**
 * Makes sure the month holding `month` has its own partition of `table`, moving its rows out of the
 * default partition. One statement, so one short transaction. Returns whether a partition was created.
 */
export async function ensureMonthPartition(db: Db, table: PartitionedTable, month: string): Promise<boolean> {
  try {
    const result = await sql<{ created: boolean }>`SELECT radar_month_partition(to_regclass(${checkTable(table)}), ${month}::date) AS created`.execute(db);
    return result.rows[0]?.created === true;
  } catch (error) {
    throw new RadarError('partition_failed', `creating the ${month.slice(0, 7)} partition of ${table} failed: ${(error as Error).message}`, { table, month }, { cause: error });
  }
}

/**
 * Detaches a month partition from `table`; then drops it, or keeps it as the plain table
 * `<name>_detached` (an archive to dump or drop by hand). When that table exists already (rows of the month
 * ingested after it was detached), the rows are appended to it; a key already archived keeps the archived
 * row. Returns the kept table's name, or null if dropped.
 */
export async function detachMonthPartition(db: Db, table: PartitionedTable, partition: string, options: { drop: boolean }): Promise<string | null> {
  checkTable(table);
  if (!PARTITION_NAME.test(partition) || !partition.startsWith(`${table}_`)) throw new RadarError('usage', `${partition} is not a month partition of ${table}`, { table, partition });
  const kept = `${partition}_detached`;
  try {
    return await db.transaction().execute(async (trx) => {
      await sql`ALTER TABLE ${sql.table(table)} DETACH PARTITION ${sql.table(partition)}`.execute(trx);
      if (options.drop) {
        await sql`DROP TABLE ${sql.table(partition)}`.execute(trx);
        return null;
      }
      const exists = await sql<{ found: boolean }>`SELECT to_regclass(${kept}) IS NOT NULL AS found`.execute(trx);
      if (exists.rows[0]?.found) {
        await sql`INSERT INTO ${sql.table(kept)} SELECT * FROM ${sql.table(partition)} ON CONFLICT DO NOTHING`.execute(trx);
        await sql`DROP TABLE ${sql.table(partition)}`.execute(trx);
      } else {
        await sql`ALTER TABLE ${sql.table(partition)} RENAME TO ${sql.table(kept)}`.execute(trx);
      }
      return kept;
    });
  } catch (error) {
    throw new RadarError('partition_failed', `detaching ${partition} from ${table} failed: ${(error as Error).message}`, { table, partition }, { cause: error });
  }
}
