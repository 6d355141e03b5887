// `radar alert` on the sample company (scores are fixtures until the scorer lands: a deterministic
// probability per account): the dry run writes one outbox file per alert; against the Slack
// stand-in every alert is posted exactly once, even when the run is interrupted and repeated.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runAlerts } from '../alerts/run.ts';
import { ingestDirectory } from '../pipelines/ingest/run.ts';
import { silentLogger } from '../pipelines/log.ts';
import { writeSampleCompany } from '../pipelines/sample/generate.ts';
import { DRIVERS, MODEL, resetAlertTables, runOptions, slackFor, testConfig } from './alerts-fixtures.ts';
import { describeEachBackend } from './support/database.ts';
import { startFakeSlack, type FakeSlack } from './support/slack-api.ts';

const dir = mkdtempSync(join(tmpdir(), 'radar-sample-alerts-'));
const AS_OF = '2026-06-30';
let fake: FakeSlack;
beforeAll(async () => {
  await writeSampleCompany({ accounts: 60, years: 1, seed: 5, end: AS_OF, outDir: dir });
  fake = await startFakeSlack();
});
afterAll(async () => {
  await fake.close();
});

describeEachBackend('alerts on the sample company', (context) => {
  let expected = 0;
  beforeAll(async () => {
    const { db } = context();
    await ingestDirectory(db, dir, { logger: silentLogger });
    await resetAlertTables(db, { keepAccounts: true });
    const accounts = await db.selectFrom('accounts').select(['account_id', 'csm_email', 'arr_cents']).where('status', '=', 'active').orderBy('account_id').execute();
    for (const account of accounts) {
      const probability = ((account.account_id * 37) % 100) / 100;
      const tier = probability >= 0.5 ? 'critical' : probability >= 0.3 ? 'high' : probability >= 0.15 ? 'medium' : 'low';
      await db.insertInto('risk_scores').values({ account_id: account.account_id, as_of: AS_OF, model_version: MODEL, probability, tier, drivers: JSON.stringify([DRIVERS.usage, DRIVERS.payment]) }).execute();
      if (account.csm_email) fake.users.set(account.csm_email.toLowerCase(), `U${account.account_id}X`);
    }
    const row = await sql<{ n: number }>`SELECT count(*)::int AS n FROM risk_scores WHERE tier IN ('high', 'critical')`.execute(db);
    expected = row.rows[0]!.n;
  });

  it('dry run: one outbox file per alert', async () => {
    const { db } = context();
    const options = runOptions(testConfig({ weeklyBudgetPerCsm: 50 }), AS_OF, null);
    const summary = await runAlerts(db, options);
    expect(expected).toBeGreaterThan(5);
    expect(summary.alerts).toBe(expected);
    expect(readdirSync(join(options.outboxDir, AS_OF))).toHaveLength(expected);
    expect(options.recorder.printed).toHaveLength(expected);
  });

  it('live: posts each alert exactly once across an interrupted run and a repeat', async () => {
    const { db } = context();
    await db.deleteFrom('alerts').execute();
    fake.reset();
    const loaded = testConfig({ weeklyBudgetPerCsm: 50 });
    let posted = 0;
    const interrupted = runAlerts(db, runOptions(loaded, AS_OF, slackFor(fake), {
      hooks: { afterPost: () => { posted += 1; if (posted === 3) throw new Error('killed'); } },
    }));
    await expect(interrupted).rejects.toThrow('killed');
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    fake.failNext('chat.postMessage', { status: 500, afterProcessing: true });
    await runAlerts(db, runOptions(loaded, AS_OF, slackFor(fake)));
    await runAlerts(db, runOptions(loaded, AS_OF, slackFor(fake)));
    const keys = fake.messages.map((m) => m.metadata!.event_payload.dedup_key as string);
    expect(keys).toHaveLength(expected);
    expect(new Set(keys).size).toBe(expected);
    const statuses = await db.selectFrom('alerts').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
    expect(statuses.map((s) => [s.status, Number(s.n)])).toEqual([['sent', expected]]);
  });
});
