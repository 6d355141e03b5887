// The alert rules end to end on both backends: cooldown, tier rise, "risk reduced" thread replies,
// the weekly budget, the holdout, digests, and escalation of overdue tasks (once).
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { runEscalation } from '../alerts/escalate.ts';
import { holdoutBucket } from '../alerts/holdout.ts';
import { runAlerts } from '../alerts/run.ts';
import { listAlerts } from '../sql/alerts.ts';
import { completeTask, listTasks, snoozeTask } from '../sql/tasks.ts';
import { addAccount, addScore, DRIVERS, resetAlertTables, runOptions, slackFor, testConfig } from './alerts-fixtures.ts';
import { describeEachBackend } from './support/database.ts';
import { startFakeSlack, type FakeSlack } from './support/slack-api.ts';

let fake: FakeSlack;
beforeAll(async () => {
  fake = await startFakeSlack();
});
afterAll(async () => {
  await fake.close();
});

describeEachBackend('alert rules', (context) => {
  beforeEach(async () => {
    fake.reset();
    await resetAlertTables(context().db);
  });

  const run = (asOf: string, routing: Record<string, unknown> = {}) => runAlerts(context().db, runOptions(testConfig({ cooldownDays: 14, ...routing }), asOf, slackFor(fake)));

  it('keeps an account quiet within cooldownDays unless its tier rises', async () => {
    const { db } = context();
    const id = await addAccount(db, { externalId: 'acme' });
    const days: [string, number, string][] = [
      ['2026-01-15', 0.35, 'high'], // first alert
      ['2026-01-20', 0.4, 'high'], // 5 days later, same tier: cooldown
      ['2026-01-22', 0.55, 'critical'], // tier rose: alert
      ['2026-02-04', 0.56, 'critical'], // 13 days after the last alert: cooldown
      ['2026-02-05', 0.57, 'critical'], // 14 days: alert again
    ];
    const outcomes = [];
    for (const [day, probability, tier] of days) {
      await addScore(db, id, day, probability, tier);
      const summary = await run(day);
      outcomes.push([day, summary.alerts, summary.cooldown]);
    }
    expect(outcomes).toEqual([
      ['2026-01-15', 1, 0],
      ['2026-01-20', 0, 1],
      ['2026-01-22', 1, 0],
      ['2026-02-04', 0, 1],
      ['2026-02-05', 1, 0],
    ]);
    expect(fake.posts().map((r) => (r.body.metadata as { event_payload: { dedup_key: string } }).event_payload.dedup_key)).toEqual([
      `risk:${id}:2026-01-15:high`,
      `risk:${id}:2026-01-22:critical`,
      `risk:${id}:2026-02-05:critical`,
    ]);
  });

  it('replies "risk reduced" in the original thread once per lower tier', async () => {
    const { db } = context();
    const id = await addAccount(db, { externalId: 'acme', name: 'Acme' });
    await addScore(db, id, '2026-01-15', 0.35, 'high');
    await run('2026-01-15');
    const original = fake.messages[0]!;

    await addScore(db, id, '2026-01-20', 0.2, 'medium');
    const reduced = await run('2026-01-20');
    expect(reduced).toMatchObject({ riskReduced: 1, alerts: 0, belowThreshold: 1 });
    await run('2026-01-20'); // re-run of the day
    await addScore(db, id, '2026-01-21', 0.19, 'medium');
    await run('2026-01-21'); // still medium: nothing new
    await addScore(db, id, '2026-01-22', 0.05, 'low');
    await run('2026-01-22');

    const replies = fake.messages.filter((m) => m.threadTs !== null);
    expect(replies.map((m) => [m.channel, m.threadTs, m.text])).toEqual([
      ['DDANA', original.ts, ':white_check_mark: Risk reduced: Acme is now medium (20%) as of 2026-01-20, down from high on 2026-01-15.'],
      ['DDANA', original.ts, ':white_check_mark: Risk reduced: Acme is now low (5%) as of 2026-01-22, down from high on 2026-01-15.'],
    ]);
    expect(fake.posts()).toHaveLength(3);
  });

  it('sends the weekly budget to the highest ARR × probability and queues the rest until next week', async () => {
    const { db } = context();
    const a = await addAccount(db, { externalId: 'a', arrCents: 10_000_000 }); // 100k × 0.5 = 50k
    const b = await addAccount(db, { externalId: 'b', arrCents: 30_000_000 }); // 300k × 0.35 = 105k
    const c = await addAccount(db, { externalId: 'c', arrCents: 8_000_000 }); // 80k × 0.9 = 72k
    await addScore(db, a, '2026-01-15', 0.5, 'critical');
    await addScore(db, b, '2026-01-15', 0.35, 'high');
    await addScore(db, c, '2026-01-15', 0.9, 'critical');
    const thursday = await run('2026-01-15', { weeklyBudgetPerCsm: 2 });
    expect(thursday).toMatchObject({ alerts: 2, queued: 1 });
    const statuses = async () => (await listAlerts(db)).map((row) => [row.account, row.asOf, row.status]).sort();
    expect(await statuses()).toEqual([
      ['a', '2026-01-15', 'queued'],
      ['b', '2026-01-15', 'sent'],
      ['c', '2026-01-15', 'sent'],
    ]);
    await addScore(db, a, '2026-01-16', 0.5, 'critical');
    expect(await run('2026-01-16', { weeklyBudgetPerCsm: 2 })).toMatchObject({ alerts: 0, queued: 1 }); // same week: budget used
    await addScore(db, a, '2026-01-19', 0.5, 'critical');
    expect(await run('2026-01-19', { weeklyBudgetPerCsm: 2 })).toMatchObject({ alerts: 1, queued: 0 }); // Monday: new budget
    expect(fake.posts()).toHaveLength(3);
  });

  it('withholds alerts from the holdout group and records it', async () => {
    const { db } = context();
    const salt = 'renewal-radar-holdout-v1';
    const ids = Array.from({ length: 40 }, (_, i) => `acct-${i}`);
    const inside = ids.find((id) => holdoutBucket(id, salt) < 0.3)!;
    const outside = ids.find((id) => holdoutBucket(id, salt) >= 0.3)!;
    const held = await addAccount(db, { externalId: inside });
    const treated = await addAccount(db, { externalId: outside });
    await addScore(db, held, '2026-01-15', 0.6, 'critical');
    await addScore(db, treated, '2026-01-15', 0.6, 'critical');
    const summary = await run('2026-01-15', { holdoutShare: 0.3 });
    expect(summary).toMatchObject({ holdout: 1, alerts: 1 });
    const rows = await db.selectFrom('alerts').select(['account_id', 'status', 'is_holdout', 'slack_ts']).orderBy('account_id').execute();
    expect(rows).toEqual([
      { account_id: held, status: 'holdout', is_holdout: true, slack_ts: null },
      { account_id: treated, status: 'sent', is_holdout: false, slack_ts: expect.any(String) },
    ].sort((x, y) => x.account_id - y.account_id));
    expect(await listTasks(db)).toHaveLength(2); // adoption tasks of the treated account only
    // The held-out account is not reconsidered daily: a holdout decision starts a cooldown too.
    await addScore(db, held, '2026-01-16', 0.61, 'critical');
    expect(await run('2026-01-16', { holdoutShare: 0.3 })).toMatchObject({ holdout: 0, cooldown: 1 });
  });

  it('sends one daily digest per CSM when digest is on', async () => {
    const { db } = context();
    const a = await addAccount(db, { externalId: 'a' });
    const b = await addAccount(db, { externalId: 'b' });
    await addScore(db, a, '2026-01-15', 0.5, 'critical', [DRIVERS.payment]);
    await addScore(db, b, '2026-01-15', 0.4, 'high', [DRIVERS.competition]);
    const summary = await run('2026-01-15', { digest: true });
    expect(summary).toMatchObject({ alerts: 2, digests: 1, delivery: { sent: 1 } });
    expect(fake.posts()).toHaveLength(1);
    const post = fake.posts()[0]!;
    expect(post.body.text).toBe('Renewal Radar: 2 accounts at risk as of 2026-01-15');
    const members = await db.selectFrom('alerts').select(['alert_id', 'status', 'slack_ts', 'kind']).where('kind', '=', 'risk').orderBy('alert_id').execute();
    expect(members.map((m) => [m.status, m.slack_ts])).toEqual([['sent', fake.messages[0]!.ts], ['sent', fake.messages[0]!.ts]]);
    const blockIds = (post.body.blocks as { block_id?: string }[]).map((block) => block.block_id).filter(Boolean);
    for (const member of members) expect(blockIds).toContain(`radar:alert:${member.alert_id}`);
  });

  it('escalates a task open escalateAfterDays past due to the manager, once; snoozed and done tasks wait', async () => {
    const { db } = context();
    const id = await addAccount(db, { externalId: 'acme', name: 'Acme' });
    await addScore(db, id, '2026-01-15', 0.35, 'high', [DRIVERS.usage]); // adoption: due 01-22 and 01-29
    const loaded = testConfig({ managers: { 'dana@vendor.example': 'UBOSS' }, escalateAfterDays: 7 });
    await runAlerts(db, runOptions(loaded, '2026-01-15', slackFor(fake)));
    const [review, training] = await listTasks(db);
    expect([review!.dueOn, training!.dueOn]).toEqual(['2026-01-22', '2026-01-29']);

    const escalate = (asOf: string) => runEscalation(db, runOptions(loaded, asOf, slackFor(fake)));
    expect((await escalate('2026-01-28')).escalated).toBe(0); // 6 days past due
    expect((await escalate('2026-01-29')).escalated).toBe(1);
    expect((await escalate('2026-01-29')).escalated).toBe(0);
    expect((await escalate('2026-01-30')).escalated).toBe(0);
    const toBoss = fake.posts().filter((r) => r.body.channel === 'DBOSS');
    expect(toBoss).toHaveLength(1);
    expect(toBoss[0]!.body.text).toBe('Overdue task on Acme: "Run an adoption review with the main contact" was due 2026-01-22 (7 days ago).');

    await snoozeTask(db, training!.taskId, '2026-02-10');
    expect((await escalate('2026-02-05')).escalated).toBe(0); // would be 7 days past 01-29, but snoozed
    expect((await escalate('2026-02-17')).escalated).toBe(1); // 7 days past the snooze
    await completeTask(db, review!.taskId, { note: 'done on call', by: 'dana', now: new Date() });
    expect((await escalate('2026-03-01')).escalated).toBe(0);
    expect(fake.posts().filter((r) => r.body.channel === 'DBOSS')).toHaveLength(2);
  });
});
