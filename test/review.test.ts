// `radar review`: a hand-computed fixture of delivered and held-out alerts, tasks, "Not a risk" verdicts
// and decided renewals, read by sql/review.ts on both backends and summed up by alerts/review.ts.
import type { Kysely } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import { Command } from 'commander';
import { reviewAlerts, type Review } from '../alerts/review.ts';
import { parseConfig } from '../config/load.ts';
import { registerReviewCommands } from '../pipelines/cli/commands/review.ts';
import { createContext } from '../pipelines/cli/context.ts';
import { silentLogger } from '../pipelines/log.ts';
import { reviewLines } from '../alerts/review-text.ts';
import { reportPeriods } from '../pipelines/report/period.ts';
import { definitions } from '../pipelines/report/view.ts';
import { reviewAlerts as readReviewRows } from '../sql/review.ts';
import type { DB } from '../sql/schema.ts';
import { addAccount, addScore, DRIVERS, MODEL, resetAlertTables } from './alerts-fixtures.ts';
import { describeEachBackend } from './support/database.ts';

const RANGE = { from: '2026-01-01', to: '2026-01-31' };

interface AlertFixture {
  account: number;
  asOf: string;
  tier: string;
  status?: string;
  holdout?: boolean;
  drivers?: readonly object[];
  /** Linked by `radar outcomes`: the renewal and what it means for the alert. */
  renewal?: { id: number; outcome: 'saved' | 'lost' };
  tasks?: readonly { playbook: string; done: boolean }[];
  notRisk?: string;
}

async function addAlert(db: Kysely<DB>, fixture: AlertFixture): Promise<void> {
  await addScore(db, fixture.account, fixture.asOf, 0.5, fixture.tier, fixture.drivers ?? [DRIVERS.usage]);
  const holdout = fixture.holdout ?? false;
  const { alert_id: alertId } = await db
    .insertInto('alerts')
    .values({
      dedup_key: `risk:${fixture.account}:${fixture.asOf}`, kind: 'risk', account_id: fixture.account, as_of: fixture.asOf, tier: fixture.tier, model_version: MODEL, probability: 0.5,
      status: fixture.status ?? (holdout ? 'holdout' : 'dry_run'), is_holdout: holdout,
      outcome: fixture.renewal?.outcome ?? null, outcome_renewal_id: fixture.renewal?.id ?? null,
    })
    .returning('alert_id')
    .executeTakeFirstOrThrow();
  for (const [index, task] of (fixture.tasks ?? []).entries()) {
    await db
      .insertInto('tasks')
      .values({ alert_id: alertId, account_id: fixture.account, playbook: task.playbook, step: `step ${index}`, owner_role: 'csm', due_on: '2026-02-01', status: task.done ? 'done' : 'open', completed_at: task.done ? new Date('2026-01-28T10:00:00Z') : null })
      .execute();
  }
  if (fixture.notRisk) {
    await db.insertInto('alert_feedback').values({ alert_id: alertId, account_id: fixture.account, reason: fixture.notRisk, slack_user_id: 'UDANA', recorded_at: new Date('2026-01-25T10:00:00Z') }).execute();
  }
}

async function decide(db: Kysely<DB>, account: number, renewalDate: string, outcome: string): Promise<number> {
  const row = await db
    .insertInto('renewals')
    .values({ account_id: account, renewal_date: renewalDate, outcome, arr_before_cents: 100, arr_after_cents: outcome === 'churned' ? 0 : outcome === 'expanded' ? 150 : 100, decided_at: `${renewalDate}T12:00:00Z` })
    .returning('renewal_id')
    .executeTakeFirstOrThrow();
  return row.renewal_id;
}

