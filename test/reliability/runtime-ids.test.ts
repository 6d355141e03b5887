// F11 (ids): a signed Slack click whose value is not plain digits ("0x5", "5e0", " 5", "5.0") names no
// task or alert — `Number()` used to read "0x5" as task 5 and complete it — and the CLI refuses such
// a task id with a usage error (exit 2) naming the argument.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRenderer } from '../../alerts/render.ts';
import { runAlerts } from '../../alerts/run.ts';
import { startServer, type RadarServer } from '../../alerts/serve/server.ts';
import { slackSignature } from '../../alerts/serve/verify.ts';
import { silentLogger } from '../../pipelines/log.ts';
import { addAccount, addScore, DRIVERS, resetAlertTables, runOptions, slackFor, testConfig } from '../alerts-fixtures.ts';
import { runRadar } from '../support/cli.ts';
import { describeEachBackend } from '../support/database.ts';
import { fakeSlackForFile } from '../support/slack-api.ts';

const SECRET = 'ids-test-signing-secret';
const AS_OF = '2026-01-15';

const slack = fakeSlackForFile();

describeEachBackend('ids in Slack payloads', (context) => {
  let server: RadarServer;
  let taskId = 0;
  let alertId = 0;

  beforeAll(async () => {
    const { db } = context();
    await resetAlertTables(db);
    const account = await addAccount(db, { externalId: 'acme', csmSlackId: 'UDANA' });
    await addScore(db, account, AS_OF, 0.7, 'high', [DRIVERS.usage]);
    const loaded = testConfig();
    expect((await runAlerts(db, runOptions(loaded, AS_OF, slackFor(slack())))).delivery.sent).toBe(1);
    const task = await db.selectFrom('tasks').select(['task_id', 'alert_id']).orderBy('task_id').executeTakeFirstOrThrow();
    taskId = task.task_id;
    alertId = task.alert_id;
    server = await startServer({
      db,
      server: { ...loaded.config.server, port: 0, host: '127.0.0.1' },
      signingSecret: SECRET,
      slack: null,
      renderer: createRenderer(),
      logger: silentLogger,
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  const signedPost = async (payload: object) => {
    const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const timestamp = String(Math.floor(Date.now() / 1000));
    const response = await fetch(`${server.url}/slack/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': timestamp, 'x-slack-signature': slackSignature(SECRET, timestamp, body) },
      body,
    });
    await server.idle();
    return response;
  };
  const click = (actionId: string, value: string, n: number) =>
    signedPost({ type: 'block_actions', user: { id: 'UDANA' }, trigger_id: `t-${n}`, actions: [{ type: 'button', action_id: actionId, value, action_ts: `1768000000.00000${n}` }] });
  const taskStatus = async () => (await context().db.selectFrom('tasks').select('status').where('task_id', '=', taskId).executeTakeFirstOrThrow()).status;
  const interactions = async () => Number((await context().db.selectFrom('slack_interactions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

  it('ignores button values that are not plain digits, then completes the task on its real id', async () => {
    const disguised = [`0x${taskId.toString(16)}`, `${taskId}e0`, ` ${taskId}`, `${taskId}.0`, `+${taskId}`, `0${taskId}`];
    for (const [n, value] of disguised.entries()) {
      expect((await click('radar_task_done', value, n)).status).toBe(200);
      expect((await click('radar_snooze', value.replace(String(taskId), String(alertId)), n)).status).toBe(200);
    }
    expect(await taskStatus()).toBe('open');
    expect(await interactions()).toBe(0);
    const snoozed = await context().db.selectFrom('alerts').select('snoozed_until').where('alert_id', '=', alertId).executeTakeFirstOrThrow();
    expect(snoozed.snoozed_until).toBeNull();

    expect((await click('radar_task_done', String(taskId), 9)).status).toBe(200);
    expect(await taskStatus()).toBe('done');
    expect(await interactions()).toBe(1);
  });

  it('refuses a "Not a risk" modal whose alert id is not plain digits', async () => {
    const submit = (alert: unknown) =>
      signedPost({
        type: 'view_submission',
        user: { id: 'UDANA' },
        view: { id: `V-${String(alert)}`, callback_id: 'radar_not_a_risk', private_metadata: JSON.stringify({ alertId: alert }), state: { values: { reason: { reason: { selected_option: { value: 'already_handled' } } } } } },
      });
    const response = await submit(`0x${alertId.toString(16)}`);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('alertId must be a positive whole number written with the digits 0-9 only');
    expect(Number((await context().db.selectFrom('alert_feedback').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)).toBe(0);
  });
});

it('radar tasks done refuses "0x5" as a task id with a usage error naming it', async () => {
  const run = await runRadar(['tasks', 'done', '0x5'], { RADAR_DATA_DIR: mkdtempSync(join(tmpdir(), 'radar-ids-')) });
  expect(run.code).toBe(2);
  expect(run.stderr).toContain('radar: task id must be a positive whole number written with the digits 0-9 only, got "0x5"');
}, 120_000);
