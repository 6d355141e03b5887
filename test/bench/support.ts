// Shared by the benchmarks: a fresh schema on the Postgres server, timing, and a printed table.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { openDatabase, runScript } from '../../sql/database.ts';
import { migrate } from '../../sql/migrate.ts';
import type { DB } from '../../sql/schema.ts';

export const BENCH_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function freshServerSchema(prefix: string, poolSize = 4): Promise<{ db: Kysely<DB>; schema: string; dispose(): Promise<void> }> {
  const schema = `${prefix}_${randomBytes(4).toString('hex')}`;
  const db = await openDatabase({ databaseUrl: BENCH_DATABASE_URL, schema, poolSize });
  await migrate(db);
  return {
    db,
    schema,
    async dispose() {
      await runScript(db, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await db.destroy();
    },
  };
}

export async function timed<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = performance.now();
  const value = await work();
  return { value, seconds: (performance.now() - started) / 1000 };
}

export function printTable(rows: ReadonlyArray<Record<string, string | number>>): void {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => String(row[column]).length)));
  const line = (cells: readonly string[]) => cells.map((cell, index) => cell.padEnd(widths[index]!)).join('  ');
  console.log(line(columns));
  console.log(line(widths.map((width) => '-'.repeat(width))));
  for (const row of rows) console.log(line(columns.map((column) => String(row[column]))));
}

export const perSecond = (rows: number, seconds: number) => Math.round(rows / Math.max(seconds, 1e-9));
