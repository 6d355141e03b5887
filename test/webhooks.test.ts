// Signed webhooks on both backends: events recorded with their facts under ids derived from the facts,
// delivery to a real receiver on 127.0.0.1 that resets connections, never answers and answers 500
// before it succeeds (every event arrives once, signatures verify, per-account order holds), the
// dead-letter list with `radar status`'s lines and replays, and two deliverers never sending one event twice.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { createRenderer } from '../alerts/render.ts';
import { completeTaskOnce } from '../alerts/serve/act.ts';
import { startServer } from '../alerts/serve/server.ts';
import { runAlerts } from '../alerts/run.ts';
import { nextAttemptAt, retryDelayMs } from '../alerts/webhooks/backoff.ts';
import { deliverWebhooks, type WebhookDeliveryOptions } from '../alerts/webhooks/deliver.ts';
import { secretKey, signatureHeaders } from '../alerts/webhooks/sign.ts';
import { ConfigError } from '../config/errors.ts';
import { parseConfig } from '../config/load.ts';
import type { WebhookEndpoint } from '../config/webhooks.ts';
import { createApiHandler } from '../pipelines/api/handler.ts';
import { plannedSchedules } from '../pipelines/jobs/catalog.ts';
import { formatStatus, type RadarStatus } from '../pipelines/jobs/status.ts';
import { silentLogger } from '../pipelines/log.ts';
import type { DB } from '../sql/schema.ts';
import {
  deadLetterSummary,
  listOutbox,
  recordAlertsCreated,
  recordForecastPublished,
  recordRenewalsDecidedInTransaction,
  recordTierChanges,
  replayDead,
} from '../sql/webhooks.ts';
import { addAccount, addScore, DRIVERS, MODEL, resetAlertTables, runOptions } from './alerts-fixtures.ts';
import { NOW, seedApiWorld, tokenFor } from './api-fixtures.ts';
import { describeEachBackend } from './support/database.ts';
import { SECRETS, startReceiver, verifyStandardWebhook, webhookConfig, type Receiver } from './webhooks-fixtures.ts';

const expectedId = (type: string, key: string) => `evt_${createHash('sha256').update(`${type}:${key}`).digest('hex').slice(0, 32)}`;

const deliver = (db: Kysely<DB>, endpoints: readonly WebhookEndpoint[], extra: Partial<WebhookDeliveryOptions> = {}) =>
  deliverWebhooks(db, { endpoints, logger: silentLogger, now: () => new Date(), secret: (name) => SECRETS[name], waitMs: 10_000, ...extra });

async function outboxRows(db: Kysely<DB>) {
  return db.selectFrom('webhook_outbox').selectAll().orderBy('outbox_id').execute();
}

/** The account's external id in a delivered body (standard body: data.externalId; crm: externalId). */
function bodyOf(text: string): { externalId: string; asOf: string } {
  const body = JSON.parse(text) as { data?: { externalId: string; asOf: string }; externalId?: string; asOf?: string };
  return body.data ?? { externalId: body.externalId!, asOf: body.asOf! };
}

