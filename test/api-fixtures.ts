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
import { recordOutcomes } from '../sql/alerts.ts';
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
  const radarConfig = testConfig().config;
  const config = radarConfig.server;
  const serverConfig = { ...config, port: 0, host: '127.0.0.1', api: { ...config.api, ...api } };
  const server = await startServer({
    db,
    server: serverConfig,
    signingSecret: null,
    slack: null,
    renderer: createRenderer(),
    logger,
    now: () => NOW,
    api: ({ refresh }) => createApiHandler({ db, server: serverConfig, config: radarConfig, logger, now: () => NOW, changed: refresh }),
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

/**
 * Decided renewals behind /api/v1/outcomes and /save-rate, linked by the real `radar outcomes` step
 * (recordOutcomes), on top of seedApiWorld (whose alerts have no renewal and stay unlinked):
 *   O1 alerted (medium 01-05, high 01-12; 2 tasks, 1 done) renewed   2026-01-20
 *   O2 alerted critical                                   churned   2026-02-10
 *   O3 alerted medium                                     expanded  2026-04-15
 *   O4 holdout high                                       churned   2026-01-25
 *   O5 holdout medium                                     renewed   2026-02-05
 *   O6 alerted high                                       downgraded 2026-02-20
 *   O7 alert failed (never delivered)                     renewed   2026-01-22 — not a case
 */
export async function seedOutcomes(db: Kysely<DB>): Promise<Record<'O1' | 'O2' | 'O3' | 'O4' | 'O5' | 'O6' | 'O7', number>> {
  const plan = [
    ['O1', [['2026-01-05', 'medium'], ['2026-01-12', 'high']], 'alerted', 'renewed', '2026-01-20', 'lee@vendor.example'],
    ['O2', [['2026-01-20', 'critical']], 'alerted', 'churned', '2026-02-10', 'dana@vendor.example'],
    ['O3', [['2026-03-01', 'medium']], 'alerted', 'expanded', '2026-04-15', 'dana@vendor.example'],
    ['O4', [['2026-01-02', 'high']], 'holdout', 'churned', '2026-01-25', 'dana@vendor.example'],
    ['O5', [['2026-01-10', 'medium']], 'holdout', 'renewed', '2026-02-05', 'dana@vendor.example'],
    ['O6', [['2026-01-30', 'high']], 'alerted', 'downgraded', '2026-02-20', 'dana@vendor.example'],
    ['O7', [['2026-01-03', 'high']], 'failed', 'renewed', '2026-01-22', 'dana@vendor.example'],
  ] as const;
  const renewals: Record<string, number> = {};
  for (const [name, alerts, group, outcome, decided, csm] of plan) {
    const accountId = await addAccount(db, { externalId: name, name: `${name} Ltd`, csmEmail: csm, arrCents: 1_000_000 });
    for (const [asOf, tier] of alerts) {
      const alertId = await addAlert(db, accountId, `risk:${name}:${asOf}`, tier, 0.5, asOf);
      if (group !== 'alerted') await db.updateTable('alerts').set(group === 'holdout' ? { status: 'holdout', is_holdout: true } : { status: 'failed' }).where('alert_id', '=', alertId).execute();
      if (name === 'O1' && tier === 'high') {
        const done = await addTask(db, alertId, accountId, 'Call the sponsor', csm, '2026-01-14');
        await addTask(db, alertId, accountId, 'Review usage', csm, '2026-01-16');
        await db.updateTable('tasks').set({ status: 'done', completed_at: new Date('2026-01-13T10:00:00Z'), completed_by: 'ULEE' }).where('task_id', '=', done).execute();
      }
    }
    const arrAfter = outcome === 'churned' ? 0 : outcome === 'downgraded' ? 600_000 : outcome === 'expanded' ? 1_500_000 : 1_000_000;
    const row = await db
      .insertInto('renewals')
      .values({ account_id: accountId, renewal_date: decided, outcome, arr_before_cents: 1_000_000, arr_after_cents: arrAfter, decided_at: new Date(`${decided}T15:00:00Z`) })
      .returning('renewal_id')
      .executeTakeFirstOrThrow();
    renewals[name] = row.renewal_id;
  }
  await recordOutcomes(db, new Date('2026-06-01T00:00:00Z'), NOW);
  return renewals as Record<'O1' | 'O2' | 'O3' | 'O4' | 'O5' | 'O6' | 'O7', number>;
}
