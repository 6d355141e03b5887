// Buttons on a daily digest: a click on one account's task records it and re-renders the whole digest
// message (every account with its current state) through chat.update on the local Slack stand-in.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRenderer } from '../alerts/render.ts';
import { runAlerts } from '../alerts/run.ts';
import { startServer, type RadarServer } from '../alerts/serve/server.ts';
import { createInteractivityApi } from '../alerts/serve/slack-web.ts';
import { slackSignature } from '../alerts/serve/verify.ts';
import { silentLogger } from '../pipelines/log.ts';
import { addAccount, addScore, DRIVERS, resetAlertTables, runOptions, slackFor, testConfig } from './alerts-fixtures.ts';
import { describeEachBackend } from './support/database.ts';
import { startFakeSlack, type FakeSlack } from './support/slack-api.ts';

const SECRET = 'digest-signing-secret-0123456789';
const AS_OF = '2026-01-15';

let fake: FakeSlack;
beforeAll(async () => {
  fake = await startFakeSlack();
});
afterAll(async () => {
  await fake.close();
});

describeEachBackend('digest buttons', (context) => {
  let server: RadarServer;
  let acmeAlert = 0;
  let betaAlert = 0;

  beforeAll(async () => {
    const { db } = context();
    fake.reset();
    await resetAlertTables(db);
    const acme = await addAccount(db, { externalId: 'ACME-1', name: 'Acme Logistics', csmSlackId: 'UDANA', renewalDate: '2026-03-01' });
    const beta = await addAccount(db, { externalId: 'BETA-2', name: 'Beta Foods', csmSlackId: 'UDANA', renewalDate: '2026-04-01' });
    await addScore(db, acme, AS_OF, 0.72, 'high', [DRIVERS.usage]);
    await addScore(db, beta, AS_OF, 0.55, 'high', [DRIVERS.payment]);
    const loaded = testConfig({ digest: true });
    const run = await runAlerts(db, runOptions(loaded, AS_OF, slackFor(fake)));
    expect(run).toMatchObject({ alerts: 2, digests: 1, delivery: { sent: 1 } });
    const alerts = await db.selectFrom('alerts').select(['alert_id', 'account_id']).where('kind', '=', 'risk').execute();
    acmeAlert = alerts.find((a) => a.account_id === acme)!.alert_id;
    betaAlert = alerts.find((a) => a.account_id === beta)!.alert_id;
    server = await startServer({
      db,
      server: { ...loaded.config.server, port: 0, host: '127.0.0.1' },
      signingSecret: SECRET,
      slack: createInteractivityApi({ token: fake.token, slackApiUrl: fake.url }),
      renderer: createRenderer(),
      logger: silentLogger,
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('the digest carries task, snooze and not-a-risk buttons for every account', () => {
    const [digest] = fake.posts();
    const blocks = JSON.stringify(digest!.body.blocks);
    for (const id of [acmeAlert, betaAlert]) expect(blocks).toContain(`"radar:actions:${id}"`);
    expect(blocks.match(/"radar_task_done"/g)!.length).toBeGreaterThanOrEqual(2);
  });

  it('a click on one account updates the whole digest message in place', async () => {
    const { db } = context();
    const [task] = await db.selectFrom('tasks').selectAll().where('alert_id', '=', betaAlert).orderBy('task_id').execute();
    const body = `payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions', user: { id: 'UDANA' }, trigger_id: 'trig-1', container: { type: 'message' }, actions: [{ type: 'button', action_id: 'radar_task_done', value: String(task!.task_id), action_ts: '1768000000.000001' }] }))}`;
    const timestamp = String(Math.floor(Date.now() / 1000));
    const response = await fetch(`${server.url}/slack/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': timestamp, 'x-slack-signature': slackSignature(SECRET, timestamp, body) },
      body,
    });
    expect(response.status).toBe(200);
    await server.idle();

    const updates = fake.requests.filter((request) => request.method === 'chat.update');
    expect(updates).toHaveLength(1);
    const digestRow = await db.selectFrom('alerts').select(['slack_ts', 'channel']).where('kind', '=', 'digest').executeTakeFirstOrThrow();
    expect(updates[0]!.body).toMatchObject({ ts: digestRow.slack_ts, channel: digestRow.channel });
    const blocks = updates[0]!.body.blocks as { block_id?: string; accessory?: unknown; text?: { text?: string } }[];
    // Both accounts are still in the message; only the clicked task lost its button and shows who did it.
    expect(JSON.stringify(blocks)).toContain(`"radar:actions:${acmeAlert}"`);
    const clicked = blocks.find((block) => block.block_id === `radar:task:${task!.task_id}`)!;
    expect(clicked.accessory).toBeUndefined();
    expect(clicked.text!.text).toContain('done by <@UDANA>');
    expect(await db.selectFrom('tasks').select(['status', 'completed_by']).where('task_id', '=', task!.task_id).executeTakeFirstOrThrow()).toEqual({ status: 'done', completed_by: 'UDANA' });
  });
});