describe('webhook retry schedule and secrets', () => {
  const retry = { maxAttempts: 10, firstDelaySeconds: 60, maxDelaySeconds: 21_600 };

  it('doubles the wait from firstDelaySeconds up to maxDelaySeconds, then dead-letters after maxAttempts', () => {
    expect([1, 2, 3, 9, 10].map((attempt) => retryDelayMs(attempt, retry))).toEqual([60_000, 120_000, 240_000, 15_360_000, 21_600_000]);
    const now = new Date('2026-01-15T12:00:00Z');
    expect(nextAttemptAt(now, 1, retry)?.toISOString()).toBe('2026-01-15T12:01:00.000Z');
    expect(nextAttemptAt(now, 1, retry, 300)?.toISOString()).toBe('2026-01-15T12:05:00.000Z'); // Retry-After: 300 is later
    expect(nextAttemptAt(now, 1, retry, 1e9)?.toISOString()).toBe('2026-01-15T18:00:00.000Z'); // capped at maxDelaySeconds
    expect(nextAttemptAt(now, 10, retry)).toBeUndefined();
  });

  it('signs the example in docs/api.md as it shows', () => {
    const docs = readFileSync(new URL('../docs/api.md', import.meta.url), 'utf8');
    const example = /webhook-id: (\S+)\nwebhook-timestamp: (\d+)\nwebhook-signature: (\S+)\n\n(\{.*\})\n/.exec(docs)!;
    const secret = /secret\n`(whsec_[^`]+)`/.exec(docs)![1]!;
    const [, id, timestamp, signature, body] = example;
    expect(signatureHeaders(secretKey(secret, 'DOCS'), id!, Number(timestamp), body!)['webhook-signature']).toBe(signature);
    expect(verifyStandardWebhook(secret, { id: id!, timestamp: timestamp!, signature: signature! }, body!)).toBe(true);
  });

  it('accepts only whsec_ secrets of 24 to 64 bytes, naming the variable and never the value', () => {
    expect(secretKey(SECRETS.WH_OPS_SECRET!, 'WH_OPS_SECRET')).toEqual(Buffer.alloc(32, 7));
    const short = `whsec_${Buffer.alloc(8).toString('base64')}`;
    expect(() => secretKey(short, 'WH_OPS_SECRET')).toThrow(/WH_OPS_SECRET must hold a Standard Webhooks secret/);
    expect(() => secretKey('plain-text-secret-value-long-enough', 'WH_X')).toThrow(expect.objectContaining({ message: expect.not.stringContaining('plain-text') }));
  });

  it('rejects bad webhook config with errors that name the key', () => {
    const problems = (raw: unknown) => {
      try {
        parseConfig(raw);
      } catch (error) {
        return (error as ConfigError).problems;
      }
      return [];
    };
    expect(problems({ webhooks: [{ id: 'Crm!', url: 'ftp://crm.example', secretEnv: 'lower', events: ['tier.changed', 'score.updated'] }] })).toEqual([
      'webhooks.0.id: lower-case letters, digits, - and _ (at most 64), starting with a letter or digit',
      'webhooks.0.url: must be an http(s) URL',
      'webhooks.0.events.1: Invalid option: expected one of "tier.changed"|"alert.created"|"task.completed"|"renewal.decided"|"forecast.published"',
      'webhooks.0.secretEnv: an environment variable name (upper case, digits, _)',
    ]);
    expect(problems({ webhooks: [{ id: 'crm', url: 'https://crm.example/hook', secretEnv: 'CRM_SECRET', preset: 'crm', events: ['tier.changed', 'alert.created'] }] })).toEqual([
      'webhooks.0.events.1: preset crm shapes only tier.changed, not alert.created',
    ]);
    const twice = { id: 'ops', url: 'https://ops.example/hook', secretEnv: 'OPS_SECRET' };
    expect(problems({ webhooks: [twice, twice] })).toEqual(['webhooks.1.id: duplicate webhook id "ops"']);
    // Defaults: every event, or the preset's; 10 attempts from 60 s.
    const loaded = parseConfig({ webhooks: [twice, { ...twice, id: 'crm', preset: 'crm' }] });
    expect(loaded.config.webhooks.map((endpoint) => endpoint.events)).toEqual([['tier.changed', 'alert.created', 'task.completed', 'renewal.decided', 'forecast.published'], ['tier.changed']]);
    expect(loaded.config.webhooks[0]!.retry).toEqual({ maxAttempts: 10, firstDelaySeconds: 60, maxDelaySeconds: 21_600 });
    // The outbox job is scheduled (every 5 minutes) only when endpoints are configured.
    const webhookJobs = (config: typeof loaded.config) => plannedSchedules(config).filter((entry) => entry.job === 'webhooks');
    expect(webhookJobs(loaded.config)).toEqual([{ job: 'webhooks', schedulerId: 'webhooks', cron: '*/5 * * * *', data: {} }]);
    expect(webhookJobs(parseConfig({}).config)).toEqual([]);
  });
});

describeEachBackend('webhooks', (context) => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
  });
  beforeEach(async () => {
    const { db } = context();
    await db.deleteFrom('webhook_outbox').execute();
    await db.deleteFrom('forecasts').execute();
    await db.deleteFrom('slack_interactions').execute();
    await db.deleteFrom('api_tokens').execute();
    await resetAlertTables(db);
    receiver.requests.length = 0;
    receiver.script([]);
  });

  it('records each fact once per subscribed endpoint, with an id derived from the fact', async () => {
    const { db } = context();
    const endpoints = webhookConfig(receiver.url).config.webhooks;
    const acme = await addAccount(db, { externalId: 'ACME-1', name: 'Acme Logistics' });
    const beta = await addAccount(db, { externalId: 'BETA-2', name: 'Beta Foods' });
    await addScore(db, acme, '2026-01-10', 0.31, 'medium', [DRIVERS.payment]);
    await addScore(db, acme, '2026-01-14', 0.72, 'high', [DRIVERS.usage, DRIVERS.protective]);
    await addScore(db, beta, '2026-01-10', 0.52, 'high');
    await addScore(db, beta, '2026-01-14', 0.55, 'high');

    // Day 1: both accounts' first scores (a change from none) × ops and crm; day 2: only acme changed tier.
    expect(await recordTierChanges(db, endpoints, { asOf: '2026-01-10', modelVersion: MODEL })).toBe(4);
    expect(await recordTierChanges(db, endpoints, { asOf: '2026-01-14', modelVersion: MODEL })).toBe(2);
    expect(await recordTierChanges(db, endpoints, { asOf: '2026-01-14', modelVersion: MODEL })).toBe(0);
    const acmeChange = (await outboxRows(db)).find((row) => row.endpoint_id === 'ops' && row.account_id === acme && (row.data as { asOf: string }).asOf === '2026-01-14')!;
    expect(acmeChange.event_id).toBe(expectedId('tier.changed', `${acme}:2026-01-14`));
    expect(acmeChange.data).toEqual({
      externalId: 'ACME-1', accountName: 'Acme Logistics', asOf: '2026-01-14', previousTier: 'medium', tier: 'high', probability: 0.72,
      modelVersion: MODEL, drivers: [DRIVERS.usage, DRIVERS.protective], renewalDate: '2026-03-01',
    });

    // Alerts (a dry run): one risk alert each for the two high accounts, announced to ops only (crm takes tier.changed).
    const run = await runAlerts(db, runOptions(webhookConfig(receiver.url), '2026-01-14', null));
    expect(run.alerts).toBe(2);
    const alerts = await db.selectFrom('alerts').select(['alert_id', 'dedup_key', 'account_id']).where('kind', '=', 'risk').orderBy('alert_id').execute();
    const alertEvents = (await outboxRows(db)).filter((row) => row.event_type === 'alert.created');
    expect(alertEvents.map((row) => [row.endpoint_id, row.event_id])).toEqual(alerts.map((alert) => ['ops', expectedId('alert.created', alert.dedup_key)]));
    expect(await recordAlertsCreated(db, endpoints, '2026-01-14')).toBe(0);

    // A task done twice (Slack, then the API): one event.
    const task = await db.selectFrom('tasks').select('task_id').where('alert_id', '=', alerts[0]!.alert_id).orderBy('task_id').executeTakeFirstOrThrow();
    const now = new Date('2026-01-15T09:30:00Z');
    expect((await completeTaskOnce(db, { key: 'slack:1', by: 'UDANA', now }, task.task_id, 'called them', endpoints)).outcome).toBe('recorded');
    expect((await completeTaskOnce(db, { key: 'api:1', by: 'api:crm-sync', now }, task.task_id, null, endpoints)).outcome).toBe('recorded');
    const taskEvents = (await outboxRows(db)).filter((row) => row.event_type === 'task.completed');
    expect(taskEvents.map((row) => [row.endpoint_id, row.event_id])).toEqual([['ops', expectedId('task.completed', String(task.task_id))]]);
    expect(taskEvents[0]!.data).toMatchObject({ taskId: task.task_id, externalId: alerts[0]!.account_id === acme ? 'ACME-1' : 'BETA-2', completedBy: 'UDANA', note: 'called them' });

    // Renewals: announced by the transaction that writes them, not by one that does not; a corrected outcome is a new fact.
    const decided = { account_id: acme, renewal_date: '2026-03-01', outcome: 'renewed', arr_before_cents: 12_000_000, arr_after_cents: 12_000_000, decided_at: new Date('2026-02-20T10:00:00Z') };
    const inTransaction = (work: (trx: Kysely<DB>) => Promise<unknown>) => db.transaction().execute(async (trx) => {
      await work(trx);
      return recordRenewalsDecidedInTransaction(trx, endpoints);
    });
    expect(await inTransaction((trx) => trx.insertInto('renewals').values(decided).execute())).toBe(1);
    expect(await inTransaction(async () => undefined)).toBe(0);
    expect(await inTransaction((trx) => trx.updateTable('renewals').set({ outcome: 'downgraded', arr_after_cents: 9_000_000 }).where('account_id', '=', acme).execute())).toBe(1);
    const renewalEvents = (await outboxRows(db)).filter((row) => row.event_type === 'renewal.decided');
    expect(renewalEvents.map((row) => row.event_id)).toEqual([expectedId('renewal.decided', `${acme}:2026-03-01:renewed`), expectedId('renewal.decided', `${acme}:2026-03-01:downgraded`)]);

    // A stored forecast: one event, not about one account.
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('forecasts').values({ as_of: '2026-01-14', period: '2026-Q1', period_from: '2026-01-01', period_to: '2026-03-31', config_hash: 'cfg', figures: JSON.stringify({ expectedRenewedArrCents: 100 }) }).execute();
      expect(await recordForecastPublished(trx, endpoints, { asOf: '2026-01-14', period: '2026-Q1', scope: 'all' })).toBe(1);
    });
    const forecastEvent = (await outboxRows(db)).find((row) => row.event_type === 'forecast.published')!;
    expect([forecastEvent.event_id, forecastEvent.account_id]).toEqual([expectedId('forecast.published', '2026-01-14:2026-Q1:all'), null]);

    const counts = (await outboxRows(db)).reduce<Record<string, number>>((all, row) => ({ ...all, [row.endpoint_id]: (all[row.endpoint_id] ?? 0) + 1 }), {});
    expect(counts).toEqual({ ops: 3 + 2 + 1 + 2 + 1, crm: 3 });
  });

  it('records task.completed for a task completed through the REST API, once', async () => {
    const { db } = context();
    const endpoints = webhookConfig(receiver.url).config.webhooks;
    const world = await seedApiWorld(db);
    const token = await tokenFor(db, 'crm-sync', ['read', 'tasks:write']);
    const serverConfig = { ...webhookConfig(receiver.url).config.server, port: 0 };
    const server = await startServer({
      db, server: serverConfig, signingSecret: null, slack: null, renderer: createRenderer(), logger: silentLogger, now: () => NOW, webhooks: endpoints,
      api: ({ refresh }) => createApiHandler({ db, server: serverConfig, config: webhookConfig(receiver.url).config, logger: silentLogger, now: () => NOW, changed: refresh }),
    });
    try {
      const complete = () => fetch(`${server.url}/api/v1/tasks/${world.tasks.acmeCall}/complete`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"note":"called"}' });
      expect((await complete()).status).toBe(200);
      expect((await complete()).status).toBe(200);
    } finally {
      await server.close();
    }
    const rows = await outboxRows(db);
    expect(rows.map((row) => [row.endpoint_id, row.event_type, row.event_id])).toEqual([['ops', 'task.completed', expectedId('task.completed', String(world.tasks.acmeCall))]]);
    expect(rows[0]!.data).toMatchObject({ taskId: world.tasks.acmeCall, externalId: 'ACME-1', completedBy: 'api:crm-sync', note: 'called' });
  });

  it('delivers every event once, signed, in order per account, through resets, timeouts and 500s', async () => {
    const { db } = context();
    const endpoints = webhookConfig(receiver.url).config.webhooks;
    const tiers: Record<string, string[]> = { 'ACME-1': ['medium', 'high', 'medium', 'critical'], 'BETA-2': ['high', 'high', 'low', 'high'], 'GAMMA-3': ['low', 'medium', 'medium', 'high'] };
    const days = ['2026-01-11', '2026-01-12', '2026-01-13', '2026-01-14'];
    const ids: Record<string, number> = {};
    for (const external of Object.keys(tiers)) ids[external] = await addAccount(db, { externalId: external });
    for (const [index, day] of days.entries()) {
      for (const [external, list] of Object.entries(tiers)) await addScore(db, ids[external]!, day, 0.1 + index / 10, list[index]!, [DRIVERS.usage]);
      await recordTierChanges(db, endpoints, { asOf: day, modelVersion: MODEL });
    }
    // Changes: acme 4, beta 3 (high→high is none), gamma 3 → 10 events × 2 endpoints.
    const rows = await outboxRows(db);
    expect(rows).toHaveLength(20);

    receiver.script(['reset', 'hang', 'error500', 'ok', 'error500', 'ok', 'hang', 'ok', 'reset']);
    const summary = await deliver(db, endpoints);
    expect(summary).toEqual({ delivered: 20, retrying: 6, dead: 0, withoutSecret: [] });
    expect(receiver.requests).toHaveLength(26);
    expect(receiver.requests.every((request) => request.verified)).toBe(true);
    const nowSeconds = Date.now() / 1000;
    expect(receiver.requests.every((request) => Math.abs(request.timestamp - nowSeconds) < 120)).toBe(true);

    for (const path of ['/ops', '/crm']) {
      const endpointId = path.slice(1);
      const accepted = receiver.accepted(path);
      // Every event exactly once, under the id it was recorded with.
      expect(accepted.map((request) => request.id).sort()).toEqual(rows.filter((row) => row.endpoint_id === endpointId).map((row) => row.event_id).sort());
      // Per account, in the order the facts happened.
      for (const external of Object.keys(tiers)) {
        const seen = accepted.map((request) => bodyOf(request.body)).filter((body) => body.externalId === external).map((body) => body.asOf);
        const expected = days.filter((_, index) => index === 0 || tiers[external]![index] !== tiers[external]![index - 1]);
        expect(seen).toEqual(expected);
      }
    }
    // A failed attempt's event came again under the same id (the receiver's dedupe key).
    for (const failed of receiver.requests.filter((request) => request.behaviour !== 'ok')) {
      expect(receiver.accepted(failed.path).filter((request) => request.id === failed.id)).toHaveLength(1);
    }
    const stored = await outboxRows(db);
    expect(stored.every((row) => row.status === 'delivered' && row.delivered_at !== null)).toBe(true);
    expect(stored.reduce((sum, row) => sum + row.attempts, 0)).toBe(26);

    // The bodies: the standard envelope, and the crm preset's flat record.
    const acmeLast = (path: string) => receiver.accepted(path).find((request) => bodyOf(request.body).externalId === 'ACME-1' && bodyOf(request.body).asOf === '2026-01-14')!;
    expect(JSON.parse(acmeLast('/crm').body)).toEqual({ externalId: 'ACME-1', churnProbability: 0.4, tier: 'critical', topDrivers: [DRIVERS.usage.sentence], renewalDate: '2026-03-01', asOf: '2026-01-14' });
    const standard = JSON.parse(acmeLast('/ops').body) as { type: string; timestamp: string; data: Record<string, unknown> };
    expect([standard.type, standard.data.previousTier, standard.data.tier, Number.isNaN(Date.parse(standard.timestamp))]).toEqual(['tier.changed', 'medium', 'critical', false]);
  });

  it('dead-letters after maxAttempts, shows it in the status, and replays it', async () => {
    const { db } = context();
    const endpoints = webhookConfig(receiver.url, { maxAttempts: 3 }).config.webhooks;
    const acme = await addAccount(db, { externalId: 'ACME-1' });
    await addScore(db, acme, '2026-01-13', 0.3, 'medium');
    await recordTierChanges(db, endpoints, { asOf: '2026-01-13', modelVersion: MODEL });
    await addScore(db, acme, '2026-01-14', 0.6, 'high');
    await recordTierChanges(db, endpoints, { asOf: '2026-01-14', modelVersion: MODEL });

    receiver.script([], 'error500');
    expect(await deliver(db, endpoints)).toEqual({ delivered: 0, retrying: 8, dead: 4, withoutSecret: [] });
    // The account's first event used its three attempts before its second was tried.
    const opsIds = receiver.requests.filter((request) => request.path === '/ops').map((request) => request.id);
    const [first, second] = (await outboxRows(db)).filter((row) => row.endpoint_id === 'ops');
    expect(opsIds).toEqual([first!.event_id, first!.event_id, first!.event_id, second!.event_id, second!.event_id, second!.event_id]);

    const dead = await deadLetterSummary(db);
    expect(dead.count).toBe(4);
    expect([dead.latest?.status, dead.latest?.attempts, dead.latest?.lastStatus, dead.latest?.lastError]).toEqual(['dead', 3, 500, 'HTTP 500']);
    const status: RadarStatus = { prefix: 'radar', schedules: [], queues: [], days: [], ingestFailures: [], staleSources: [], deadWebhooks: dead };
    const lines = formatStatus(status, new Date());
    const at = lines.indexOf('webhooks:');
    expect(lines[at + 1]).toBe('  4 dead-lettered events (`radar webhooks list --dead`, `radar webhooks replay --all-dead`)');
    expect(lines[at + 2]).toBe(`  latest: #${dead.latest!.outboxId} tier.changed ${dead.latest!.eventId} to ${dead.latest!.endpointId} at ${dead.latest!.deadAt!.toISOString()} after 3 attempt(s): HTTP 500`);

    receiver.script([], 'ok');
    receiver.requests.length = 0;
    expect(await replayDead(db, { outboxId: first!.outbox_id }, new Date())).toBe(1);
    expect(await deliver(db, endpoints)).toEqual({ delivered: 1, retrying: 0, dead: 0, withoutSecret: [] });
    expect(await replayDead(db, 'all', new Date())).toBe(3);
    expect(await deliver(db, endpoints)).toEqual({ delivered: 3, retrying: 0, dead: 0, withoutSecret: [] });
    expect(receiver.requests.map((request) => request.id).sort()).toEqual((await outboxRows(db)).map((row) => row.event_id).sort());
    expect(await deadLetterSummary(db)).toEqual({ count: 0, latest: undefined });
    expect(await listOutbox(db, { status: 'dead' })).toEqual([]);
    expect(await replayDead(db, { eventId: first!.event_id }, new Date())).toBe(0);
  });

  it('never sends one event twice at once, with two deliverers running together', async () => {
    const { db } = context();
    const slow = await startReceiver({ delayMs: 150 });
    try {
      const endpoints = webhookConfig(slow.url, { timeoutMs: 10_000 }).config.webhooks.filter((endpoint) => endpoint.id === 'ops');
      for (const external of ['A-1', 'B-2', 'C-3']) {
        const id = await addAccount(db, { externalId: external });
        await addScore(db, id, '2026-01-13', 0.3, 'medium');
        await addScore(db, id, '2026-01-14', 0.6, 'high');
      }
      await recordTierChanges(db, endpoints, { asOf: '2026-01-13', modelVersion: MODEL });
      await recordTierChanges(db, endpoints, { asOf: '2026-01-14', modelVersion: MODEL });
      const [one, two] = await Promise.all([deliver(db, endpoints), deliver(db, endpoints)]);
      expect(one!.delivered + two!.delivered).toBe(6);
      expect(slow.requests).toHaveLength(6);
      expect(new Set(slow.requests.map((request) => request.id)).size).toBe(6);
      // Both deliverers did work at the same time, each on other events (the receiver saw requests overlap).
      const overlapping = slow.requests.some((a) => slow.requests.some((b) => a !== b && a.started < b.ended && b.started < a.ended));
      expect(overlapping).toBe(true);
    } finally {
      await slow.close();
    }
  });

  it("holds an account's later event back while an earlier one waits for its retry, without waiting itself", async () => {
    const { db } = context();
    const endpoints = webhookConfig(receiver.url).config.webhooks.filter((endpoint) => endpoint.id === 'ops');
    const acme = await addAccount(db, { externalId: 'ACME-1' });
    const beta = await addAccount(db, { externalId: 'BETA-2' });
    await addScore(db, acme, '2026-01-13', 0.3, 'medium');
    await recordTierChanges(db, endpoints, { asOf: '2026-01-13', modelVersion: MODEL });
    await addScore(db, acme, '2026-01-14', 0.6, 'high');
    await addScore(db, beta, '2026-01-14', 0.6, 'high');
    await recordTierChanges(db, endpoints, { asOf: '2026-01-14', modelVersion: MODEL });
    // acme's first event failed once and is due again in an hour.
    const [held] = await outboxRows(db);
    await db.updateTable('webhook_outbox').set({ attempts: 1, next_attempt_at: new Date(Date.now() + 3_600_000), last_error: 'HTTP 500' }).where('outbox_id', '=', held!.outbox_id).execute();
    const started = performance.now();
    expect(await deliver(db, endpoints, { waitMs: 0 })).toEqual({ delivered: 1, retrying: 0, dead: 0, withoutSecret: [] });
    expect(performance.now() - started).toBeLessThan(5000);
    expect(receiver.requests.map((request) => bodyOf(request.body).externalId)).toEqual(['BETA-2']);
    expect((await outboxRows(db)).map((row) => [bodyOf(JSON.stringify({ data: row.data })).externalId, row.status])).toEqual([
      ['ACME-1', 'pending'],
      ['ACME-1', 'pending'],
      ['BETA-2', 'delivered'],
    ]);
  });

  it('leaves the events of an endpoint without its secret in the outbox', async () => {
    const { db } = context();
    const endpoints = webhookConfig(receiver.url).config.webhooks;
    const acme = await addAccount(db, { externalId: 'ACME-1' });
    await addScore(db, acme, '2026-01-14', 0.6, 'high');
    await recordTierChanges(db, endpoints, { asOf: '2026-01-14', modelVersion: MODEL });
    const summary = await deliver(db, endpoints, { secret: (name) => (name === 'WH_OPS_SECRET' ? SECRETS[name] : undefined) });
    // A malformed secret is skipped the same way.
    expect(await deliver(db, endpoints, { secret: (name) => (name === 'WH_OPS_SECRET' ? SECRETS[name] : 'whsec_short') })).toEqual({ delivered: 0, retrying: 0, dead: 0, withoutSecret: ['crm'] });
    expect(summary).toEqual({ delivered: 1, retrying: 0, dead: 0, withoutSecret: ['crm'] });
    expect((await outboxRows(db)).map((row) => [row.endpoint_id, row.status, row.attempts])).toEqual([['crm', 'pending', 0], ['ops', 'delivered', 1]]);
  });
});
