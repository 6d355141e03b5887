// `radar serve` over real HTTP on port 0: signed Slack payloads (buttons, the "Not a risk" modal, the
// slash command) change the database and call chat.update / views.open / response_url on the local
// Slack stand-in; forged, stale, replayed, retried and oversized requests change nothing more.
//
// Replays: a correctly signed request repeated within the 5-minute window is answered 200 and
// processed idempotently (the slack_interactions key is taken: nothing recorded, nothing updated);
// outside the window it is refused 401 like any stale request.
import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runAlerts } from '../alerts/run.ts';
import { createRenderer } from '../alerts/render.ts';
import { startServer, type RadarServer } from '../alerts/serve/server.ts';
import { createInteractivityApi } from '../alerts/serve/slack-web.ts';
import { slackSignature } from '../alerts/serve/verify.ts';
import { addDays, dayOf } from '../alerts/dates.ts';
import { formatOutcomeReport, runOutcomes } from '../alerts/report.ts';
import { createLogger } from '../pipelines/log.ts';
import { notRiskRates } from '../sql/interactions.ts';
import { addAccount, addScore, DRIVERS, resetAlertTables, runOptions, slackFor, testConfig } from './alerts-fixtures.ts';
import { describeEachBackend } from './support/database.ts';
import { startFakeSlack, type FakeSlack } from './support/slack-api.ts';

const SECRET = 'test-signing-secret-0123456789';
const AS_OF = '2026-01-15';

let fake: FakeSlack;
beforeAll(async () => {
  fake = await startFakeSlack();
});
afterAll(async () => {
  await fake.close();
});

interface Sent {
  readonly status: number;
  readonly text: string;
}

