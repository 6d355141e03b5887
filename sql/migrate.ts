// A small migration runner: ordered .sql files in sql/migrations, each applied in its own
// transaction and recorded with a SHA-256 checksum. Files are frozen once applied: an edit is
// refused with the file's name. A session-level advisory lock makes concurrent runners take turns,
// and the second one finds nothing left to do.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql, type Kysely } from 'kysely';
import { RadarError } from '../pipelines/errors.ts';
import { runScript } from './database.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

export interface MigrationFile {
  readonly name: string;
  readonly checksum: string;
  readonly script: string;
}

export interface MigrationReport {
  readonly applied: readonly string[];
  readonly upToDate: boolean;
}

const FILE_NAME = /^\d{4}_[a-z0-9_]+\.sql$/;

export async function readMigrations(dir: string = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.sql')).sort();
  return Promise.all(
    names.map(async (name) => {
      if (!FILE_NAME.test(name)) throw new RadarError('migration_failed', `migration file ${name} must be named NNNN_description.sql`, { file: name });
      const script = await readFile(join(dir, name), 'utf8');
      return { name, script, checksum: createHash('sha256').update(script).digest('hex') };
    }),
  );
}

/** Applies pending migrations. Safe to run concurrently and repeatedly. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time and must not depend on the app's DB type
export async function migrate(db: Kysely<any>, options: { dir?: string; onApply?: (name: string) => void } = {}): Promise<MigrationReport> {
  const files = await readMigrations(options.dir);
  return db.connection().execute(async (connection) => {
    // Keyed on the schema, so test schemas on one server do not wait for each other.
    await sql`SELECT pg_advisory_lock(hashtext('renewal-radar:migrate:' || current_schema()))`.execute(connection);
    try {
      await runScript(
        connection,
        `CREATE TABLE IF NOT EXISTS schema_migrations (
           name text PRIMARY KEY,
           checksum text NOT NULL,
           applied_at timestamptz NOT NULL DEFAULT now()
         )`,
      );
      const appliedRows = await sql<{ name: string; checksum: string }>`SELECT name, checksum FROM schema_migrations ORDER BY name`.execute(connection);
      const applied = new Map(appliedRows.rows.map((row) => [row.name, row.checksum]));
      const known = new Set(files.map((file) => file.name));
      for (const name of applied.keys()) {
        if (!known.has(name)) throw new RadarError('migration_failed', `migration ${name} is recorded as applied but its file is missing`, { file: name });
      }
      for (const file of files) {
        const checksum = applied.get(file.name);
        if (checksum !== undefined && checksum !== file.checksum) {
          throw new RadarError(
            'migration_checksum_mismatch',
            `migration ${file.name} was edited after it was applied (checksum ${checksum.slice(0, 12)} → ${file.checksum.slice(0, 12)}); add a new migration instead`,
            { file: file.name },
          );
        }
      }
      const pending = files.filter((file) => !applied.has(file.name));
      for (const file of pending) {
        try {
          await connection.transaction().execute(async (trx) => {
            await runScript(trx, file.script);
            await sql`INSERT INTO schema_migrations (name, checksum) VALUES (${file.name}, ${file.checksum})`.execute(trx);
          });
        } catch (error) {
          throw new RadarError('migration_failed', `migration ${file.name} failed: ${(error as Error).message}`, { file: file.name }, { cause: error });
        }
        options.onApply?.(file.name);
      }
      return { applied: pending.map((file) => file.name), upToDate: pending.length === 0 };
    } finally {
      await sql`SELECT pg_advisory_unlock(hashtext('renewal-radar:migrate:' || current_schema()))`.execute(connection);
    }
  });
}