describeEachBackend('review', (context) => {
  beforeAll(async () => {
    const { db } = context();
    await resetAlertTables(db);
    await db.deleteFrom('alert_feedback').execute();
    const dana = 'dana@vendor.example';
    const lee = 'lee@vendor.example';
    const a1 = await addAccount(db, { externalId: 'a1', csmEmail: dana, renewalDate: '2026-03-01' });
    const a2 = await addAccount(db, { externalId: 'a2', csmEmail: dana, renewalDate: '2026-03-11' });
    const a3 = await addAccount(db, { externalId: 'a3', csmEmail: lee, renewalDate: '2026-04-01' });
    const a4 = await addAccount(db, { externalId: 'a4', csmEmail: lee, renewalDate: '2026-02-19' });
    const a5 = await addAccount(db, { externalId: 'a5', csmEmail: lee, renewalDate: '2026-02-01' });
    const h1 = await addAccount(db, { externalId: 'h1', csmEmail: dana, renewalDate: '2026-03-01' });
    const h2 = await addAccount(db, { externalId: 'h2', csmEmail: lee, renewalDate: '2026-03-15' });
    const r1 = await decide(db, a1, '2026-03-01', 'renewed');
    const r2 = await decide(db, a2, '2026-03-11', 'churned');
    const r4 = await decide(db, a4, '2026-02-19', 'expanded');
    const r5 = await decide(db, a5, '2026-02-01', 'renewed');
    const rh1 = await decide(db, h1, '2026-03-01', 'churned');
    const rh2 = await decide(db, h2, '2026-03-15', 'renewed');
    // a1: alerted twice before the same renewal (counts once among the decided, twice among alerts sent).
    await addAlert(db, { account: a1, asOf: '2026-01-05', tier: 'high', renewal: { id: r1, outcome: 'saved' }, tasks: [{ playbook: 'adoption', done: true }, { playbook: 'adoption', done: false }] });
    await addAlert(db, { account: a1, asOf: '2026-01-26', tier: 'high', renewal: { id: r1, outcome: 'saved' } });
    await addAlert(db, {
      account: a2, asOf: '2026-01-10', tier: 'critical', drivers: [DRIVERS.payment, { ...DRIVERS.usage, contribution: 0.2 }, DRIVERS.protective], renewal: { id: r2, outcome: 'lost' },
      tasks: [{ playbook: 'billing', done: true }, { playbook: 'adoption', done: false }],
    });
    await addAlert(db, { account: a3, asOf: '2026-01-20', tier: 'high', tasks: [{ playbook: 'adoption', done: false }], notRisk: 'customer_fine' }); // undecided
    await addAlert(db, { account: a4, asOf: '2026-01-20', tier: 'high', drivers: [DRIVERS.support], renewal: { id: r4, outcome: 'saved' }, tasks: [{ playbook: 'engagement', done: true }], notRisk: 'data_wrong' });
    await addAlert(db, { account: h1, asOf: '2026-01-05', tier: 'high', holdout: true, renewal: { id: rh1, outcome: 'lost' } });
    await addAlert(db, { account: h2, asOf: '2026-01-12', tier: 'critical', holdout: true, renewal: { id: rh2, outcome: 'saved' } });
    // Outside the review: dated before the range, and a delivery that failed (it reached no one).
    await addAlert(db, { account: a5, asOf: '2025-12-20', tier: 'high', renewal: { id: r5, outcome: 'saved' }, tasks: [{ playbook: 'adoption', done: true }] });
    await addAlert(db, { account: a3, asOf: '2026-01-21', tier: 'critical', status: 'failed', notRisk: 'other' });
  });

  it('reads every delivered and held-out alert of the range with its tasks, verdict and renewal', async () => {
    const rows = await readReviewRows(context().db, RANGE);
    expect(rows.map((row) => [row.asOf, row.tier, row.holdout, row.csm, row.outcome, row.renewalDate, row.notRiskReason])).toEqual([
      ['2026-01-05', 'high', false, 'dana@vendor.example', 'saved', '2026-03-01', null],
      ['2026-01-05', 'high', true, 'dana@vendor.example', 'lost', '2026-03-01', null],
      ['2026-01-10', 'critical', false, 'dana@vendor.example', 'lost', '2026-03-11', null],
      ['2026-01-12', 'critical', true, 'lee@vendor.example', 'saved', '2026-03-15', null],
      ['2026-01-20', 'high', false, 'lee@vendor.example', null, '2026-04-01', 'customer_fine'], // undecided: the account's renewal date
      ['2026-01-20', 'high', false, 'lee@vendor.example', 'saved', '2026-02-19', 'data_wrong'],
      ['2026-01-26', 'high', false, 'dana@vendor.example', 'saved', '2026-03-01', null],
    ]);
    expect(rows[2]!.tasks).toEqual([{ playbook: 'adoption', total: 1, done: 0 }, { playbook: 'billing', total: 1, done: 1 }]);
    expect(rows[0]!.tasks).toEqual([{ playbook: 'adoption', total: 2, done: 1 }]);
    expect(rows[1]!.tasks).toEqual([]);
  });

  it('sums them up by tier, playbook and CSM against the holdout, with the false alarms per indicator', async () => {
    const review = reviewAlerts(await readReviewRows(context().db, RANGE), { ...RANGE, shownDrivers: 2 });
    const { overall } = review;
    expect(overall).toMatchObject({ alertsSent: 5, heldOut: 2, tasks: { total: 6, done: 3 }, notRisk: 2, notRiskReasons: { customer_fine: 1, data_wrong: 1 } });
    // Lead days: 55 (01-05→03-01), 34 (01-26→03-01), 60 (01-10→03-11), 71 (01-20→04-01), 30 (01-20→02-19); median 55.
    expect(overall.medianLeadDays).toBe(55);
    // Treated renewals a1 saved, a2 lost, a4 saved (a1 once): 2/3; holdout h1 lost, h2 saved: 1/2.
    expect(overall.outcomes.treated).toMatchObject({ successes: 2, total: 3, lost: 1, downgraded: 0 });
    expect(overall.outcomes.control).toMatchObject({ successes: 1, total: 2, lost: 1 });
    // Wilson 95 % by hand: 2/3 → 0.20766–0.93851; 1/2 → 0.09453–0.90547.
    expect(overall.outcomes.treated.low).toBeCloseTo(0.20766, 4);
    expect(overall.outcomes.treated.high).toBeCloseTo(0.93851, 4);
    expect(overall.outcomes.control.low).toBeCloseTo(0.09453, 4);
    // Newcombe: d = 0.16667; low = d − √((0.66667−0.20766)² + (0.90547−0.5)²) = −0.44578; high = d + √((0.93851−0.66667)² + (0.5−0.09453)²) = 0.65483.
    expect(overall.outcomes.lift.estimate).toBeCloseTo(0.16667, 4);
    expect(overall.outcomes.lift.low).toBeCloseTo(-0.44578, 4);
    expect(overall.outcomes.lift.high).toBeCloseTo(0.65483, 4);

    const brief = (groups: typeof review.byTier) =>
      groups.map((g) => [g.key, g.alertsSent, g.heldOut, g.outcomes.treated.successes, g.outcomes.treated.total, g.outcomes.control.successes, g.outcomes.control.total, g.medianLeadDays, g.tasks.done, g.tasks.total, g.notRisk]);
    // key, sent, held out, saved, decided, holdout saved, holdout decided, median lead, tasks done, tasks, not a risk
    expect(brief(review.byTier)).toEqual([
      ['critical', 1, 1, 0, 1, 1, 1, 60, 1, 2, 0],
      ['high', 4, 1, 2, 2, 0, 1, 44.5, 2, 4, 2], // leads 30, 34, 55, 71
    ]);
    // A playbook is compared with the whole holdout; only its own tasks count.
    expect(brief(review.byPlaybook)).toEqual([
      ['adoption', 3, 2, 1, 2, 1, 2, 60, 1, 4, 1],
      ['billing', 1, 2, 0, 1, 1, 2, 60, 1, 1, 0],
      ['engagement', 1, 2, 1, 1, 1, 2, 30, 1, 1, 1],
    ]);
    expect(brief(review.byCsm)).toEqual([
      ['dana@vendor.example', 3, 1, 1, 2, 0, 1, 55, 2, 4, 0],
      ['lee@vendor.example', 2, 1, 1, 1, 1, 1, 50.5, 1, 2, 2],
    ]);
    // Two drivers shown per alert (a2: paymentDelay and usageDecline; tenure pushes risk down and is never one).
    expect(review.indicators).toEqual([
      { indicator: 'usageDecline', alerts: 4, renewed: 2, notRisk: 1, falseAlarms: 3, notRiskReasons: { customer_fine: 1 } },
      { indicator: 'supportChange', alerts: 1, renewed: 1, notRisk: 1, falseAlarms: 1, notRiskReasons: { data_wrong: 1 } },
      { indicator: 'paymentDelay', alerts: 1, renewed: 0, notRisk: 0, falseAlarms: 0, notRiskReasons: {} },
    ]);
    // One shown driver: a2's usageDecline drops out.
    const top1 = reviewAlerts(await readReviewRows(context().db, RANGE), { ...RANGE, shownDrivers: 1 });
    expect(top1.indicators.find((row) => row.indicator === 'usageDecline')).toMatchObject({ alerts: 3, falseAlarms: 3 });

    const text = reviewLines(review).join('\n');
    expect(text).toContain('alerts dated 2026-01-01 to 2026-01-31: 5 sent, 2 held out');
    expect(text).toMatch(/^ {2}usageDecline +4 +2 +1 +3 +75\.0% {2}\(customer_fine 1\)$/m);
    expect(text).toMatch(/^ {2}all +5 +3 +2 +0 +1 {2}66\.7% \(20\.8%–93\.9%\) +50\.0% \(9\.5%–90\.5%\) of 2 +16\.7 \(-44\.6 to 65\.5\) +55 +3\/6 +2 \(customer_fine 1, data_wrong 1\)$/m);
  });

  it('radar review prints the same review, as text and as JSON', async () => {
    const run = async (args: string[], json: boolean) => {
      let printed = '';
      const program = new Command('radar').exitOverride();
      const stdout = { write: (text: string) => ((printed += text), true) } as never;
      const cli = createContext({ environment: { CI: false } as never, logger: silentLogger, configPath: () => '(defaults)', json: () => json, stdout });
      registerReviewCommands(program, { ...cli, config: () => parseConfig({}), database: () => Promise.resolve(context().db), close: () => Promise.resolve() });
      await program.parseAsync(['node', 'radar', 'review', ...args]);
      return printed;
    };
    const data = JSON.parse(await run(['--from', RANGE.from, '--to', RANGE.to], true)) as Review;
    expect(data.overall).toMatchObject({ alertsSent: 5, heldOut: 2, medianLeadDays: 55 });
    expect(data.indicators.map((row) => [row.indicator, row.falseAlarms])).toEqual([['usageDecline', 3], ['supportChange', 1], ['paymentDelay', 0]]); // routing.topDrivers 3
    expect(await run(['--from', RANGE.from, '--to', RANGE.to], false)).toContain('by playbook (holdout: all of it');
    await expect(run(['--from', '2026-02-01', '--to', '2026-01-01'], false)).rejects.toThrow(/--from \(2026-02-01\) is after --to \(2026-01-01\)/);
  });

  it('is empty, not wrong, for a range without alerts', async () => {
    const review = reviewAlerts(await readReviewRows(context().db, { from: '2026-06-01', to: '2026-06-30' }), { from: '2026-06-01', to: '2026-06-30', shownDrivers: 3 });
    expect(review.overall).toMatchObject({ alertsSent: 0, heldOut: 0, medianLeadDays: null, tasks: { total: 0, done: 0 } });
    expect(review.overall.outcomes.treated.rate).toBeNull();
    expect(review.byTier).toEqual([]);
    expect(reviewLines(review)).toContain('  (none)');
  });
});

it("the weekly report's funnel section names the review command for the week", () => {
  const periods = reportPeriods('2026-W05');
  const text = definitions({ horizonDays: 120, atRiskTiers: ['high', 'critical'], modelHealth: { period: { from: '2025-02-02', to: '2026-02-01' }, leadDays: 90 }, trend: [], periods } as unknown as Parameters<typeof definitions>[0]).funnel!.join('\n');
  expect(text).toContain('radar review --from 2026-01-26 --to 2026-02-01');
  expect(text).toContain('--from 2026-01-01 for the quarter to date');
});
