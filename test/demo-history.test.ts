// The demo's history replay (pipelines/demo/history.ts) is point in time: every replayed day uses only
// what was known that day. Proof, on both backends: the same sample company is loaded into two
// databases; the second also gets facts dated after the replay's last day (usage, an urgent badly rated
// ticket, a new unpaid invoice with failed payments, payments of every open invoice, a competitor launch,
// and the outcome of every account's next renewal). The same model is trained and the same days replayed
// in both; indicator values, scores, alerts (with holdout and outcome), tasks and what the SIMULATED
// CSMs did must be identical, row for row. Identical runs also show the simulated CSMs are seeded.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../config/load.ts';
import { trainModel } from '../models/registry.ts';
import { replayHistory, type HistorySummary } from '../pipelines/demo/history.ts';
import { SIMULATED_CSM } from '../pipelines/demo/simulated-csms.ts';
import { ingestDirectory } from '../pipelines/ingest/run.ts';
import { silentLogger } from '../pipelines/log.ts';
import { addDays } from '../pipelines/report/period.ts';
import { writeSampleCompany } from '../pipelines/sample/generate.ts';
import type { DB } from '../sql/schema.ts';
import { describeEachBackend, openTestDatabase } from './support/database.ts';

const END = '2026-11-22';
const FROM = addDays(END, -27); // four weeks
const SEED = 7;
// The demo's holdout share, so a 4-week replay of a small company has a control group.
const loaded = parseConfig({ routing: { holdoutShare: 0.25 } });
const sampleDir = mkdtempSync(join(tmpdir(), 'radar-demo-history-'));
await writeSampleCompany({ accounts: 150, years: 2, seed: SEED, end: END, outDir: sampleDir });

async function addLaterFacts(db: Kysely<DB>): Promise<void> {
  const after = (days: number) => addDays(END, days);
  await sql`
    INSERT INTO usage_daily (account_id, day, active_users, sessions, events, minutes)
    SELECT a.account_id, d::date, 999, 9999, 999999, 99999 FROM accounts a CROSS JOIN generate_series(${after(1)}::date, ${after(5)}::date, '1 day') d`.execute(db);
  await sql`
    INSERT INTO support_contacts (external_id, account_id, opened_at, closed_at, channel, priority, satisfaction)
    SELECT 'later-' || a.account_id, a.account_id, ${`${after(1)}T09:00:00Z`}, ${`${after(1)}T10:00:00Z`}, 'phone', 'urgent', 1 FROM accounts a`.execute(db);
  await sql`
    UPDATE invoices SET paid_at = ${`${after(3)}T12:00:00Z`}, status = 'paid' WHERE paid_at IS NULL AND status = 'open'`.execute(db);
  await sql`
    INSERT INTO invoices (external_id, account_id, issued_on, due_on, amount_cents, status, failed_attempts)
    SELECT 'later-' || a.account_id, a.account_id, ${after(1)}, ${after(2)}, 5000000, 'open', 6 FROM accounts a`.execute(db);
  await sql`INSERT INTO market_events (event_date, competitor, kind, title) VALUES (${after(1)}, 'Later Corp', 'launch', 'after the replay')`.execute(db);
  // Every upcoming renewal decided (churned) after the last replayed day.
  await sql`
    INSERT INTO renewals (account_id, renewal_date, outcome, arr_before_cents, arr_after_cents, decided_at)
    SELECT a.account_id, a.renewal_date, 'churned', a.arr_cents, 0, ${`${after(2)}T12:00:00Z`} FROM accounts a
    WHERE a.renewal_date > ${END}::date
    ON CONFLICT DO NOTHING`.execute(db);
}

async function replay(db: Kysely<DB>): Promise<HistorySummary> {
  await ingestDirectory(db, sampleDir, { logger: silentLogger });
  return replayFrom(db);
}

async function replayFrom(db: Kysely<DB>): Promise<HistorySummary> {
  await trainModel(db, { config: loaded.config, configVersion: loaded.version, asOf: addDays(FROM, -1), promote: true });
  let clock = new Date(0);
  const outboxDir = mkdtempSync(join(tmpdir(), 'radar-demo-history-outbox-'));
  const deps = { db, loaded, logger: silentLogger, slack: null, outboxDir, print: () => undefined, now: () => clock };
  return replayHistory(deps, { from: FROM, to: END, seed: SEED, setClock: (instant) => (clock = instant) });
}

