// Fixtures for the REST API tests: three accounts with scores on two days, indicator values, risk
// alerts with tasks, and a running `radar serve` with the API mounted (port 0, real HTTP).
import { Writable } from 'node:stream';
import type { Kysely } from 'kysely';
import { createRenderer } from '../alerts/render.ts';
import { startServer, type RadarServer } from '../alerts/serve/server.ts';
import { createApiHandler } from '../pipelines/api/handler.ts';
import { createToken } from '../pipelines/api/tokens.ts';
import type { Scope } from '../pipelines/api/schemas.ts';
import { createLogger } from '../pipelines/log.ts';
import type { DB } from '../sql/schema.ts';
import { addAccount, addScore, DRIVERS, resetAlertTables, testConfig } from './alerts-fixtures.ts';

/** The API's clock in these tests: snoozes end 7 days after 2026-01-15. */
export const NOW = new Date('2026-01-15T12:00:00Z');

export interface ApiWorld {
  readonly ids: Record<'acme' | 'beta' | 'gamma', number>;
  readonly alerts: Record<'acme' | 'beta', number>;
  readonly tasks: Record<'acmeCall' | 'acmeReview' | 'betaCall', number>;
}

export async function addAlert(db: Kysely<DB>, accountId: number, key: string, tier: string, probability: number, asOf = '2026-01-14'): Promise<number> {
  const row = await db
    .insertInto('alerts')
    .values({ dedup_key: key, kind: 'risk', account_id: accountId, as_of: asOf, tier, probability, model_version: 'm-2026-01', status: 'dry_run', recipient: 'dana@vendor.example' })
    .returning('alert_id')
    .executeTakeFirstOrThrow();
  return row.alert_id;
}

async function addTask(db: Kysely<DB>, alertId: number, accountId: number, step: string, owner: string, dueOn: string): Promise<number> {
  const row = await db
    .insertInto('tasks')
    .values({ alert_id: alertId, account_id: accountId, playbook: 'usage-recovery', step, owner_role: 'csm', owner, due_on: dueOn })
    .returning('task_id')
    .executeTakeFirstOrThrow();
  return row.task_id;
}

/**
 * acme (Dana): scored 0.31 medium on 2026-01-10, 0.72 high on 2026-01-14, with usageDecline indicator
 * values on both days; beta (Lee): 0.55 high on 2026-01-14; gamma (Dana): never scored.
 */
export async function seedApiWorld(db: Kysely<DB>): Promise<ApiWorld> {
  await db.deleteFrom('api_tokens').execute();
  await db.deleteFrom('slack_interactions').execute();
  await db.deleteFrom('indicator_values').execute();
  await resetAlertTables(db);
  const acme = await addAccount(db, { externalId: 'ACME-1', name: 'Acme Logistics', csmEmail: 'dana@vendor.example' });
  const beta = await addAccount(db, { externalId: 'BETA-2', name: 'Beta Foods', csmEmail: 'lee@vendor.example', arrCents: 4_800_000 });
  const gamma = await addAccount(db, { externalId: 'GAMMA-3', name: 'Gamma & Sons', csmEmail: 'dana@vendor.example' });
  await addScore(db, acme, '2026-01-10', 0.31, 'medium', [DRIVERS.payment]);
  await addScore(db, acme, '2026-01-14', 0.72, 'high', [DRIVERS.usage, DRIVERS.protective]);
  await addScore(db, beta, '2026-01-14', 0.55, 'high', [DRIVERS.payment]);
  await db
    .insertInto('indicator_values')
    .values([
      { account_id: acme, as_of: '2026-01-10', indicator: 'usageDecline', value: 0.12, flag: 'ok' },
      { account_id: acme, as_of: '2026-01-14', indicator: 'usageDecline', value: 0.45, flag: 'critical' },
      { account_id: acme, as_of: '2026-01-14', indicator: 'paymentDelay', value: 3, flag: 'ok' },
    ])
    .execute();
  const acmeAlert = await addAlert(db, acme, 'risk:ACME-1:2026-01-14:high', 'high', 0.72);
  const betaAlert = await addAlert(db, beta, 'risk:BETA-2:2026-01-14:high', 'high', 0.55);
  return {
    ids: { acme, beta, gamma },
    alerts: { acme: acmeAlert, beta: betaAlert },
    tasks: {
      acmeCall: await addTask(db, acmeAlert, acme, 'Call the sponsor', 'dana@vendor.example', '2026-01-17'),
      acmeReview: await addTask(db, acmeAlert, acme, 'Review usage', 'dana@vendor.example', '2026-01-20'),
      betaCall: await addTask(db, betaAlert, beta, 'Call the sponsor', 'lee@vendor.example', '2026-01-18'),
    },
  };
}

export interface ApiServer {
  readonly server: RadarServer;
  readonly logLines: string[];
  /** GET or POST with a bearer token (none when token is null). */
  call(path: string, token: string | null, init?: { method?: string; body?: unknown; headers?: Record<string, string> }): Promise<Response>;
}

export async function startApiServer(db: Kysely<DB>, api: Partial<{ rateLimitPerMinute: number; burst: number; maxPageSize: number }> = {}): Promise<ApiServer> {
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logLines.push(chunk.toString('utf8'));
      callback();
    },
  });
  const logger = createLogger({ level: 'info', destination: sink });
  const config = testConfig().config.server;
  const serverConfig = { ...config, port: 0, host: '127.0.0.1', api: { ...config.api, ...api } };
  const server = await startServer({
    db,
    server: serverConfig,
    signingSecret: null,
    slack: null,
    renderer: createRenderer(),
    logger,
    now: () => NOW,
    api: ({ refresh }) => createApiHandler({ db, server: serverConfig, logger, now: () => NOW, changed: refresh }),
  });
  return {
    server,
    logLines,
    call(path, token, init = {}) {
      const headers: Record<string, string> = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers };
      return fetch(`${server.url}${path}`, { method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'), headers, ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
    },
  };
}

export async function tokenFor(db: Kysely<DB>, name: string, scopes: readonly Scope[]): Promise<string> {
  return (await createToken(db, { name, scopes, now: NOW })).token;
}
