// openDatabase, copyCsv and runScript behave the same on PGlite and on the Postgres server.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { RadarError } from '../pipelines/errors.ts';
import { copyCsv, openDatabase, runScript } from '../sql/database.ts';
import { migrate } from '../sql/migrate.ts';
import { describeEachBackend } from './support/database.ts';

describe('openDatabase', () => {
  it.each([
    ['a refused connection', 'postgres://radar:Pa55-secret-word@127.0.0.1:1/radar'],
    ['an unknown host', 'postgres://radar:Pa55-secret-word@radar-db.invalid:5432/radar'],
    ['an unparsable URL', 'postgres://radar:Pa55-secret-word@127.0.0.1:99999999/radar'],
  ])('reports %s as database_unavailable without the password', async (_case, databaseUrl) => {
    const error = await openDatabase({ databaseUrl }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(RadarError);
    expect((error as RadarError).code).toBe('database_unavailable');
    expect((error as RadarError).message).toMatch(/^cannot open the Postgres server at DATABASE_URL: /);
    // Neither the message nor anything a logger would serialise (context, cause message) carries the secret.
    const cause = (error as Error).cause as Error | undefined;
    const logged = JSON.stringify({ message: (error as Error).message, context: (error as RadarError).context, cause: cause?.message });
    expect(logged).not.toContain('Pa55-secret-word');
  });

  it('rejects an unsafe schema name before connecting', async () => {
    await expect(openDatabase({ inMemory: true, schema: 'x; DROP TABLE accounts' })).rejects.toMatchObject({ code: 'usage' });
  });

  it('persists PGlite under its dataDir across close and reopen', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'radar-pglite-'));
    try {
      const first = await openDatabase({ dataDir: dir });
      await migrate(first);
      await first
        .insertInto('accounts')
        .values({ external_id: 'persisted-1', name: 'Persisted Ltd', arr_cents: 1_234_500, contract_start: '2024-03-01', renewal_date: '2025-03-01' })
        .execute();
      await first.destroy();

      const second = await openDatabase({ dataDir: dir });
      try {
        const rows = await second.selectFrom('accounts').select(['external_id', 'name', 'arr_cents', 'renewal_date']).execute();
        expect(rows).toEqual([{ external_id: 'persisted-1', name: 'Persisted Ltd', arr_cents: 1_234_500, renewal_date: '2025-03-01' }]);
        expect(await migrate(second)).toEqual({ applied: [], upToDate: true });
      } finally {
        await second.destroy();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// Every CSV quoting case that matters: comma, doubled quote, newline and CRLF inside a field,
// unquoted empty (NULL) versus quoted empty (''), non-ASCII text, and a value that looks like NULL.
const CSV = [
  '1,plain,ascii',
  '2,"Acme, Inc.","comma inside"',
  '3,"The ""Big"" One",quotes',
  '4,"line one\nline two","newline inside"',
  '5,"crlf\r\ninside",crlf',
  '6,,unquoted empty is NULL',
  '7,"",quoted empty is empty text',
  '8,Zürich Größe 東京,non-ASCII',
  '9,NULL,the word NULL is text',
].join('\n');

const EXPECTED = [
  { id: 1, label: 'plain', note: 'ascii' },
  { id: 2, label: 'Acme, Inc.', note: 'comma inside' },
  { id: 3, label: 'The "Big" One', note: 'quotes' },
  { id: 4, label: 'line one\nline two', note: 'newline inside' },
  { id: 5, label: 'crlf\r\ninside', note: 'crlf' },
  { id: 6, label: null, note: 'unquoted empty is NULL' },
  { id: 7, label: '', note: 'quoted empty is empty text' },
  { id: 8, label: 'Zürich Größe 東京', note: 'non-ASCII' },
  { id: 9, label: 'NULL', note: 'the word NULL is text' },
];

describeEachBackend('copyCsv and runScript', (context) => {
  interface ProbeRow {
    id: number;
    label: string | null;
    note: string;
  }
  const probeRows = async (table: string) => (await sql<ProbeRow>`SELECT id, label, note FROM ${sql.table(table)} ORDER BY id`.execute(context().db)).rows;

  it('loads quoted CSV exactly', async () => {
    const { db } = context();
    await runScript(db, 'CREATE TABLE copy_probe (id integer PRIMARY KEY, label text, note text NOT NULL)');
    await copyCsv(db, 'copy_probe', ['id', 'label', 'note'], `${CSV}\n`);
    expect(await probeRows('copy_probe')).toEqual(EXPECTED);
  });

  it('loads CSV into real tables, with columns in any order', async () => {
    const { db } = context();
    await copyCsv(db, 'accounts', ['name', 'external_id', 'arr_cents', 'contract_start', 'renewal_date'], '"Copy, Ltd",copy-1,500,2024-01-01,2025-01-01\n');
    const row = await db.selectFrom('accounts').select(['external_id', 'name', 'arr_cents', 'segment']).where('external_id', '=', 'copy-1').executeTakeFirst();
    expect(row).toEqual({ external_id: 'copy-1', name: 'Copy, Ltd', arr_cents: 500, segment: expect.any(String) });
  });

  it('leaves nothing behind inside a rolled-back transaction', async () => {
    const { db } = context();
    await runScript(db, 'CREATE TABLE copy_rollback (id integer PRIMARY KEY, label text, note text NOT NULL)');
    const rollback = new Error('roll back on purpose');
    await expect(
      db.transaction().execute(async (trx) => {
        await copyCsv(trx, 'copy_rollback', ['id', 'label', 'note'], CSV);
        // Visible inside the transaction…
        const inside = await sql<{ n: number }>`SELECT count(*)::int AS n FROM copy_rollback`.execute(trx);
        expect(inside.rows).toEqual([{ n: EXPECTED.length }]);
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    // …and gone after the rollback.
    expect(await probeRows('copy_rollback')).toEqual([]);
  });

  it('fails the whole COPY on a bad row and reports it', async () => {
    const { db } = context();
    await runScript(db, 'CREATE TABLE copy_bad (id integer PRIMARY KEY, label text, note text NOT NULL)');
    await expect(copyCsv(db, 'copy_bad', ['id', 'label', 'note'], '1,ok,fine\nnot-a-number,x,y\n')).rejects.toThrow(/integer/);
    expect(await probeRows('copy_bad')).toEqual([]);
  });

  it('refuses identifiers that are not plain SQL names', async () => {
    const { db } = context();
    await expect(copyCsv(db, 'accounts; DROP TABLE accounts', ['name'], '')).rejects.toMatchObject({ code: 'usage' });
    await expect(copyCsv(db, 'accounts', ['name) FROM STDIN; --'], '')).rejects.toMatchObject({ code: 'usage' });
  });

  it('runs multi-statement scripts', async () => {
    const { db } = context();
    await runScript(
      db,
      `CREATE TABLE script_probe (id integer PRIMARY KEY, label text);
       INSERT INTO script_probe VALUES (1, 'one; not a separator');
       INSERT INTO script_probe VALUES (2, $$dollar 'quoted'$$);
       UPDATE script_probe SET label = label || '!' WHERE id = 2;`,
    );
    const rows = await sql<{ id: number; label: string }>`SELECT id, label FROM script_probe ORDER BY id`.execute(db);
    expect(rows.rows).toEqual([
      { id: 1, label: 'one; not a separator' },
      { id: 2, label: "dollar 'quoted'!" },
    ]);
  });

  it('runs a script as one unit: a failing statement undoes the ones before it', async () => {
    const { db } = context();
    await expect(runScript(db, 'CREATE TABLE script_atomic (id integer); INSERT INTO script_atomic VALUES (1); SELECT 1 / 0;')).rejects.toThrow(/division by zero/);
    const found = await sql<{ found: boolean }>`SELECT to_regclass('script_atomic') IS NOT NULL AS found`.execute(db);
    expect(found.rows).toEqual([{ found: false }]);
  });

  it('runs scripts inside a transaction, rolled back with it', async () => {
    const { db } = context();
    await expect(
      db.transaction().execute(async (trx) => {
        await runScript(trx, 'CREATE TABLE script_in_trx (id integer); INSERT INTO script_in_trx VALUES (1), (2);');
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    const found = await sql<{ found: boolean }>`SELECT to_regclass('script_in_trx') IS NOT NULL AS found`.execute(db);
    expect(found.rows).toEqual([{ found: false }]);
  });
});
