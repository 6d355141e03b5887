// The REST API over real HTTP (node fetch) against `radar serve` on 127.0.0.1, on both backends:
// auth (missing, wrong, revoked, wrong scope), point-in-time reads, keyset pagination stable under
// inserts, ETags, problem+json errors, the rate limit, and writes idempotent like the Slack buttons.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeToken } from '../pipelines/api/tokens.ts';
import { createRateLimiter } from '../pipelines/api/rate-limit.ts';
import { addAccount, addScore, DRIVERS } from './alerts-fixtures.ts';
import { addAlert, NOW, seedApiWorld, startApiServer, tokenFor, type ApiServer, type ApiWorld } from './api-fixtures.ts';
import { describeEachBackend } from './support/database.ts';

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
type Row = Record<string, unknown>;

describe('the rate limiter', () => {
  it('lets a burst through, then one request per refill interval, and says how long to wait', () => {
    // 60 a minute = one a second; a bucket of 2.
    const limiter = createRateLimiter({ perMinute: 60, burst: 2 });
    expect([limiter.take(1, 0), limiter.take(1, 0), limiter.take(1, 0)]).toEqual([0, 0, 1]);
    expect(limiter.take(2, 0)).toBe(0); // another token has its own bucket
    expect(limiter.take(1, 500)).toBe(1); // half a token refilled: wait ceil(0.5 s)
    expect(limiter.take(1, 1000)).toBe(0);
  });
});

