// The hand-written DB type (derived from sql/schema.ts) must match the live schema exactly.
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { schemaColumns } from '../sql/schema.ts';
import { describeEachBackend } from './support/database.ts';

interface LiveColumn {
  table_name: string;
  column_name: string;
  data_type: string;
  is_nullable: 'YES' | 'NO';
  has_default: boolean;
}

describeEachBackend('schema', (context) => {
  it('matches sql/schema.ts column for column', async () => {
    const { db } = context();
    const live = await sql<LiveColumn>`
      SELECT table_name, column_name, data_type, is_nullable,
             (column_default IS NOT NULL OR is_identity = 'YES') AS has_default
      FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name <> 'schema_migrations'
        -- Monthly partitions (migration 0019) are storage, not tables the code names: their parent is checked.
        AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = to_regclass(quote_ident(table_name)) AND c.relispartition)
      ORDER BY table_name, ordinal_position`.execute(db);

    const liveMap: Record<string, Record<string, { type: string; nullable: boolean; generated: boolean }>> = {};
    for (const column of live.rows) {
      liveMap[column.table_name] ??= {};
      liveMap[column.table_name]![column.column_name] = {
        type: column.data_type,
        nullable: column.is_nullable === 'YES',
        generated: column.has_default,
      };
    }
    const declared = JSON.parse(JSON.stringify(schemaColumns)) as typeof liveMap;
    expect(Object.keys(liveMap).sort()).toEqual(Object.keys(declared).sort());
    for (const table of Object.keys(declared)) {
      expect({ table, columns: liveMap[table] }).toEqual({ table, columns: declared[table] });
    }
  });

  it('declares a foreign key for every account_id column', async () => {
    const { db } = context();
    const missing = await sql<{ table_name: string }>`
      SELECT c.table_name FROM information_schema.columns c
      JOIN information_schema.tables base ON base.table_schema = c.table_schema AND base.table_name = c.table_name AND base.table_type = 'BASE TABLE'
      WHERE c.table_schema = current_schema() AND c.column_name = 'account_id' AND c.table_name <> 'accounts'
        AND NOT EXISTS (
          SELECT 1 FROM information_schema.key_column_usage k
          JOIN information_schema.table_constraints t USING (constraint_schema, constraint_name)
          WHERE t.constraint_type = 'FOREIGN KEY' AND k.table_schema = c.table_schema
            AND k.table_name = c.table_name AND k.column_name = 'account_id')`.execute(db);
    expect(missing.rows).toEqual([]);
  });

  it('rejects rows that break the domain rules', async () => {
    const { db } = context();
    const account = await db
      .insertInto('accounts')
      .values({ external_id: 'rule-check', name: 'Rule Check', arr_cents: 100, contract_start: '2025-01-01', renewal_date: '2026-01-01' })
      .returning('account_id')
      .executeTakeFirstOrThrow();
    await expect(
      db.insertInto('invoices').values({ external_id: 'inv-bad', account_id: account.account_id, issued_on: '2025-02-01', due_on: '2025-01-15', amount_cents: 100, status: 'open' }).execute(),
    ).rejects.toThrow(/check/i);
    await expect(
      db.insertInto('renewals').values({ account_id: account.account_id, renewal_date: '2026-01-01', outcome: 'lapsed', arr_before_cents: 100, arr_after_cents: 0, decided_at: '2025-12-01T00:00:00Z' }).execute(),
    ).rejects.toThrow(/check/i);
    await expect(db.updateTable('accounts').set({ arr_cents: -1 }).where('account_id', '=', account.account_id).execute()).rejects.toThrow(/check/i);
  });

  it('returns dates as YYYY-MM-DD text and int8 as numbers', async () => {
    const { db } = context();
    const row = await db.selectFrom('accounts').select(['account_id', 'contract_start', 'arr_cents']).where('external_id', '=', 'rule-check').executeTakeFirstOrThrow();
    expect(row).toEqual({ account_id: expect.any(Number), contract_start: '2025-01-01', arr_cents: 100 });
  });
});