describeEachBackend('radar serve', (context) => {
  let server: RadarServer;
  const logLines: string[] = [];
  let acme = 0;
  let beta = 0;
  let acmeAlert = 0;
  let betaAlert = 0;

  const seconds = () => String(Math.floor(Date.now() / 1000));

  async function post(path: string, body: string, options: { timestamp?: string; signature?: string; headers?: Record<string, string> } = {}): Promise<Sent & { headers: Record<string, string> }> {
    const timestamp = options.timestamp ?? seconds();
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': options.signature ?? slackSignature(SECRET, timestamp, body),
      ...options.headers,
    };
    const response = await fetch(`${server.url}${path}`, { method: 'POST', headers, body });
    return { status: response.status, text: await response.text(), headers };
  }

  const actionBody = (payload: object) => `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const click = (actionId: string, value: number, actionTs: string, user = 'UDANA') =>
    actionBody({ type: 'block_actions', user: { id: user }, trigger_id: `trig-${actionTs}`, container: { type: 'message' }, actions: [{ type: 'button', action_id: actionId, value: String(value), action_ts: actionTs }] });

  const counts = async () => {
    const { db } = context();
    const interactions = await db.selectFrom('slack_interactions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const done = await db.selectFrom('tasks').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '<>', 'open').executeTakeFirstOrThrow();
    const feedback = await db.selectFrom('alert_feedback').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const snoozed = await db.selectFrom('alerts').select((eb) => eb.fn.countAll<number>().as('n')).where('snoozed_until', 'is not', null).executeTakeFirstOrThrow();
    return { interactions: Number(interactions.n), changedTasks: Number(done.n), feedback: Number(feedback.n), snoozed: Number(snoozed.n), updates: fake.requests.filter((r) => r.method === 'chat.update').length };
  };
  const tasksOf = (alertId: number) => context().db.selectFrom('tasks').selectAll().where('alert_id', '=', alertId).orderBy('task_id').execute();
  const messageOf = (alertId: number) => {
    const update = fake.requests.filter((r) => r.method === 'chat.update').at(-1);
    return { update, stored: fake.messages.find((m) => m.text.length > 0 && JSON.stringify(m.blocks).includes(`radar:alert:${alertId}`)) };
  };

  beforeAll(async () => {
    const { db } = context();
    fake.reset();
    await resetAlertTables(db);
    acme = await addAccount(db, { externalId: 'ACME-1', name: 'Acme Logistics', csmSlackId: 'UDANA', renewalDate: '2026-03-01' });
    beta = await addAccount(db, { externalId: 'BETA-2', name: 'Beta Foods', csmSlackId: 'UDANA', renewalDate: '2026-04-01' });
    await addScore(db, acme, AS_OF, 0.72, 'high', [DRIVERS.usage, DRIVERS.protective]);
    await addScore(db, beta, AS_OF, 0.55, 'high', [DRIVERS.payment]);
    const loaded = testConfig();
    const run = await runAlerts(db, runOptions(loaded, AS_OF, slackFor(fake)));
    expect(run.delivery.sent).toBe(2);
    const alerts = await db.selectFrom('alerts').select(['alert_id', 'account_id']).where('kind', '=', 'risk').execute();
    acmeAlert = alerts.find((a) => a.account_id === acme)!.alert_id;
    betaAlert = alerts.find((a) => a.account_id === beta)!.alert_id;
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logLines.push(chunk.toString('utf8'));
        callback();
      },
    });
    server = await startServer({
      db,
      server: { ...loaded.config.server, port: 0, host: '127.0.0.1', bodyLimitBytes: 8192, responseUrlAllowList: [new URL(fake.hookUrl('x')).origin] },
      signingSecret: SECRET,
      slack: createInteractivityApi({ token: fake.token, slackApiUrl: fake.url }),
      renderer: createRenderer(),
      logger: createLogger({ level: 'info', destination: sink }),
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers /healthz and 404 elsewhere', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
  });

  it('the posted alert carries the buttons', () => {
    const posted = fake.posts().map((p) => JSON.stringify(p.body.blocks));
    expect(posted.every((blocks) => blocks.includes('"radar_task_done"') && blocks.includes('"radar_snooze"') && blocks.includes('"radar_not_a_risk"'))).toBe(true);
  });

  it('refuses a wrong signature, an old timestamp and a missing signature with 401, changing nothing, logging no body', async () => {
    const [task] = await tasksOf(betaAlert);
    const before = await counts();
    const body = click('radar_task_done', task!.task_id, '1768000000.000001');
    const wrong = await post('/slack/actions', body, { signature: slackSignature('not-the-secret', seconds(), body) });
    expect(wrong.status).toBe(401);
    const old = String(Math.floor(Date.now() / 1000) - 6 * 60);
    expect((await post('/slack/actions', body, { timestamp: old })).status).toBe(401);
    expect((await post('/slack/actions', body, { signature: '' })).status).toBe(401);
    // Tampered body under a signature of another body.
    const ts = seconds();
    expect((await post('/slack/actions', body.replace('UDANA', 'UEVIL'), { timestamp: ts, signature: slackSignature(SECRET, ts, body) })).status).toBe(401);
    expect((await post('/slack/commands', 'command=%2Fradar&text=mine&user_id=UDANA', { signature: 'v0=' + '0'.repeat(64) })).status).toBe(401);
    await server.idle();
    expect(await counts()).toEqual(before);
    expect((await tasksOf(betaAlert))[0]!.status).toBe('open');
    const refusals = logLines.filter((line) => line.includes('slack_request_refused'));
    expect(refusals.length).toBeGreaterThanOrEqual(5);
    expect(refusals.join('')).not.toContain('radar_task_done');
    expect(refusals.join('')).not.toContain(SECRET);
  });

  it('refuses a body over the limit with 413, unverified and unread', async () => {
    const before = await counts();
    const big = `payload=${'x'.repeat(20_000)}`;
    const answer = await post('/slack/actions', big).catch((error: Error) => ({ status: -1, text: error.message }));
    expect(answer.status).toBe(413);
    // Chunked, without Content-Length: refused once the limit is passed, the rest never read.
    const chunked = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(`${server.url}/slack/actions`, { method: 'POST', headers: { 'transfer-encoding': 'chunked', 'x-slack-request-timestamp': seconds(), 'x-slack-signature': 'v0=' + '0'.repeat(64) } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', (error) => (request.writableEnded ? undefined : reject(error)));
      let sent = 0;
      const pump = () => {
        while (sent < 1_000_000) {
          sent += 4096;
          if (!request.write('x'.repeat(4096))) return void request.once('drain', pump);
        }
        request.end();
      };
      pump();
    });
    expect(chunked).toBe(413);
    expect(await counts()).toEqual(before);
  });

  it('"Task done" marks the task done by the clicking user and chat.updates the message; a retry and a replay record once', async () => {
    const [task, other] = await tasksOf(acmeAlert);
    const before = await counts();
    const body = click('radar_task_done', task!.task_id, '1768000000.000100');
    const first = await post('/slack/actions', body);
    expect(first.status).toBe(200);
    await server.idle();
    const [after] = await tasksOf(acmeAlert);
    expect(after).toMatchObject({ status: 'done', completed_by: 'UDANA' });
    expect(after!.completed_at).toBeInstanceOf(Date);
    const afterFirst = await counts();
    expect(afterFirst).toMatchObject({ interactions: before.interactions + 1, changedTasks: before.changedTasks + 1, updates: before.updates + 1 });
    const { update, stored } = messageOf(acmeAlert);
    const blocks = JSON.stringify(update!.body.blocks);
    expect(update!.body.channel).toBe('DDANA');
    expect(blocks).toContain(`radar:task:${task!.task_id}`);
    expect(blocks).toContain('done by <@UDANA>');
    expect(JSON.stringify(stored!.blocks)).toContain('done by <@UDANA>');
    // Only the task still open keeps its "Task done" button.
    const taskBlocks = (update!.body.blocks as { block_id?: string; accessory?: unknown }[]).filter((b) => b.block_id?.startsWith('radar:task:'));
    expect(taskBlocks.find((b) => b.block_id === `radar:task:${task!.task_id}`)!.accessory).toBeUndefined();
    if (other) expect(taskBlocks.find((b) => b.block_id === `radar:task:${other.task_id}`)!.accessory).toBeDefined();

    // Slack retries the delivery (new signature, same payload): recorded once.
    const retried = await post('/slack/actions', body, { headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } });
    expect(retried.status).toBe(200);
    // The very same signed request again (a replay within 5 minutes): processed idempotently.
    const replayed = await fetch(`${server.url}/slack/actions`, { method: 'POST', headers: first.headers, body });
    expect(replayed.status).toBe(200);
    await server.idle();
    expect(await counts()).toEqual(afterFirst);
  });

  it('"Snooze 7 days" snoozes the alert and its open tasks, recorded once, and updates the message', async () => {
    const before = await counts();
    const body = click('radar_snooze', acmeAlert, '1768000000.000200', 'UOTHER');
    expect((await post('/slack/actions', body)).status).toBe(200);
    expect((await post('/slack/actions', body, { headers: { 'x-slack-retry-num': '2' } })).status).toBe(200);
    await server.idle();
    const until = addDays(dayOf(new Date()), 7);
    const alert = await context().db.selectFrom('alerts').select(['snoozed_until', 'snoozed_by']).where('alert_id', '=', acmeAlert).executeTakeFirstOrThrow();
    expect(alert).toEqual({ snoozed_until: until, snoozed_by: 'UOTHER' });
    const tasks = await tasksOf(acmeAlert);
    expect(tasks.filter((t) => t.status === 'done')).toHaveLength(1);
    for (const task of tasks.filter((t) => t.status !== 'done')) expect(task).toMatchObject({ status: 'snoozed', snoozed_until: until });
    const after = await counts();
    expect(after).toMatchObject({ interactions: before.interactions + 1, snoozed: before.snoozed + 1, updates: before.updates + 1 });
    expect(JSON.stringify(messageOf(acmeAlert).update!.body.blocks)).toContain(`Snoozed until ${until} by <@UOTHER>`);
  });

  it('"Not a risk" opens the modal; its submission stores the reason, cancels open tasks and removes the buttons; recorded once', async () => {
    const opened = await post('/slack/actions', click('radar_not_a_risk', betaAlert, '1768000000.000300'));
    expect(opened.status).toBe(200);
    await server.idle();
    expect(fake.views).toHaveLength(1);
    expect(fake.views[0]!.triggerId).toBe('trig-1768000000.000300');
    expect(fake.views[0]!.view).toMatchObject({ callback_id: 'radar_not_a_risk', private_metadata: JSON.stringify({ alertId: betaAlert }) });

    const submission = (reason: string | null, viewId = 'V000001') =>
      actionBody({
        type: 'view_submission',
        user: { id: 'UDANA' },
        view: {
          id: viewId,
          callback_id: 'radar_not_a_risk',
          private_metadata: JSON.stringify({ alertId: betaAlert }),
          state: { values: { reason: { reason: { type: 'radio_buttons', selected_option: reason ? { value: reason } : null } }, note: { note: { type: 'plain_text_input', value: 'Renewal signed early' } } } },
        },
      });
    const missing = await post('/slack/actions', submission(null));
    expect(JSON.parse(missing.text)).toMatchObject({ response_action: 'errors', errors: { reason: expect.any(String) } });
    expect((await counts()).feedback).toBe(0);

    const before = await counts();
    const saved = await post('/slack/actions', submission('already_handled'));
    expect(saved).toMatchObject({ status: 200, text: '' });
    expect((await post('/slack/actions', submission('already_handled'), { headers: { 'x-slack-retry-num': '1' } })).status).toBe(200);
    await server.idle();
    const feedback = await context().db.selectFrom('alert_feedback').selectAll().execute();
    expect(feedback).toHaveLength(1);
    expect(feedback[0]).toMatchObject({ alert_id: betaAlert, account_id: beta, reason: 'already_handled', note: 'Renewal signed early', slack_user_id: 'UDANA' });
    expect((await tasksOf(betaAlert)).every((t) => t.status === 'cancelled')).toBe(true);
    expect(await counts()).toMatchObject({ interactions: before.interactions + 1, feedback: 1, updates: before.updates + 1 });
    const blocks = JSON.stringify(messageOf(betaAlert).update!.body.blocks);
    expect(blocks).toContain('Marked *not a risk* by <@UDANA>: Already handled');
    expect(blocks).not.toContain('radar_snooze');
    expect(blocks).not.toContain('radar_task_done');

    // Feedback on the model: the not-a-risk rate per tier in `radar outcomes`.
    expect(await notRiskRates(context().db)).toEqual([{ tier: 'high', alerts: 2, notRisk: 1, reasons: { already_handled: 1 } }]);
    const outcomes = await runOutcomes(context().db, { decidedBefore: new Date(), now: new Date() });
    expect(formatOutcomeReport(outcomes.report, outcomes.feedback).join('\n')).toMatch(/high\s+2 delivered\s+1 not a risk\s+50\.0%/);
  });

  it('/radar ACCOUNT answers at once and posts probability, tier, drivers, open tasks and renewal to response_url; a replay answers once', async () => {
    const body = new URLSearchParams({ command: '/radar', text: 'acme-1', user_id: 'UDANA', trigger_id: 'cmd-1', response_url: fake.hookUrl('cmd-1') }).toString();
    const first = await post('/slack/commands', body);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.text)).toMatchObject({ response_type: 'ephemeral' });
    await server.idle();
    const again = await fetch(`${server.url}/slack/commands`, { method: 'POST', headers: first.headers, body });
    expect(again.status).toBe(200);
    await server.idle();
    const hooks = fake.hooks.filter((h) => h.path === 'cmd-1');
    expect(hooks).toHaveLength(1);
    const text = String(hooks[0]!.body.text);
    expect(hooks[0]!.body.response_type).toBe('ephemeral');
    expect(text).toContain('Acme Logistics');
    expect(text).toContain('72%');
    expect(text).toContain('(high)');
    expect(text).toContain(DRIVERS.usage.sentence);
    expect(text).not.toContain(DRIVERS.protective.sentence);
    expect(text).toContain('2026-03-01');
    expect(text).toContain('snoozed until');
  });

  it('/radar mine lists the caller\'s open tasks; a response_url off hooks.slack.com and the allow-list is never fetched', async () => {
    const mine = new URLSearchParams({ command: '/radar', text: 'mine', user_id: 'UDANA', trigger_id: 'cmd-2', response_url: fake.hookUrl('cmd-2') }).toString();
    expect((await post('/slack/commands', mine)).status).toBe(200);
    const stranger = new URLSearchParams({ command: '/radar', text: 'mine', user_id: 'UNOBODY', trigger_id: 'cmd-3', response_url: fake.hookUrl('cmd-3') }).toString();
    expect((await post('/slack/commands', stranger)).status).toBe(200);
    const evil = new URLSearchParams({ command: '/radar', text: 'mine', user_id: 'UDANA', trigger_id: 'cmd-4', response_url: 'http://169.254.169.254/latest/meta-data' }).toString();
    const refused = await post('/slack/commands', evil);
    expect(JSON.parse(refused.text).text).toContain('not allowed');
    await server.idle();
    const own = fake.hooks.find((h) => h.path === 'cmd-2');
    expect(String(own!.body.text)).toContain('Acme Logistics');
    expect(String(own!.body.text)).not.toContain('Beta Foods'); // its tasks were cancelled as not a risk
    expect(String(fake.hooks.find((h) => h.path === 'cmd-3')!.body.text)).toBe('You have no open tasks.');
    expect(fake.hooks.map((h) => h.path)).toEqual(['cmd-1', 'cmd-2', 'cmd-3']);
  });
}, { migrated: true });
