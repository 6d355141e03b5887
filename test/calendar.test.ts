// The renewal calendar (issue 19 item 4) on both backends, delivered with the real @slack/web-api
// WebClient to the local Slack stand-in: one digest per CSM per day however often the day runs, a
// milestone missed by a skipped day posted once by the next run, milestone tasks created once, the
// digest read as Slack shows it, and the alert budget option. Expected values are worked out by hand
// from the fixtures below (dates counted on a calendar).
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { runAlerts } from '../alerts/run.ts';
import { planCalendar, runCalendar } from '../alerts/calendar.ts';
import { calendarListing } from '../alerts/calendar-text.ts';
import { previewMessage, type StoredPayload } from '../alerts/preview.ts';
import { createRenderer } from '../alerts/render.ts';
import { asSlackShowsIt } from '../alerts/slack-display.ts';
import { listTasks } from '../sql/tasks.ts';
import { addAccount, addScore, resetAlertTables, runOptions, slackFor, testConfig } from './alerts-fixtures.ts';
import { describeEachBackend } from './support/database.ts';
import { startFakeSlack, type FakeSlack } from './support/slack-api.ts';
import { limitViolations, visibleText } from './support/slack-message.ts';

let fake: FakeSlack;
beforeAll(async () => {
  fake = await startFakeSlack();
});
afterAll(async () => {
  await fake.close();
});

const D = '2026-01-15';
const LEE = { csmEmail: 'lee@vendor.example', csmSlackId: 'ULEE' };

type Section = { type: string; block_id?: string; text?: { type: string; text: string } };
const sectionsOf = (body: Record<string, unknown>) => (body.blocks as Section[]).filter((block) => block.type === 'section').map((block) => asSlackShowsIt(block.text!.text).text);

