// The migration runner on both backends: idempotent, frozen files, atomic per file, one winner
// under concurrency; and `radar migrate` as a real process on the embedded default and the server.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../sql/database.ts';
import { migrate, MIGRATIONS_DIR, readMigrations } from '../sql/migrate.ts';
import { startupBudgetMs } from './support/budget.ts';
import { runRadar } from './support/cli.ts';
import { describeEachBackend, IN_CI, openTestDatabase, postgresUnavailable, TEST_DATABASE_URL } from './support/database.ts';

const FIRST = '0001_core_schema.sql';
/** Every migration the project ships, in order (more are added over time). */
const SHIPPED = (await readMigrations()).map((file) => file.name);
const appliedOutput = `${SHIPPED.map((name) => `applied ${name}\n`).join('')}applied ${SHIPPED.length} migration(s)\n`;

async function tempMigrationsDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'radar-migrations-'));
  await copyFile(join(MIGRATIONS_DIR, FIRST), join(dir, FIRST));
  return dir;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the migrator's own tables are not in DB
async function recorded(db: Kysely<any>): Promise<string[]> {
  const result = await sql<{ name: string }>`SELECT name FROM schema_migrations ORDER BY name`.execute(db);
  return result.rows.map((row) => row.name);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function tableExists(db: Kysely<any>, table: string): Promise<boolean> {
  const result = await sql<{ found: boolean }>`SELECT to_regclass(${table}) IS NOT NULL AS found`.execute(db);
  return result.rows[0]?.found === true;
}

describeEachBackend(
  'migrate',
  (context) => {
    it('applies every file once, then reports up to date with nothing applied', async () => {
      const { db } = context();
      const applied: string[] = [];
      const first = await migrate(db, { onApply: (name) => applied.push(name) });
      expect(first).toEqual({ applied: SHIPPED, upToDate: false });
      expect(applied).toEqual(SHIPPED);

      const second = await migrate(db, { onApply: (name) => applied.push(name) });
      expect(second).toEqual({ applied: [], upToDate: true });
      expect(applied).toEqual(SHIPPED);
      expect(await recorded(db)).toEqual(SHIPPED);
      expect(await tableExists(db, 'accounts')).toBe(true);
    });

    it('applies concurrent calls on one database exactly once', async () => {
      const fresh = await openTestDatabase(context().backend, { migrated: false });
      try {
        const reports = await Promise.all([migrate(fresh.db), migrate(fresh.db)]);
        expect(reports.flatMap((report) => report.applied)).toEqual(SHIPPED);
        expect(await recorded(fresh.db)).toEqual(SHIPPED);
      } finally {
        await fresh.dispose();
      }
    });

    it('refuses to run when an applied file was edited, naming the file', async () => {
      const dir = await tempMigrationsDir();
      const fresh = await openTestDatabase(context().backend, { migrated: false });
      try {
        expect(await migrate(fresh.db, { dir })).toEqual({ applied: [FIRST], upToDate: false });
        await appendFile(join(dir, FIRST), '\n-- an innocent-looking edit\n');
        const failure = migrate(fresh.db, { dir });
        await expect(failure).rejects.toMatchObject({ code: 'migration_checksum_mismatch', context: { file: FIRST } });
        await expect(failure).rejects.toThrow(FIRST);
      } finally {
        await fresh.dispose();
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('refuses to run when an applied file is missing', async () => {
      const dir = await tempMigrationsDir();
      const fresh = await openTestDatabase(context().backend, { migrated: false });
      try {
        await writeFile(join(dir, '0002_extra.sql'), 'CREATE TABLE extra_probe (id int);');
        expect((await migrate(fresh.db, { dir })).applied).toEqual([FIRST, '0002_extra.sql']);
        await rm(join(dir, '0002_extra.sql'));
        await expect(migrate(fresh.db, { dir })).rejects.toMatchObject({ code: 'migration_failed', context: { file: '0002_extra.sql' } });
      } finally {
        await fresh.dispose();
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('leaves nothing half-applied when a migration fails, and releases the lock', async () => {
      const dir = await tempMigrationsDir();
      const broken = '0002_broken.sql';
      const fresh = await openTestDatabase(context().backend, { migrated: false });
      try {
        // The first statement succeeds, the third fails: the table must not survive.
        await writeFile(join(dir, broken), 'CREATE TABLE half_applied (id int);\nINSERT INTO half_applied VALUES (1);\nSELECT 1 / 0;\n');
        const failure = migrate(fresh.db, { dir });
        await expect(failure).rejects.toMatchObject({ code: 'migration_failed', context: { file: broken } });
        await expect(failure).rejects.toThrow(/0002_broken\.sql.*division by zero/);
        expect(await tableExists(fresh.db, 'half_applied')).toBe(false);
        // 0001 ran in its own transaction before the failure and stays applied.
        expect(await recorded(fresh.db)).toEqual([FIRST]);

        // Fixed, it applies: the advisory lock was released (a leaked lock would hang here on the server).
        await writeFile(join(dir, broken), 'CREATE TABLE half_applied (id int);\n');
        expect(await migrate(fresh.db, { dir })).toEqual({ applied: [broken], upToDate: false });
        expect(await tableExists(fresh.db, 'half_applied')).toBe(true);
      } finally {
        await fresh.dispose();
        await rm(dir, { recursive: true, force: true });
      }
    });
  },
  { migrated: false },
);

const describeServer = postgresUnavailable && !IN_CI ? describe.skip : describe;
const serverTitle = postgresUnavailable && !IN_CI ? `(skipped: ${postgresUnavailable})` : '';

describeServer(`migrate on the Postgres server ${serverTitle}`, () => {
  it('applies once when two processes (two pools) migrate the same schema at once', async () => {
    const schema = `radar_t_${randomBytes(6).toString('hex')}`;
    const first = await openDatabase({ databaseUrl: TEST_DATABASE_URL, schema, poolSize: 2 });
    const second = await openDatabase({ databaseUrl: TEST_DATABASE_URL, schema, poolSize: 2 });
    try {
      const reports = await Promise.all([migrate(first), migrate(second)]);
      expect(reports.map((report) => report.applied.length).sort()).toEqual([0, SHIPPED.length]);
      expect(reports.flatMap((report) => report.applied)).toEqual(SHIPPED);
      expect(await recorded(second)).toEqual(SHIPPED);
    } finally {
      await sql.raw(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).execute(first);
      await first.destroy();
      await second.destroy();
    }
  });
});

// ---- `radar migrate` as a real process ----------------------------------------------------------

async function radarMigrate(environment: Record<string, string>): Promise<string> {
  const result = await runRadar(['migrate'], environment);
  expect({ code: result.code, stderr: result.code === 0 ? '' : result.stderr }).toEqual({ code: 0, stderr: '' });
  return result.stdout;
}

describe('radar migrate (embedded PGlite)', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'radar-data-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('applies the schema, then prints "up to date" the second time', async () => {
    expect(await radarMigrate({ RADAR_DATA_DIR: dataDir })).toBe(appliedOutput);
    expect(await radarMigrate({ RADAR_DATA_DIR: dataDir })).toBe('up to date\n');
    // RADAR_DATA_DIR moved the embedded database: its cluster lives there.
    expect(existsSync(join(dataDir, 'pgdata', 'PG_VERSION'))).toBe(true);
  }, 4 * startupBudgetMs()); // two processes, each starting the embedded database
});

describeServer(`radar migrate (DATABASE_URL) ${serverTitle}`, () => {
  const database = `radar_cli_${randomBytes(6).toString('hex')}`;
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${database}`;

  async function admin(statement: string): Promise<void> {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  }
  beforeAll(() => admin(`CREATE DATABASE ${database}`));
  afterAll(() => admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));

  it('applies the schema, then prints "up to date" the second time', async () => {
    expect(await radarMigrate({ DATABASE_URL: url.toString() })).toBe(appliedOutput);
    expect(await radarMigrate({ DATABASE_URL: url.toString() })).toBe('up to date\n');
  }, 2 * startupBudgetMs());
});
