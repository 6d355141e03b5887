// Outcomes: decided renewals linked to every alert of the account, save rates of treated vs holdout
// accounts with hand-computed Wilson and Newcombe intervals, tasks linked.
import { beforeAll, expect, it } from 'vitest';
import { runAlerts } from '../alerts/run.ts';
import { runOutcomes } from '../alerts/report.ts';
import { runStep } from '../pipelines/jobs/daily.ts';
import { silentLogger } from '../pipelines/log.ts';
import { holdoutBucket } from '../alerts/holdout.ts';
import { completeTask, listTasks } from '../sql/tasks.ts';
import { addAccount, addScore, resetAlertTables, runOptions, testConfig } from './alerts-fixtures.ts';
import { describeEachBackend } from './support/database.ts';

const SALT = 'renewal-radar-holdout-v1';
const SHARE = 0.4;
const pick = (inside: boolean, count: number) =>
  Array.from({ length: 200 }, (_, i) => `cust-${i}`).filter((id) => (holdoutBucket(id, SALT) < SHARE) === inside).slice(0, count);

describeEachBackend('outcomes', (context) => {
  const ids = new Map<string, number>();
  const treated = pick(false, 5); // 4 decided + 1 undecided
  const control = pick(true, 3);

  beforeAll(async () => {
    const { db } = context();
    await resetAlertTables(db);
    for (const external of [...treated, ...control]) {
      const id = await addAccount(db, { externalId: external, renewalDate: '2026-03-01' });
      ids.set(external, id);
      await addScore(db, id, '2026-01-05', 0.5, 'critical');
      await addScore(db, id, '2026-01-26', 0.6, 'critical'); // a second alert decision after the 14-day cooldown
    }
    const loaded = testConfig({ holdoutShare: SHARE });
    await runAlerts(db, runOptions(loaded, '2026-01-05', null));
    await runAlerts(db, runOptions(loaded, '2026-01-26', null));
    // One task done on the first treated account.
    const first = (await listTasks(db)).find((task) => task.accountId === ids.get(treated[0]!))!;
    await completeTask(db, first.taskId, { note: 'training held', by: 'dana', now: new Date('2026-02-01T10:00:00Z') });

    const decided = (external: string, outcome: string, before: number, after: number, decidedAt = '2026-02-20T12:00:00Z') =>
      db.insertInto('renewals').values({ account_id: ids.get(external)!, renewal_date: '2026-03-01', outcome, arr_before_cents: before, arr_after_cents: after, decided_at: decidedAt }).execute();
    // Treated: renewed, expanded, renewed, churned → 3 of 4 saved. The fifth is decided only later.
    await decided(treated[0]!, 'renewed', 100, 100);
    await decided(treated[1]!, 'expanded', 100, 150);
    await decided(treated[2]!, 'renewed', 100, 100);
    await decided(treated[3]!, 'churned', 100, 0);
    await decided(treated[4]!, 'renewed', 100, 100, '2026-04-01T12:00:00Z');
    // Control: renewed, churned, downgraded → 1 of 3 saved.
    await decided(control[0]!, 'renewed', 100, 100);
    await decided(control[1]!, 'churned', 100, 0);
    await decided(control[2]!, 'downgraded', 100, 60);
  });

  it('links every alert of an account to its decided renewal and reports save rates with intervals', async () => {
    const { db } = context();
    const { linked, report } = await runOutcomes(db, { decidedBefore: new Date('2026-03-01T00:00:00Z'), now: new Date('2026-03-01T00:00:00Z') });
    expect(linked).toBe(14); // 7 decided accounts × 2 alert decisions each
    const alerts = await db.selectFrom('alerts').select(['account_id', 'outcome', 'is_holdout']).where('kind', '=', 'risk').execute();
    const outcomeOf = (external: string) => [...new Set(alerts.filter((a) => a.account_id === ids.get(external)).map((a) => a.outcome))];
    expect(outcomeOf(treated[1]!)).toEqual(['saved']);
    expect(outcomeOf(treated[3]!)).toEqual(['lost']);
    expect(outcomeOf(control[2]!)).toEqual(['downgraded']);
    expect(outcomeOf(treated[4]!)).toEqual([null]); // decided after the cut-off

    expect(report.treated).toMatchObject({ successes: 3, total: 4, lost: 1, downgraded: 0, rate: 0.75 });
    expect(report.control).toMatchObject({ successes: 1, total: 3, lost: 1, downgraded: 1 });
    // Wilson 95 %: 3/4 → 0.3006–0.9544; 1/3 → 0.0615–0.7923 (worked by hand from the formula).
    expect(report.treated.low).toBeCloseTo(0.3006, 4);
    expect(report.treated.high).toBeCloseTo(0.9544, 4);
    expect(report.control.low).toBeCloseTo(0.0615, 4);
    expect(report.control.high).toBeCloseTo(0.7923, 4);
    // Newcombe: d = 0.4167; low = d − √((0.75−0.3006)² + (0.7923−0.3333)²) = −0.2257; high = d + √((0.9544−0.75)² + (0.3333−0.0615)²) = 0.7568.
    expect(report.lift.estimate).toBeCloseTo(0.4167, 4);
    expect(report.lift.low).toBeCloseTo(-0.2257, 4);
    expect(report.lift.high).toBeCloseTo(0.7568, 4);
    // Tasks of the treated, decided accounts: 2 alerts × 2 adoption tasks × 4 accounts = 16, one done.
    expect(report.tasks).toEqual({ total: 16, done: 1, savedWithTaskDone: 1 });
  });

  it('is idempotent and picks up renewals decided later', async () => {
    const { db } = context();
    const again = await runOutcomes(db, { decidedBefore: new Date('2026-03-01T00:00:00Z'), now: new Date('2026-03-02T00:00:00Z') });
    expect(again.linked).toBe(0);
    const later = await runOutcomes(db, { decidedBefore: new Date('2026-05-01T00:00:00Z'), now: new Date('2026-05-01T00:00:00Z') });
    expect(later.linked).toBe(2);
    expect(later.report.treated).toMatchObject({ successes: 4, total: 5 });
  });

  it("the daily run's outcomes step links renewals decided by the end of its day, once", async () => {
    const { db } = context();
    const external = pick(false, 6)[5]!;
    const id = await addAccount(db, { externalId: external, renewalDate: '2026-06-01' });
    await addScore(db, id, '2026-04-06', 0.7, 'critical');
    const loaded = testConfig({ holdoutShare: SHARE });
    await runAlerts(db, runOptions(loaded, '2026-04-06', null));
    await db.insertInto('renewals').values({ account_id: id, renewal_date: '2026-06-01', outcome: 'churned', arr_before_cents: 100, arr_after_cents: 0, decided_at: '2026-05-10T15:00:00Z' }).execute();
    const outbox = runOptions(loaded, '2026-05-10', null).outboxDir;
    const deps = { db, loaded, logger: silentLogger, slack: null, outboxDir: outbox, print: () => undefined, now: () => new Date('2026-05-11T06:00:00Z') };
    // As of the day before the decision, nothing is linked; as of its day, the account's one alert is; again, nothing.
    expect((await runStep(deps, 'outcomes', '2026-05-09')).result).toEqual({ linked: 0 });
    expect((await runStep(deps, 'outcomes', '2026-05-10')).result).toEqual({ linked: 1 });
    expect((await runStep(deps, 'outcomes', '2026-05-10')).result).toEqual({ linked: 0 });
    const alert = await db.selectFrom('alerts').select(['outcome']).where('account_id', '=', id).where('kind', '=', 'risk').executeTakeFirstOrThrow();
    expect(alert.outcome).toBe('lost');
  });
});