describeEachBackend('renewal calendar', (context) => {
  const ids: Record<string, number> = {};

  beforeEach(async () => {
    const { db } = context();
    fake.reset();
    await db.deleteFrom('renewal_milestones').execute();
    await resetAlertTables(db);
    // Renewal − D: acme 90 days (T−90 today), beta 60 (T−60 today), gamma 30 (T−30 today, Lee's),
    // eps 59 (T−60 was yesterday), delta 95 (T−90 in 5 days), old 120 (nothing in the window).
    ids.acme = await addAccount(db, { externalId: 'acme', name: 'Acme Corp', renewalDate: '2026-04-15' });
    ids.beta = await addAccount(db, { externalId: 'beta', name: 'Beta Ltd', renewalDate: '2026-03-16', arrCents: 4_500_000 });
    ids.gamma = await addAccount(db, { externalId: 'gamma', name: '<!channel> & *Co*', renewalDate: '2026-02-14', ...LEE });
    ids.eps = await addAccount(db, { externalId: 'eps', name: 'Eps GmbH', renewalDate: '2026-03-15' });
    ids.delta = await addAccount(db, { externalId: 'delta', name: 'Delta', renewalDate: '2026-04-20' });
    ids.old = await addAccount(db, { externalId: 'old', name: 'Old', renewalDate: '2026-05-15' });
    await addScore(db, ids.acme!, D, 0.42, 'high');
    // beta's T−90 was 2025-12-16: the score stored then against today's.
    await addScore(db, ids.beta!, '2025-12-16', 0.2, 'medium');
    await addScore(db, ids.beta!, D, 0.42, 'high');
    // gamma's T−60 was 2025-12-16: its latest score by then is the 12-10 one (the 12-20 one is later).
    await addScore(db, ids.gamma!, '2025-12-10', 0.5, 'high');
    await addScore(db, ids.gamma!, '2025-12-20', 0.45, 'high');
    await addScore(db, ids.gamma!, '2026-01-10', 0.3, 'medium');
  });

  const run = (asOf: string, loaded = testConfig()) => runCalendar(context().db, runOptions(loaded, asOf, slackFor(fake)));
  const milestones = async () =>
    (await context().db.selectFrom('renewal_milestones').select(['account_id', 'days_before', 'milestone_day', 'as_of']).orderBy('account_id').orderBy('days_before', 'desc').execute()).map((row) => [
      Object.entries(ids).find(([, id]) => id === row.account_id)![0], row.days_before, row.milestone_day, row.as_of,
    ]);

  it("posts one digest per CSM per day however often the day runs; a skipped day's milestone is posted once by the next run", async () => {
    // 2026-01-13: nothing reached in (01-06, 01-13]. 2026-01-14 is skipped. 2026-01-15 runs twice.
    expect(await run('2026-01-13')).toMatchObject({ milestones: 0, digests: 0 });
    expect(fake.posts()).toHaveLength(0);
    const first = await run(D);
    expect(first).toMatchObject({ milestones: 4, digests: 2, tasks: 4, held: 0, delivery: { sent: 2, failed: 0 } });
    const again = await run(D);
    expect(again).toMatchObject({ milestones: 0, digests: 0, tasks: 0, delivery: { sent: 0 } });
    const posts = fake.posts();
    expect(posts.map((post) => [post.body.channel, (post.body.metadata as { event_payload: { dedup_key: string } }).event_payload.dedup_key])).toEqual([
      ['DDANA', `calendar:dana@vendor.example:${D}`],
      ['DLEE', `calendar:lee@vendor.example:${D}`],
    ]);
    expect(await milestones()).toEqual([
      ['acme', 90, '2026-01-15', D],
      ['beta', 60, '2026-01-15', D],
      ['gamma', 30, '2026-01-15', D],
      ['eps', 60, '2026-01-14', D], // reached on the skipped day, posted once by the next run
    ]);
    // The next day posts nothing again: every milestone of the window is recorded.
    expect(await run('2026-01-16')).toMatchObject({ milestones: 0, digests: 0 });
    expect(fake.posts()).toHaveLength(2);
  });

  it("a milestone that appears after the day's digest went out waits for the next day's digest (still one per CSM per day)", async () => {
    const { db } = context();
    await run(D);
    ids.late = await addAccount(db, { externalId: 'late', name: 'Late Inc', renewalDate: '2026-02-14' }); // T−30 today, loaded after the run
    expect(await run(D)).toMatchObject({ milestones: 0, digests: 0, held: 1 });
    expect(fake.posts()).toHaveLength(2);
    expect(await run('2026-01-16')).toMatchObject({ milestones: 1, digests: 1, held: 0, delivery: { sent: 1 } });
    const posts = fake.posts();
    expect(posts).toHaveLength(3);
    expect((posts[2]!.body.metadata as { event_payload: { dedup_key: string } }).event_payload.dedup_key).toBe('calendar:dana@vendor.example:2026-01-16');
    expect(sectionsOf(posts[2]!.body)[1]).toContain('Late Inc');
    expect((await milestones()).find(([name]) => name === 'late')).toEqual(['late', 30, '2026-01-15', '2026-01-16']);
  });

  it('creates each milestone playbook task once, owned by the CSM, due after the milestone day', async () => {
    await run(D);
    await run(D);
    await run('2026-01-16');
    const tasks = (await listTasks(context().db)).map((task) => [task.account, task.playbook, task.step, task.owner, task.dueOn]);
    expect(tasks).toEqual([
      ['gamma', 'renewal-t30', 'Send the renewal quote', 'lee@vendor.example', '2026-01-22'],
      ['eps', 'renewal-t60', 'Review value delivered and agree the renewal terms', 'dana@vendor.example', '2026-01-28'],
      ['acme', 'renewal-t90', 'Confirm the decision maker and the renewal process', 'dana@vendor.example', '2026-01-29'],
      ['beta', 'renewal-t60', 'Review value delivered and agree the renewal terms', 'dana@vendor.example', '2026-01-29'],
    ]);
  });

  it("reads as Slack shows it: tier, trend since the last milestone, open tasks, renewal ARR; data escaped, real line breaks", async () => {
    await run(D);
    const [dana, lee] = fake.posts();
    expect(asSlackShowsIt(dana!.body.text as string).text).toBe(`Renewal calendar: 3 accounts reaching a milestone as of ${D}`);
    expect(sectionsOf(dana!.body)).toEqual([
      'T−90 · 90 days before renewal · 1 account', // *T−90* in bold
      [
        ':large_orange_circle: Acme Corp · High (42%) · $120,000 ARR · renews 2026-04-15 (in 90 days)',
        'First milestone of this renewal',
        '1 open task · new: Confirm the decision maker and the renewal process (due 2026-01-29)',
      ].join('\n'),
      'T−60 · 60 days before renewal · 2 accounts',
      // Within a milestone, the earlier renewal first.
      [
        ':white_circle: Eps GmbH · Not scored yet · $120,000 ARR · renews 2026-03-15 (in 59 days)',
        'No score at T−90 (2025-12-15) to compare with',
        '1 open task · new: Review value delivered and agree the renewal terms (due 2026-01-28)',
      ].join('\n'),
      [
        ':large_orange_circle: Beta Ltd · High (42%) · $45,000 ARR · renews 2026-03-16 (in 60 days)',
        ':arrow_up_small: +22 pts since T−90, tier medium → high (was Medium (20%) on 2025-12-16)',
        '1 open task · new: Review value delivered and agree the renewal terms (due 2026-01-29)',
      ].join('\n'),
    ]);
    const leeSections = sectionsOf(lee!.body);
    expect(leeSections[1]).toBe(
      [
        ':large_yellow_circle: <!channel> & *Co* · Medium (30%) · $120,000 ARR · renews 2026-02-14 (in 30 days)',
        ':arrow_down_small: -20 pts since T−60, tier high → medium (was High (50%) on 2025-12-10)',
        '1 open task · new: Send the renewal quote (due 2026-01-22)',
      ].join('\n'),
    );
    for (const post of [dana!, lee!]) {
      const message = { text: post.body.text as string, blocks: post.body.blocks as Record<string, unknown>[] };
      expect(visibleText(message)).not.toContain('\\n');
      expect(limitViolations(message)).toEqual([]);
      for (const block of message.blocks as Section[]) if (block.text?.type === 'mrkdwn') expect(asSlackShowsIt(block.text.text).mentions).toEqual([]);
    }
    // The account link carries the name; nothing pings a channel.
    const link = asSlackShowsIt((lee!.body.blocks as Section[])[2]!.text!.text).links[0]!;
    expect(link.label).toBe('<!channel> & *Co*');
    // `radar alerts preview` renders the stored digest again: the same message as posted.
    const stored = await context().db.selectFrom('alerts').select('payload').where('kind', '=', 'calendar').where('recipient', '=', 'lee@vendor.example').executeTakeFirstOrThrow();
    expect(previewMessage('calendar', stored.payload as StoredPayload, createRenderer())).toEqual({ text: lee!.body.text, blocks: lee!.body.blocks });
  });

  it('radar calendar lists what the digests hold: to post before the run, posted after', async () => {
    const { db } = context();
    const loaded = testConfig();
    const before = calendarListing(D, await planCalendar(db, { asOf: D, config: loaded.config, slack: null, now: () => new Date() }));
    expect(before.digests.map((digest) => [digest.recipient, digest.accounts.map((a) => [a.externalId, a.milestone, a.posted])])).toEqual([
      ['dana@vendor.example', [['acme', 'T−90', false], ['eps', 'T−60', false], ['beta', 'T−60', false]]],
      ['lee@vendor.example', [['gamma', 'T−30', false]]],
    ]);
    expect(before.digests[0]!.accounts[2]).toMatchObject({ tier: 'high', probability: 0.42, arrCents: 4_500_000, previous: { milestone: 'T−90', asOf: '2025-12-16', tier: 'medium', probability: 0.2 } });
    await run(D);
    const after = calendarListing(D, await planCalendar(db, { asOf: D, config: loaded.config, slack: null, now: () => new Date() }));
    expect(after.digests.flatMap((digest) => digest.accounts.map((a) => a.posted))).toEqual([true, true, true, true]);
  });

  it('counts calendar accounts in the weekly alert budget only when calendar.countInAlertBudget is on', async () => {
    const { db } = context();
    await addScore(db, ids.acme!, '2026-01-16', 0.45, 'high');
    // Dana's week (from Monday 2026-01-12) holds 3 calendar accounts; her budget is 3.
    const counted = testConfig({ weeklyBudgetPerCsm: 3 });
    const countedConfig = { ...counted, config: { ...counted.config, calendar: { ...counted.config.calendar, countInAlertBudget: true } } };
    await run(D, countedConfig);
    expect(await runAlerts(db, runOptions(countedConfig, '2026-01-16', slackFor(fake)))).toMatchObject({ alerts: 0, queued: 1 });
    await db.deleteFrom('alerts').where('kind', '=', 'risk').execute();
    expect(await runAlerts(db, runOptions(testConfig({ weeklyBudgetPerCsm: 3 }), '2026-01-16', slackFor(fake)))).toMatchObject({ alerts: 1, queued: 0 });
  });
});