/** What the replay wrote, keyed by external ids and dates (never by generated ids), in a stable order. */
async function written(db: Kysely<DB>) {
  const rows = async <T>(query: ReturnType<typeof sql<T>>) => (await query.execute(db)).rows;
  return {
    indicators: await rows(sql`
      SELECT a.external_id, v.as_of::text, v.indicator, v.value, v.flag FROM indicator_values v JOIN accounts a USING (account_id)
      ORDER BY 1, 2, 3`),
    scores: await rows(sql`
      SELECT a.external_id, s.as_of::text, s.model_version, s.probability, s.tier, s.drivers FROM risk_scores s JOIN accounts a USING (account_id)
      ORDER BY 1, 2`),
    alerts: await rows(sql`
      SELECT al.dedup_key, al.kind, al.status, al.is_holdout, al.tier, al.probability, al.outcome, r.renewal_date::text AS outcome_renewal
      FROM alerts al LEFT JOIN renewals r ON r.renewal_id = al.outcome_renewal_id
      ORDER BY 1`),
    tasks: await rows(sql`
      SELECT al.dedup_key, t.playbook, t.step, t.due_on::text, t.status, t.completed_at, t.completed_by, t.escalated_at IS NOT NULL AS escalated
      FROM tasks t JOIN alerts al USING (alert_id)
      ORDER BY 1, 2, 3`),
  };
}

describeEachBackend('the demo replays the daily run point in time', (context) => {
  let plain: { summary: HistorySummary; rows: Awaited<ReturnType<typeof written>> };
  let withLater: typeof plain;
  /** In the database with later facts: alerts a leaking outcome step would have linked to a renewal decided after the last day, and those it did link. */
  let laterOutcomes: { linkable: number; linked: number };

  beforeAll(async () => {
    const { db } = context();
    plain = { summary: await replay(db), rows: await written(db) };
    const second = await openTestDatabase(context().backend);
    try {
      await ingestDirectory(second.db, sampleDir, { logger: silentLogger });
      await addLaterFacts(second.db);
      withLater = { summary: await replayFrom(second.db), rows: await written(second.db) };
      const counts = await sql<{ linkable: number; linked: number }>`
        SELECT (SELECT count(*) FROM alerts a WHERE a.kind = 'risk' AND EXISTS (
                  SELECT 1 FROM renewals r WHERE r.account_id = a.account_id AND r.renewal_date >= a.as_of AND r.decided_at >= ${`${addDays(END, 1)}T00:00:00Z`}))::int AS linkable,
               (SELECT count(*) FROM alerts a JOIN renewals r ON r.renewal_id = a.outcome_renewal_id
                WHERE r.decided_at >= ${`${addDays(END, 1)}T00:00:00Z`})::int AS linked`.execute(second.db);
      laterOutcomes = counts.rows[0]!;
    } finally {
      await second.dispose();
    }
  }, 600_000);

  it('replays every day with alerts, a holdout and tasks done by simulated CSMs', () => {
    const { summary, rows } = plain;
    expect(summary.days).toBe(28);
    expect(new Set(rows.scores.map((row) => (row as { as_of: string }).as_of)).size).toBe(28);
    expect(summary.alerts).toBeGreaterThan(0);
    expect(summary.holdout).toBeGreaterThan(0);
    expect(summary.tasksDone).toBeGreaterThan(0);
    expect(summary.tasksDone).toBeLessThan(summary.tasksCreated);
    // Outcomes need renewals decided within the four weeks; the full demo (test/report-demo.test.ts) has them.
    expect(summary.outcomesLinked).toBe(rows.alerts.filter((row) => (row as { outcome: string | null }).outcome !== null).length);
    const done = rows.tasks.filter((row) => (row as { status: string }).status === 'done') as { completed_by: string; completed_at: Date; dedup_key: string }[];
    expect(done.length).toBe(summary.tasksDone);
    // Labelled as simulated, and done on a replayed day (15:00 UTC), never after the last one.
    for (const task of done) {
      expect(task.completed_by).toBe(SIMULATED_CSM);
      expect(new Date(task.completed_at).toISOString()).toMatch(/T15:00:00\.000Z$/);
      expect(new Date(task.completed_at).toISOString().slice(0, 10) <= END).toBe(true);
    }
  });

  it('facts dated after the last replayed day change nothing it wrote', () => {
    expect(withLater.summary).toEqual({ ...plain.summary, ms: withLater.summary.ms });
    expect(withLater.rows.indicators).toEqual(plain.rows.indicators);
    expect(withLater.rows.scores).toEqual(plain.rows.scores);
    expect(withLater.rows.alerts).toEqual(plain.rows.alerts);
    expect(withLater.rows.tasks).toEqual(plain.rows.tasks);
    // Renewals decided after the last day were there to be linked, and none was.
    expect(laterOutcomes.linkable).toBeGreaterThan(0);
    expect(laterOutcomes.linked).toBe(0);
  });
});
