// Delivery through the outbox with the real @slack/web-api WebClient against a local Slack stand-in:
// payload shape, exactly-once posting (re-runs, crashes between send and record, lost 5xx answers),
// 429 and 5xx handling, permanent errors recorded, the Slack id cache, and the dry run.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { runAlerts } from '../alerts/run.ts';
import { listAlerts } from '../sql/alerts.ts';
import { listTasks } from '../sql/tasks.ts';
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

const AS_OF = '2026-01-15';

describeEachBackend('alert delivery', (context) => {
  let accountId: number;
  const key = () => `risk:${accountId}:${AS_OF}:high`;

  beforeEach(async () => {
    const { db } = context();
    fake.reset();
    await resetAlertTables(db);
    accountId = await addAccount(db, { externalId: 'acme', name: 'Acme <Corp> & Co', csmSlackId: 'UDANA' });
    await addScore(db, accountId, '2026-01-08', 0.31, 'high', [DRIVERS.usage]);
    await addScore(db, accountId, AS_OF, 0.42, 'high', [DRIVERS.usage, DRIVERS.payment, DRIVERS.protective]);
  });

  it('posts the alert once to the CSM by DM, with metadata, blocks and tasks, and records the ts; a second run posts nothing', async () => {
    const { db } = context();
    const loaded = testConfig();
    const first = await runAlerts(db, runOptions(loaded, AS_OF, slackFor(fake)));
    expect(first).toMatchObject({ scored: 1, alerts: 1, delivery: { sent: 1, failed: 0 } });

    const posts = fake.posts();
    expect(posts).toHaveLength(1);
    const body = posts[0]!.body;
    expect(body.channel).toBe('DDANA');
    expect(body.metadata).toEqual({ event_type: 'radar_alert', event_payload: { dedup_key: key() } });
    expect(body.text).toBe('High churn risk: Acme &lt;Corp&gt; &amp; Co — 42%, renews in 45 days'); // escaped: Slack parses `text` as mrkdwn (issue 16 F6)
    const blocks = body.blocks as { type: string; block_id?: string; text?: { text: string } }[];
    expect(blocks[0]).toMatchObject({ type: 'header', text: { text: 'High churn risk: Acme <Corp> & Co' } });
    expect(JSON.stringify(blocks)).toContain('Acme &lt;Corp&gt; &amp; Co');
    expect(JSON.stringify(blocks)).toContain('+11 pts since 2026-01-08 (was 31%, high)');
    expect(JSON.stringify(blocks)).not.toContain('@'); // no emails in the message

    const tasks = await listTasks(db);
    // usageDecline → adoption (2 tasks), paymentDelay → payment (2 tasks); the protective driver selects nothing.
    expect(tasks.map((task) => [task.playbook, task.dueOn, task.owner])).toEqual([
      ['payment', '2026-01-18', null],
      ['adoption', '2026-01-22', 'dana@vendor.example'],
      ['payment', '2026-01-25', 'dana@vendor.example'],
      ['adoption', '2026-01-29', 'dana@vendor.example'],
    ]);
    for (const task of tasks) expect(blocks.some((block) => block.block_id === `radar:task:${task.taskId}`)).toBe(true);

    const [alert] = await listAlerts(db);
    expect(alert).toMatchObject({ status: 'sent', slackTs: fake.messages[0]!.ts, channel: 'DDANA', attempts: 1, dedupKey: key() });

    const second = await runAlerts(db, runOptions(loaded, AS_OF, slackFor(fake)));
    expect(second).toMatchObject({ alreadyPlanned: 1, alerts: 0, delivery: { sent: 0 } });
    expect(fake.posts()).toHaveLength(1);
    expect(await listTasks(db)).toHaveLength(4);
  });

  it('never posts twice after a crash between the post and recording its ts', async () => {
    const { db } = context();
    const loaded = testConfig();
    const crash = runAlerts(db, runOptions(loaded, AS_OF, slackFor(fake), { hooks: { afterPost: () => { throw new Error('process died'); } } }));
    await expect(crash).rejects.toThrow('process died');
    expect(fake.messages).toHaveLength(1);
    expect((await listAlerts(db))[0]).toMatchObject({ status: 'sending', slackTs: null, attempts: 1 });

    const rerun = await runAlerts(db, runOptions(loaded, AS_OF, slackFor(fake)));
    expect(rerun.delivery).toMatchObject({ recovered: 1, sent: 0 });
    expect(fake.posts(key())).toHaveLength(1);
    const history = fake.requests.filter((r) => r.method === 'conversations.history');
    expect(history).toHaveLength(1);
    expect(history[0]!.body).toMatchObject({ channel: 'DDANA', include_all_metadata: true });
    expect((await listAlerts(db))[0]).toMatchObject({ status: 'sent', slackTs: fake.messages[0]!.ts });

    await runAlerts(db, runOptions(loaded, AS_OF, slackFor(fake)));
    expect(fake.posts(key())).toHaveLength(1);
  });

  it('posts after a crash that happened before the post reached Slack (history is empty)', async () => {
    const { db } = context();
    const loaded = testConfig();
    fake.failNext('chat.postMessage', { status: 503 }, 4); // every attempt of the first run fails
    const first = await runAlerts(db, runOptions(loaded, AS_OF, slackFor(fake)));
    expect(first.delivery.failed).toBe(1);
    expect((await listAlerts(db, { failed: true }))[0]!.lastError).toBe('gave up after 4 attempts: HTTP 503');

    const retry = await runAlerts(db, { ...runOptions(loaded, AS_OF, slackFor(fake)), retryFailed: true });
    expect(retry.delivery.sent).toBe(1);
    expect(fake.messages).toHaveLength(1);
    expect(fake.requests.filter((r) => r.method === 'conversations.history').length).toBeGreaterThanOrEqual(1);
  });

  it('marks the alert failed instead of re-posting when the history cannot be read', async () => {
    const { db } = context();
    const loaded = testConfig();
    await expect(runAlerts(db, runOptions(loaded, AS_OF, slackFor(fake), { hooks: { afterPost: () => { throw new Error('process died'); } } }))).rejects.toThrow();
    fake.failNext('conversations.history', { error: 'missing_scope' });
    const rerun = await runAlerts(db, runOptions(loaded, AS_OF, slackFor(fake)));
    expect(rerun.delivery).toMatchObject({ failed: 1, sent: 0 });
    expect(fake.posts(key())).toHaveLength(1);
    expect((await listAlerts(db, { failed: true }))[0]!.lastError).toBe('cannot check Slack for an earlier post of this alert: missing_scope');
    // Once the scope is granted, a retry finds the post and records it without posting again.
    const fixed = await runAlerts(db, { ...runOptions(loaded, AS_OF, slackFor(fake)), retryFailed: true });
    expect(fixed.delivery.recovered).toBe(1);
    expect(fake.posts(key())).toHaveLength(1);
  });

  it('looks in the thread replies before re-posting an interrupted "risk reduced" reply', async () => {
    const { db } = context();
    const loaded = testConfig();
    await runAlerts(db, runOptions(loaded, AS_OF, slackFor(fake)));
    await addScore(db, accountId, '2026-01-20', 0.2, 'medium');
    const crash = runAlerts(db, runOptions(loaded, '2026-01-20', slackFor(fake), { hooks: { afterPost: () => { throw new Error('process died'); } } }));
    await expect(crash).rejects.toThrow('process died');
    const rerun = await runAlerts(db, runOptions(loaded, '2026-01-20', slackFor(fake)));
    expect(rerun.delivery.recovered).toBe(1);
    const replies = fake.messages.filter((m) => m.threadTs !== null);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.threadTs).toBe(fake.messages[0]!.ts);
    expect(fake.requests.filter((r) => r.method === 'conversations.replies').map((r) => r.body.ts)).toEqual([fake.messages[0]!.ts]);
  });

  it('waits Retry-After on 429 and posts once', async () => {
    const { db } = context();
    const options = runOptions(testConfig(), AS_OF, slackFor(fake));
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 2 });
    const summary = await runAlerts(db, options);
    expect(summary.delivery.sent).toBe(1);
    expect(options.recorder.sleeps).toEqual([2000]);
    expect(fake.posts().map((r) => r.status)).toEqual([429, 200]);
    expect(fake.messages).toHaveLength(1);
    // 429 means "not processed": no history search needed before the retry.
    expect(fake.requests.some((r) => r.method === 'conversations.history')).toBe(false);
  });

  it('backs off exponentially on 5xx and checks history before re-posting', async () => {
    const { db } = context();
    const options = runOptions(testConfig(), AS_OF, slackFor(fake));
    fake.failNext('chat.postMessage', { status: 500 }, 2);
    const summary = await runAlerts(db, options);
    expect(summary.delivery.sent).toBe(1);
    expect(options.recorder.sleeps).toEqual([5, 10]);
    expect(fake.posts().map((r) => r.status)).toEqual([500, 500, 200]);
    expect(fake.requests.filter((r) => r.method === 'conversations.history')).toHaveLength(2);
    expect((await listAlerts(db))[0]).toMatchObject({ status: 'sent', attempts: 3 });
  });

  it('does not re-post when Slack posted but the 5xx answer was lost', async () => {
    const { db } = context();
    const options = runOptions(testConfig(), AS_OF, slackFor(fake));
    fake.failNext('chat.postMessage', { status: 502, afterProcessing: true });
    const summary = await runAlerts(db, options);
    expect(summary.delivery).toMatchObject({ recovered: 1, sent: 0 });
    expect(fake.posts(key())).toHaveLength(1);
    expect(fake.messages).toHaveLength(1);
    expect((await listAlerts(db))[0]).toMatchObject({ status: 'sent', slackTs: fake.messages[0]!.ts });
  });

  it('records invalid_auth as failed with the reason, without leaking the token', async () => {
    const { db } = context();
    const summary = await runAlerts(db, runOptions(testConfig(), AS_OF, slackFor(fake, 'xoxb-wrong-token-1234')));
    expect(summary.delivery.failed).toBe(1);
    const failed = await listAlerts(db, { failed: true });
    expect(failed).toHaveLength(1);
    expect(failed[0]!.lastError).toBe('conversations.open: invalid_auth');
    expect(JSON.stringify(failed)).not.toContain('xoxb');
    expect(fake.messages).toHaveLength(0);
  });

  it('records channel_not_found and not_in_channel as failed with the reason', async () => {
    const { db } = context();
    const orphan = await addAccount(db, { externalId: 'orphan', csmEmail: null, csmSlackId: null, segment: 'smb', arrCents: 5_000_000 });
    await addScore(db, orphan, AS_OF, 0.55, 'critical');
    fake.failNext('chat.postMessage', { error: 'not_in_channel' });
    const loaded = testConfig({ fallbackChannels: { smb: 'C404' } });
    const summary = await runAlerts(db, runOptions(loaded, AS_OF, slackFor(fake)));
    expect(summary.delivery.failed).toBe(2);
    const reasons = (await listAlerts(db, { failed: true })).map((row) => [row.account, row.lastError]).sort();
    // acme's post (first in id order) meets not_in_channel; the orphan goes to a channel that does not exist.
    expect(reasons).toEqual([['acme', 'not_in_channel'], ['orphan', 'channel_not_found']]);
  });

  it('resolves a CSM email with users.lookupByEmail once and caches it', async () => {
    const { db } = context();
    const other = await addAccount(db, { externalId: 'globex', csmEmail: 'Lee@Vendor.example', csmSlackId: null });
    await addScore(db, other, AS_OF, 0.6, 'critical');
    await addScore(db, other, '2026-02-10', 0.7, 'critical');
    fake.users.set('lee@vendor.example', 'ULEE');
    const loaded = testConfig({ cooldownDays: 7 });
    await runAlerts(db, runOptions(loaded, AS_OF, slackFor(fake)));
    await runAlerts(db, runOptions(loaded, '2026-02-10', slackFor(fake)));
    expect(fake.requests.filter((r) => r.method === 'users.lookupByEmail').map((r) => r.body.email)).toEqual(['lee@vendor.example']);
    expect(fake.posts().filter((r) => r.body.channel === 'DLEE')).toHaveLength(2);
    const cached = await db.selectFrom('slack_users').selectAll().execute();
    expect(cached.map((row) => [row.email, row.slack_id])).toEqual([['lee@vendor.example', 'ULEE']]);
  });

  it('dry run without a token writes the outbox as JSON and prints each message', async () => {
    const { db } = context();
    const options = runOptions(testConfig(), AS_OF, null);
    const summary = await runAlerts(db, options);
    expect(summary.delivery).toMatchObject({ dryRun: 1, sent: 0 });
    const dir = join(options.outboxDir, AS_OF);
    const files = readdirSync(dir);
    expect(files).toEqual([`risk_${accountId}_${AS_OF}_high.json`]);
    const written = JSON.parse(readFileSync(join(dir, files[0]!), 'utf8')) as { dedupKey: string; channel: string; blocks: unknown[] };
    expect(written).toMatchObject({ dedupKey: key(), channel: 'UDANA' });
    expect(written.blocks.length).toBeGreaterThan(4);
    expect(options.recorder.printed).toHaveLength(1);
    expect(options.recorder.printed[0]).toContain('[dry run] risk → UDANA: High churn risk: Acme <Corp> & Co');
    expect(fake.requests).toHaveLength(0);
    expect((await listAlerts(db))[0]!.status).toBe('dry_run');
    const again = await runAlerts(db, runOptions(testConfig(), AS_OF, null));
    expect(again.delivery.dryRun).toBe(0);
  });
});