describeEachBackend('REST API', (context) => {
  let api: ApiServer;
  let world: ApiWorld;
  let reader = '';
  let writer = '';
  let revoked = '';

  beforeAll(async () => {
    const { db } = context();
    world = await seedApiWorld(db);
    reader = await tokenFor(db, 'dashboard', ['read']);
    writer = await tokenFor(db, 'crm-sync', ['read', 'tasks:write', 'alerts:write']);
    revoked = await tokenFor(db, 'old-sync', ['read']);
    await revokeToken(db, 'old-sync', NOW);
    api = await startApiServer(db);
  });
  afterAll(async () => {
    await api?.server.close();
  });

  const json = async <T = Row>(response: Response): Promise<T> => (await response.json()) as T;

  it('answers /healthz and /readyz (database reachable, no migration pending)', async () => {
    expect((await api.call('/healthz', null)).status).toBe(200);
    const ready = await api.call('/readyz', null);
    expect(ready.status).toBe(200);
    const body = await json<{ ok: boolean; database: boolean; migrations: { expected: number; applied: number; pending: string[] } }>(ready);
    expect(body.ok).toBe(true);
    expect(body.migrations.pending).toEqual([]);
    expect(body.migrations.applied).toBe(body.migrations.expected);
  });

  it('401 without a token, with a wrong one and with a revoked one; 403 without the scope — as problem+json', async () => {
    const missing = await api.call('/api/v1/accounts', null);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await json(missing)).toMatchObject({ type: 'urn:radar:problem:unauthorized', status: 401, instance: '/api/v1/accounts' });

    const wrong = await api.call('/api/v1/accounts', `${writer.slice(0, -2)}xx`);
    expect(wrong.status).toBe(401);
    expect((await json(wrong)).detail).toBe('unknown token');

    const old = await api.call('/api/v1/accounts', revoked);
    expect(old.status).toBe(401);
    expect((await json(old)).detail).toBe('token "old-sync" was revoked');

    const forbidden = await api.call(`/api/v1/tasks/${world.tasks.betaCall}/complete`, reader, { body: {} });
    expect(forbidden.status).toBe(403);
    expect((await json(forbidden)).detail).toBe('token "dashboard" lacks the "tasks:write" scope (it has: read)');
    // The refused write changed nothing.
    const task = await json(await api.call(`/api/v1/tasks/${world.tasks.betaCall}`, reader));
    expect(task.status).toBe('open');
  });

  it('logs every request with the token name and never the token', async () => {
    await api.call('/api/v1/accounts?limit=1', reader);
    const lines = api.logLines.filter((line) => line.includes('"api_request"')).map((line) => JSON.parse(line) as Row);
    expect(lines.some((line) => line.tokenName === 'dashboard' && line.status === 200 && line.path === '/api/v1/accounts')).toBe(true);
    expect(lines.some((line) => line.tokenName === null && line.status === 401)).toBe(true);
    const all = api.logLines.join('');
    for (const secret of [reader, writer, revoked]) expect(all).not.toContain(secret.slice(3));
  });

  it('lists accounts with the latest score, drivers and indicator values, and as of a day', async () => {
    const latest = await json<Page<Row>>(await api.call('/api/v1/accounts', reader));
    expect(latest.items.map((item) => item.id)).toEqual(['ACME-1', 'BETA-2', 'GAMMA-3']);
    expect(latest.nextCursor).toBeNull();
    const acme = latest.items[0]!;
    expect(acme).toMatchObject({ name: 'Acme Logistics', csmEmail: 'dana@vendor.example', arrCents: 12_000_000, currency: 'USD' });
    expect(acme.score).toEqual({ asOf: '2026-01-14', probability: 0.72, tier: 'high', modelVersion: 'm-2026-01', drivers: [DRIVERS.usage, DRIVERS.protective] });
    expect(acme.indicators).toEqual([
      { indicator: 'paymentDelay', value: 3, flag: 'ok' },
      { indicator: 'usageDecline', value: 0.45, flag: 'critical' },
    ]);
    expect(latest.items[2]).toMatchObject({ id: 'GAMMA-3', score: null, indicators: [] });

    const asOf = await json<Page<Row>>(await api.call('/api/v1/accounts?asOf=2026-01-12', reader));
    expect(asOf.items[0]).toMatchObject({ score: { asOf: '2026-01-10', probability: 0.31, tier: 'medium' }, indicators: [{ indicator: 'usageDecline', value: 0.12, flag: 'ok' }] });
    expect(asOf.items[1]!.score).toBeNull(); // beta's first score is from the 14th

    const filtered = await json<Page<Row>>(await api.call('/api/v1/accounts?tier=high&csm=dana@vendor.example', reader));
    expect(filtered.items.map((item) => item.id)).toEqual(['ACME-1']);
  });

  it('as of a day, a later score changes nothing', async () => {
    const { db } = context();
    const before = await (await api.call('/api/v1/accounts/ACME-1?asOf=2026-01-12', reader)).text();
    await addScore(db, world.ids.acme, '2026-01-11', 0.9, 'critical');
    await addScore(db, world.ids.acme, '2026-01-20', 0.95, 'critical');
    try {
      expect(await (await api.call('/api/v1/accounts/ACME-1?asOf=2026-01-10', reader)).text()).toBe(before);
      expect(await json(await api.call('/api/v1/accounts/ACME-1?asOf=2026-01-12', reader))).toMatchObject({ score: { asOf: '2026-01-11', tier: 'critical' } });
    } finally {
      await db.deleteFrom('risk_scores').where('account_id', '=', world.ids.acme).where('as_of', 'in', ['2026-01-11', '2026-01-20']).execute();
    }
    expect(await (await api.call('/api/v1/accounts/ACME-1?asOf=2026-01-12', reader)).text()).toBe(before);
  });

  it("serves one account's history between two days", async () => {
    const history = await json(await api.call('/api/v1/accounts/ACME-1/history?from=2026-01-01&to=2026-01-31', reader));
    expect(history.scores).toEqual([
      { asOf: '2026-01-10', probability: 0.31, tier: 'medium', modelVersion: 'm-2026-01', drivers: [DRIVERS.payment] },
      { asOf: '2026-01-14', probability: 0.72, tier: 'high', modelVersion: 'm-2026-01', drivers: [DRIVERS.usage, DRIVERS.protective] },
    ]);
    expect(history.indicators).toEqual([
      { asOf: '2026-01-10', indicator: 'usageDecline', value: 0.12, flag: 'ok' },
      { asOf: '2026-01-14', indicator: 'paymentDelay', value: 3, flag: 'ok' },
      { asOf: '2026-01-14', indicator: 'usageDecline', value: 0.45, flag: 'critical' },
    ]);
    const narrow = await json(await api.call('/api/v1/accounts/ACME-1/history?from=2026-01-11', reader));
    expect((narrow.scores as Row[]).map((score) => score.asOf)).toEqual(['2026-01-14']);
    const missing = await api.call('/api/v1/accounts/NOPE-9/history', reader);
    expect(missing.status).toBe(404);
    expect(await json(missing)).toMatchObject({ type: 'urn:radar:problem:not-found', detail: 'account "NOPE-9" does not exist' });
  });

  it('pages accounts by cursor without repeats or gaps while accounts are inserted', async () => {
    const { db } = context();
    const first = await json<Page<Row>>(await api.call('/api/v1/accounts?limit=2', reader));
    expect(first.items.map((item) => item.id)).toEqual(['ACME-1', 'BETA-2']);
    expect(first.nextCursor).toEqual(expect.any(String));
    const added = await addAccount(db, { externalId: 'AAA-0', name: 'Aardvark' }); // sorts first by name, lands last by id
    try {
      const second = await json<Page<Row>>(await api.call(`/api/v1/accounts?limit=2&cursor=${first.nextCursor}`, reader));
      expect(second.items.map((item) => item.id)).toEqual(['GAMMA-3', 'AAA-0']);
      expect(second.nextCursor).toBeNull();
    } finally {
      await db.deleteFrom('accounts').where('account_id', '=', added).execute();
    }
  });

  it('pages alerts newest first; a new alert does not shift later pages', async () => {
    const { db } = context();
    const first = await json<Page<Row>>(await api.call('/api/v1/alerts?limit=1', reader));
    expect(first.items.map((item) => item.id)).toEqual([world.alerts.beta]);
    const added = await addAlert(db, world.ids.gamma, 'risk:GAMMA-3:2026-01-15:critical', 'critical', 0.81, '2026-01-15');
    try {
      const second = await json<Page<Row>>(await api.call(`/api/v1/alerts?limit=1&cursor=${first.nextCursor}`, reader));
      expect(second.items.map((item) => item.id)).toEqual([world.alerts.acme]);
      expect(second.items[0]).toMatchObject({ account: 'ACME-1', tier: 'high', probability: 0.72, status: 'dry_run', notRisk: null });
      expect((await json<Page<Row>>(await api.call('/api/v1/alerts?tier=critical', reader))).items.map((item) => item.id)).toEqual([added]);
    } finally {
      await db.deleteFrom('alerts').where('alert_id', '=', added).execute();
    }
  });

  it('filters tasks by CSM, tier and status', async () => {
    const lee = await json<Page<Row>>(await api.call('/api/v1/tasks?csm=lee@vendor.example', reader));
    expect(lee.items.map((item) => item.id)).toEqual([world.tasks.betaCall]);
    expect(lee.items[0]).toMatchObject({ account: 'BETA-2', tier: 'high', step: 'Call the sponsor', dueOn: '2026-01-18', status: 'open', completedAt: null });
    const dana = await json<Page<Row>>(await api.call('/api/v1/tasks?csm=DANA@vendor.example&status=open', reader));
    expect(dana.items.map((item) => item.id)).toEqual([world.tasks.acmeCall, world.tasks.acmeReview]);
    expect((await json<Page<Row>>(await api.call('/api/v1/tasks?tier=low', reader))).items).toEqual([]);
  });

  it('answers If-None-Match with 304 while the page is unchanged, and a new ETag after a change', async () => {
    const first = await api.call('/api/v1/tasks?status=open', reader);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]{27}"$/);
    const again = await api.call('/api/v1/tasks?status=open', reader, { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    await api.call(`/api/v1/tasks/${world.tasks.acmeReview}/complete`, writer, { body: { note: 'usage reviewed with the sponsor' } });
    const changed = await api.call('/api/v1/tasks?status=open', reader, { headers: { 'if-none-match': etag! } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect((await json<Page<Row>>(changed)).items.map((item) => item.id)).toEqual([world.tasks.acmeCall, world.tasks.betaCall]);
  });

  it('refuses bad input with problem+json naming the field, and unknown routes and methods', async () => {
    const zero = await api.call('/api/v1/accounts?limit=0', reader);
    expect(zero.status).toBe(400);
    const body = await json<{ errors: { path: string }[]; detail: string }>(zero);
    expect(body.errors.map((error) => error.path)).toEqual(['query.limit']);
    const day = await api.call('/api/v1/accounts?asOf=2026-13-45', reader);
    expect((await json<{ errors: { path: string }[] }>(day)).errors.map((error) => error.path)).toEqual(['query.asOf']);
    const unknown = await api.call('/api/v1/accounts?colour=red', reader);
    expect(unknown.status).toBe(400);
    const cursor = await api.call('/api/v1/accounts?cursor=bm9wZQ', reader);
    expect(cursor.status).toBe(400);
    expect((await json(cursor)).detail).toMatch(/^cursor is not one this API issued/);
    const reason = await api.call(`/api/v1/alerts/${world.alerts.beta}/not-a-risk`, writer, { body: { reason: 'bored' } });
    expect(reason.status).toBe(400);
    expect((await json<{ errors: { path: string }[] }>(reason)).errors.map((error) => error.path)).toEqual(['body.reason']);
    const notJson = await api.call(`/api/v1/alerts/${world.alerts.beta}/snooze`, writer, { method: 'POST', headers: { 'content-type': 'application/json' }, body: undefined });
    expect(notJson.status).toBe(200); // an empty body is {}
    const broken = await fetch(`${api.server.url}/api/v1/tasks/${world.tasks.betaCall}/complete`, { method: 'POST', headers: { authorization: `Bearer ${writer}` }, body: '{"note":' });
    expect(broken.status).toBe(400);
    expect((await json(broken)).detail).toBe('the body is not JSON');
    expect((await api.call('/api/v1/nothing', reader)).status).toBe(404);
    const method = await api.call('/api/v1/accounts', reader, { method: 'DELETE' });
    expect(method.status).toBe(405);
    expect(method.headers.get('allow')).toBe('GET');
    expect((await api.call('/api/v1/tasks/999999', reader)).status).toBe(404);
    expect((await api.call('/api/v1/tasks/abc', reader)).status).toBe(400);
    // No Slack endpoints with --api-only.
    expect((await fetch(`${api.server.url}/slack/actions`, { method: 'POST' })).status).toBe(404);
  });

  it('completes a task once: the second call changes nothing, like a second Slack click', async () => {
    const { db } = context();
    const interactions = async () => Number((await db.selectFrom('slack_interactions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const before = await interactions();
    const path = `/api/v1/tasks/${world.tasks.acmeCall}/complete`;
    const first = await json<{ task: Row; changed: boolean }>(await api.call(path, writer, { body: { note: 'spoke to the CFO' } }));
    expect(first.changed).toBe(true);
    expect(first.task).toMatchObject({ status: 'done', completedBy: 'api:crm-sync', completedAt: NOW.toISOString(), note: 'spoke to the CFO' });
    const second = await json<{ task: Row; changed: boolean }>(await api.call(path, writer, { body: { note: 'again' } }));
    expect(second).toEqual({ task: first.task, changed: false });
    expect(await interactions()).toBe(before + 1);
  });

  it('snoozes an alert and its open tasks for 7 days, once a day', async () => {
    const path = `/api/v1/alerts/${world.alerts.beta}/snooze`;
    const first = await json<{ alert: Row; changed: boolean }>(await api.call(path, writer, { body: {} }));
    // The earlier empty-body call in the bad-input test already snoozed it today.
    expect(first.changed).toBe(false);
    expect(first.alert.snoozedUntil).toBe('2026-01-22');
    const task = await json(await api.call(`/api/v1/tasks/${world.tasks.betaCall}`, reader));
    expect(task).toMatchObject({ status: 'snoozed', snoozedUntil: '2026-01-22' });
  });

  it('marks an alert not a risk with a reason; the first verdict stands', async () => {
    const path = `/api/v1/alerts/${world.alerts.acme}/not-a-risk`;
    const first = await json<{ alert: Row; changed: boolean }>(await api.call(path, writer, { body: { reason: 'already_handled', note: '  renewal signed early  ' } }));
    expect(first.changed).toBe(true);
    expect(first.alert.notRisk).toEqual({ reason: 'already_handled', note: 'renewal signed early', by: 'api:crm-sync', at: NOW.toISOString() });
    const second = await json<{ alert: Row; changed: boolean }>(await api.call(path, writer, { body: { reason: 'data_wrong' } }));
    expect(second.changed).toBe(false);
    expect((second.alert.notRisk as Row).reason).toBe('already_handled');
    const alerts = await json<Page<Row>>(await api.call('/api/v1/alerts', reader));
    expect(alerts.items.find((item) => item.id === world.alerts.acme)!.notRisk).toEqual(first.alert.notRisk);
  });

  it('answers 429 with Retry-After past the per-token rate, other tokens unaffected', async () => {
    const { db } = context();
    // One request a minute, a burst of 2: the third is refused for ceil(1 / (1/60 000 ms)) = 60 s.
    const small = await startApiServer(db, { rateLimitPerMinute: 1, burst: 2 });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i += 1) statuses.push(await small.call('/api/v1/alerts?limit=1', reader));
      expect(statuses.map((response) => response.status)).toEqual([200, 200, 429]);
      expect(statuses[2]!.headers.get('retry-after')).toBe('60');
      expect(await json(statuses[2]!)).toMatchObject({ type: 'urn:radar:problem:rate-limited', status: 429 });
      expect((await small.call('/api/v1/alerts?limit=1', writer)).status).toBe(200);
    } finally {
      await small.server.close();
    }
  });
});
