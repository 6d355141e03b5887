// Set-based alert, task and milestone writes (the renewal calendar posts a day's milestones in a few
// statements): slices sized to the 32,767 bound parameters a statement may carry on PGlite (65,535 on a
// Postgres server), dedup keys honoured across slices, every row's id returned. 4,000 alerts × 17
// columns = 68,000 parameters: one statement would be refused by the server and silently dropped by
// PGlite, so this fails if the slicing goes.
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { insertAlerts, setDigests, type NewAlert } from '../sql/alerts.ts';
import { parameterSlices } from '../sql/batches.ts';
import { accountSegments } from '../sql/tune.ts';
import { insertTasksOfAlerts } from '../sql/tasks.ts';
import { addAccount, resetAlertTables } from './alerts-fixtures.ts';
import { describeEachBackend } from './support/database.ts';

it('slices rows by the parameters a statement may bind', () => {
  const rows = Array.from({ length: 10 }, (_, i) => i);
  expect(parameterSlices(rows, 32_767 / 4).map((slice) => slice.length)).toEqual([4, 4, 2]);
  expect(parameterSlices(rows, 17).map((slice) => slice.length)).toEqual([10]); // 1,927 rows a slice
  expect(parameterSlices(Array.from({ length: 4_000 }, (_, i) => i), 17).map((slice) => slice.length)).toEqual([1_927, 1_927, 146]);
  expect(parameterSlices([], 17)).toEqual([]);
  expect(parameterSlices(rows, 100_000).map((slice) => slice.length)).toEqual(Array(10).fill(1));
});

const alert = (key: string): NewAlert => ({
  dedupKey: key, kind: 'calendar', accountId: null, asOf: '2026-01-15', tier: null, modelVersion: null, probability: null,
  channel: 'C1', recipient: 'lee@vendor.example', status: 'pending', configVersion: 'test',
});

describeEachBackend('set-based alert writes', (context) => {
  it('inserts 4,000 alerts, returns each new id by dedup key and skips keys that exist', async () => {
    const { db } = context();
    await resetAlertTables(db);
    const first = await insertAlerts(db, Array.from({ length: 4_000 }, (_, i) => alert(`batch:${i}`)));
    expect(first.size).toBe(4_000);
    const stored = await db.selectFrom('alerts').select(['alert_id', 'dedup_key']).execute();
    expect(stored).toHaveLength(4_000);
    for (const row of stored) expect(first.get(row.dedup_key)).toBe(row.alert_id);

    // Half of the keys exist: only the 2,000 new ones come back, the old rows are untouched.
    const second = await insertAlerts(db, Array.from({ length: 4_000 }, (_, i) => alert(`batch:${i + 2_000}`)));
    expect([...second.keys()].sort()).toEqual(Array.from({ length: 2_000 }, (_, i) => `batch:${i + 4_000}`).sort());
    expect(Number((await db.selectFrom('alerts').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)).toBe(6_000);

    // Digests set in one statement: each member points at its own digest.
    const digestA = first.get('batch:0')!;
    const digestB = first.get('batch:1')!;
    await setDigests(db, [2, 3, 4].map((i) => ({ alertId: first.get(`batch:${i}`)!, digestAlertId: i === 4 ? digestB : digestA })));
    const members = await db.selectFrom('alerts').select(['dedup_key', 'digest_alert_id']).where('digest_alert_id', 'is not', null).orderBy('dedup_key').execute();
    expect(members).toEqual([
      { dedup_key: 'batch:2', digest_alert_id: digestA },
      { dedup_key: 'batch:3', digest_alert_id: digestA },
      { dedup_key: 'batch:4', digest_alert_id: digestB },
    ]);
  });

  it("inserts many alerts' tasks at once, idempotent per alert, playbook and step, each alert's in order", async () => {
    const { db } = context();
    await resetAlertTables(db);
    const accountId = await addAccount(db, { externalId: 'ACME' });
    const ids = await insertAlerts(db, ['a', 'b'].map((key) => ({ ...alert(key), kind: 'milestone', accountId })));
    const task = (step: string, dueOn: string) => ({ playbook: 'renewal-t90', step, ownerRole: 'csm', owner: 'lee@vendor.example', dueOn });
    const input = [
      { alertId: ids.get('a')!, accountId, tasks: [task('Confirm the decision maker', '2026-01-22'), task('Book the renewal call', '2026-01-29')] },
      { alertId: ids.get('b')!, accountId, tasks: [task('Send the usage review', '2026-01-20')] },
    ];
    const once = await insertTasksOfAlerts(db, input);
    const again = await insertTasksOfAlerts(db, input);
    expect(again).toEqual(once);
    expect(once.get(ids.get('a')!)!.map((t) => [t.step, t.dueOn, t.status])).toEqual([
      ['Confirm the decision maker', '2026-01-22', 'open'],
      ['Book the renewal call', '2026-01-29', 'open'],
    ]);
    expect(once.get(ids.get('b')!)!.map((t) => t.step)).toEqual(['Send the usage review']);
    expect(Number((await db.selectFrom('tasks').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)).toBe(3);
  });

  it('reads 40,000 accounts by id in one statement (one parameter, not one per id: PGlite would drop a statement binding 40,000)', async () => {
    const { db } = context();
    await resetAlertTables(db);
    await sql`
      INSERT INTO accounts (external_id, name, segment, arr_cents, contract_start, renewal_date)
      SELECT 'A' || i, 'Account ' || i, CASE WHEN i % 3 = 0 THEN 'smb' ELSE 'enterprise' END, 100, DATE '2025-01-01', DATE '2026-01-01'
      FROM generate_series(1, 40000) AS i`.execute(db);
    const ids = (await db.selectFrom('accounts').select('account_id').execute()).map((row) => row.account_id);
    const segments = await accountSegments(db, ids);
    expect(segments.size).toBe(40_000);
    // i % 3 = 0 for 13,333 of 1..40,000.
    expect([...segments.values()].filter((segment) => segment === 'smb')).toHaveLength(13_333);
  });
});
