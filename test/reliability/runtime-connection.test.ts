// F4: a Postgres connection terminated with pg_terminate_backend (what a server restart, a failover or
// an idle-connection killer does) fails the current step with one readable typed error; the process
// lives on and the next step gets a fresh connection. Before the fix, a checked-out client's 'error'
// event had no listener: "Unhandled 'error' event" (57P01) killed the process.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RadarError } from '../../pipelines/errors.ts';
import { openDatabase, type Database } from '../../sql/database.ts';
import { IN_CI, postgresUnavailable, TEST_DATABASE_URL } from '../support/database.ts';

/** A DATABASE_URL whose connections carry `application_name`, so a test can find and kill exactly them. */
export function taggedUrl(tag: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set('application_name', tag);
  return url.toString();
}

/** Terminates every server connection tagged `tag`; resolves with how many were killed. */
export async function terminateTagged(admin: pg.Client, tag: string): Promise<number> {
  const result = await admin.query<{ killed: boolean }>('SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()', [tag]);
  return result.rows.filter((row) => row.killed).length;
}

describe.skipIf(Boolean(postgresUnavailable) && !IN_CI)('a dropped Postgres connection', () => {
  const tag = `radar-f4-${randomBytes(4).toString('hex')}`;
  let db: Database;
  let admin: pg.Client;

  beforeAll(async () => {
    db = await openDatabase({ databaseUrl: taggedUrl(tag), poolSize: 2 });
    admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await db?.destroy();
  });

  it('between two queries on a checked-out connection: the next query fails with a typed one-line error, and the pool recovers', async () => {
    const failure = await db
      .connection()
      .execute(async (connection) => {
        await sql`SELECT 1`.execute(connection);
        expect(await terminateTagged(admin, tag)).toBeGreaterThanOrEqual(1);
        // Give the socket's close time to arrive: the client emits 'error' while nobody is querying it.
        await new Promise((resolve) => setTimeout(resolve, 300));
        await sql`SELECT 2`.execute(connection);
      })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RadarError);
    expect((failure as RadarError).code).toBe('database_unavailable');
    expect((failure as Error).message).toMatch(/^lost the connection to the Postgres server \(.+\); the step failed and can be retried$/);
    expect((failure as Error).message).not.toContain('\n');
    const after = await sql<{ n: number }>`SELECT 3 AS n`.execute(db);
    expect(after.rows).toEqual([{ n: 3 }]);
  });

  it('during a query: the query fails with SQLSTATE 57P01 named, and the pool recovers', async () => {
    const failure = await db
      .connection()
      .execute(async (connection) => {
        // Settled into a value at once: the rejection arrives while the test is still terminating.
        const running = sql`SELECT pg_sleep(5)`.execute(connection).then(() => undefined, (error: unknown) => error);
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(await terminateTagged(admin, tag)).toBeGreaterThanOrEqual(1);
        throw await running;
      })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RadarError);
    expect((failure as Error).message).toBe('lost the connection to the Postgres server (terminating connection due to administrator command, SQLSTATE 57P01); the step failed and can be retried');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const after = await sql<{ n: number }>`SELECT 4 AS n`.execute(db);
    expect(after.rows).toEqual([{ n: 4 }]);
  });
});
