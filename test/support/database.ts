// Every database test runs on both backends: PGlite in memory, and the Postgres server at
// DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), each test file in a fresh schema.
// Without a reachable server the Postgres variants are skipped with the reason printed; under CI=true
// they fail instead, so a broken CI machine cannot pass by skipping.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, it } from 'vitest';
import pg from 'pg';
import type { Kysely } from 'kysely';
import { openDatabase, runScript, type DatabaseOptions } from '../../sql/database.ts';
import { migrate } from '../../sql/migrate.ts';
import type { DB } from '../../sql/schema.ts';

export const TEST_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const IN_CI = process.env.CI === 'true';

async function probePostgres(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return `no Postgres server at ${url.replace(/\/\/[^@]*@/, '//***@')}: ${(error as Error).message}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export const postgresUnavailable = await probePostgres(TEST_DATABASE_URL);
if (postgresUnavailable && !IN_CI) console.warn(`[radar tests] skipping Postgres-server variants: ${postgresUnavailable}`);

export type BackendName = 'pglite' | 'postgres';

export interface TestBackend {
  readonly name: BackendName;
  /** Why this backend cannot run, if it cannot. */
  readonly unavailable: string | undefined;
  /** Options for a fresh, isolated database (a new PGlite, or a new schema on the server). */
  freshOptions(): DatabaseOptions;
}

export const backends: readonly TestBackend[] = [
  { name: 'pglite', unavailable: undefined, freshOptions: () => ({ inMemory: true }) },
  {
    name: 'postgres',
    unavailable: postgresUnavailable,
    freshOptions: () => ({ databaseUrl: TEST_DATABASE_URL, schema: `radar_t_${randomBytes(6).toString('hex')}`, poolSize: 4 }),
  },
];

export interface TestDatabase {
  readonly db: Kysely<DB>;
  readonly backend: TestBackend;
  readonly options: DatabaseOptions;
}

/** Opens a fresh, migrated database; `dispose` drops a server schema and closes the pool. */
export async function openTestDatabase(backend: TestBackend, { migrated = true } = {}): Promise<TestDatabase & { dispose(): Promise<void> }> {
  const options = backend.freshOptions();
  const db = await openDatabase(options);
  if (migrated) await migrate(db);
  return {
    db,
    backend,
    options,
    async dispose() {
      if (options.schema) await runScript(db, `DROP SCHEMA IF EXISTS ${options.schema} CASCADE`).catch(() => undefined);
      await db.destroy();
    },
  };
}

/**
 * Declares `body` once per backend. Inside, `context()` gives the migrated database of that backend.
 * An unavailable backend is skipped with its reason (or fails under CI=true).
 */
export function describeEachBackend(title: string, body: (context: () => TestDatabase) => void, options: { migrated?: boolean } = {}): void {
  for (const backend of backends) {
    const name = `${title} [${backend.name}]`;
    if (backend.unavailable && IN_CI) {
      describe(name, () => {
        it('has its database server', () => {
          throw new Error(`CI=true requires the Postgres server: ${backend.unavailable}`);
        });
      });
      continue;
    }
    describe.skipIf(Boolean(backend.unavailable))(backend.unavailable ? `${name} (skipped: ${backend.unavailable})` : name, () => {
      let current: (TestDatabase & { dispose(): Promise<void> }) | undefined;
      beforeAll(async () => {
        current = await openTestDatabase(backend, options);
      });
      afterAll(async () => {
        await current?.dispose();
      });
      body(() => {
        if (!current) throw new Error('test database not open yet');
        return current;
      });
    });
  }
}
