// Every route of /api/v1, declared once: method, path, scope, the zod schemas of its query, path
// parameters, body and response, and its handler. The HTTP layer (handler.ts) validates with these
// schemas and openapi.ts documents from them, so the document cannot drift from what is served.
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import { completeTaskOnce, markNotRiskOnce, snoozeAlertOnce } from '../../alerts/serve/act.ts';
import { dayOf } from '../../alerts/dates.ts';
import type { OutcomeReport } from '../../alerts/outcomes.ts';
import { accountIdByExternalId, apiAccountHistory, apiAccounts, apiAlerts, apiTasks, type ApiAccountRow, type ApiAlertRow, type ApiTaskRow, type ApiTokenRow } from '../../sql/api.ts';
import { outcomeCases, type OutcomeCaseRow } from '../../sql/api-outcomes.ts';
import type { DB } from '../../sql/schema.ts';
import type { RadarConfig } from '../../config/schema.ts';
import { saveRates, type SaveRateInterval } from './save-rate.ts';
import type { WebhookSubscriber } from '../../sql/webhooks.ts';
import * as s from './schemas.ts';

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail: string,
    readonly errors?: readonly { path: string; message: string }[],
  ) {
    super(detail);
  }
}

export interface RouteContext<Q, P, B> {
  readonly query: Q;
  readonly params: P;
  readonly body: B;
  readonly db: Kysely<DB>;
  readonly config: RadarConfig;
  readonly now: Date;
  readonly token: ApiTokenRow;
  readonly maxPageSize: number;
  /** Tells the server an alert changed, so its Slack message is re-rendered (after the answer). */
  readonly changed: (alertId: number) => void;
  /** Webhook endpoints (config `webhooks`) a completed task is announced to. */
  readonly webhooks: readonly WebhookSubscriber[];
}

export interface Route {
  readonly method: 'GET' | 'POST';
  /** OpenAPI style: /api/v1/accounts/{id}. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly scope: s.Scope;
  readonly query: z.ZodType;
  readonly params: z.ZodType;
  readonly body: z.ZodType | null;
  readonly response: z.ZodType;
  /** List pages answer If-None-Match with 304. */
  readonly etag: boolean;
  handle(context: RouteContext<unknown, unknown, unknown>): Promise<unknown>;
}

const noQuery = s.accountQuery.pick({});
const noParams = s.accountParams.pick({});

function route<Q extends z.ZodType = typeof noQuery, P extends z.ZodType = typeof noParams, B extends z.ZodType | null = null, R extends z.ZodType = z.ZodType>(definition: {
  method: 'GET' | 'POST';
  path: string;
  operationId: string;
  summary: string;
  scope: s.Scope;
  query?: Q;
  params?: P;
  body?: B;
  response: R;
  etag?: boolean;
  handle(context: RouteContext<z.output<Q>, z.output<P>, B extends z.ZodType ? z.output<B> : undefined>): Promise<z.input<R>>;
}): Route {
  return {
    ...definition,
    query: definition.query ?? noQuery,
    params: definition.params ?? noParams,
    body: definition.body ?? null,
    etag: definition.etag ?? false,
    handle: definition.handle as Route['handle'],
  };
}

// ---- Cursors: the last id of the page, opaque to clients ------------------------------------

export function encodeCursor(id: number): string {
  return Buffer.from(`v1.${id}`).toString('base64url');
}

function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const match = /^v1\.(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new ApiProblem(400, 'invalid-request', 'Invalid request', 'cursor is not one this API issued: pass nextCursor from the previous page unchanged', [{ path: 'query.cursor', message: 'unknown cursor' }]);
  return Number(match[1]);
}

const pageSize = (requested: number | undefined, max: number) => Math.min(requested ?? 50, max);

/**
 * One keyset page of a list route: fetches one row more than the page holds (to know whether a next page
 * exists), keeps the page's rows and encodes the last one's id as the next cursor.
 */
async function keysetPage<T, U>(
  query: { readonly limit?: number | undefined; readonly cursor?: string | undefined },
  maxPageSize: number,
  fetch: (after: number | undefined, limit: number) => Promise<readonly T[]>,
  idOf: (row: T) => number,
  toItem: (row: T) => U,
): Promise<{ items: U[]; nextCursor: string | null }> {
  const size = pageSize(query.limit, maxPageSize);
  const rows = await fetch(decodeCursor(query.cursor), size + 1);
  if (rows.length <= size) return { items: rows.map(toItem), nextCursor: null };
  const kept = rows.slice(0, size);
  return { items: kept.map(toItem), nextCursor: encodeCursor(idOf(kept.at(-1)!)) };
}

// ---- Row → response --------------------------------------------------------------------------

const iso = (value: Date | null) => (value ? value.toISOString() : null);

function account(row: ApiAccountRow): z.input<typeof s.accountSchema> {
  return {
    id: row.externalId, name: row.name, segment: row.segment, arrCents: row.arrCents, currency: row.currency, csmEmail: row.csmEmail,
    renewalDate: row.renewalDate, status: row.status,
    score: row.score as z.input<typeof s.scoreSchema> | null,
    indicators: [...row.indicators],
  };
}

function alert(row: ApiAlertRow): z.input<typeof s.alertSchema> {
  return {
    id: row.alertId, account: row.account, asOf: row.asOf, tier: row.tier as z.input<typeof s.alertSchema>['tier'], probability: row.probability,
    modelVersion: row.modelVersion, status: row.status, recipient: row.recipient, createdAt: row.createdAt.toISOString(), sentAt: iso(row.sentAt),
    snoozedUntil: row.snoozedUntil, outcome: row.outcome,
    notRisk: row.notRisk ? { reason: row.notRisk.reason, note: row.notRisk.note, by: row.notRisk.by, at: row.notRisk.at.toISOString() } : null,
  };
}

function task(row: ApiTaskRow): z.input<typeof s.taskSchema> {
  return {
    id: row.taskId, alertId: row.alertId, account: row.account, tier: row.tier as z.input<typeof s.taskSchema>['tier'], playbook: row.playbook, step: row.step,
    ownerRole: row.ownerRole, owner: row.owner, dueOn: row.dueOn, status: row.status as z.input<typeof s.taskSchema>['status'], snoozedUntil: row.snoozedUntil,
    note: row.note, completedAt: iso(row.completedAt), completedBy: row.completedBy,
  };
}

function outcome(row: OutcomeCaseRow): z.input<typeof s.outcomeSchema> {
  return {
    renewalId: row.renewalId, account: row.externalId, accountName: row.name, segment: row.segment, csmEmail: row.csmEmail, renewalDate: row.renewalDate,
    decidedAt: row.decidedAt.toISOString(), renewalOutcome: row.renewalOutcome as z.input<typeof s.outcomeSchema>['renewalOutcome'],
    outcome: row.outcome as z.input<typeof s.outcomeSchema>['outcome'], group: row.holdout ? 'holdout' : 'alerted', tier: row.tier as z.input<typeof s.outcomeSchema>['tier'],
    arrBeforeCents: row.arrBeforeCents, arrAfterCents: row.arrAfterCents, alerts: row.alerts, firstAlertOn: row.firstAlertOn, tasks: { total: row.tasksTotal, done: row.tasksDone },
  };
}

const proportion = (group: OutcomeReport['treated']) => ({ decided: group.total, saved: group.successes, downgraded: group.downgraded, lost: group.lost, rate: group.rate, low: group.low, high: group.high });

const notFound = (what: string) => new ApiProblem(404, 'not-found', 'Not found', `${what} does not exist`);

async function oneAlert(db: Kysely<DB>, id: number): Promise<ApiAlertRow> {
  const [row] = await apiAlerts(db, { alertId: id, limit: 1 });
  if (!row) throw notFound(`risk alert ${id}`);
  return row;
}

async function oneTask(db: Kysely<DB>, id: number): Promise<ApiTaskRow> {
  const [row] = await apiTasks(db, { taskId: id, limit: 1 });
  if (!row) throw notFound(`task ${id}`);
  return row;
}

/** Who an API write is recorded as (alert_feedback.slack_user_id, tasks.completed_by). */
const actorName = (token: ApiTokenRow) => `api:${token.name}`;

export const routes: readonly Route[] = [
  route({
    method: 'GET', path: '/api/v1/accounts', operationId: 'listAccounts', scope: 'read', etag: true,
    summary: 'Accounts with their latest score, tier, drivers and indicator values as of a day',
    query: s.accountsQuery, response: s.accountPageSchema,
    async handle({ db, query, maxPageSize }) {
      const fetch = (after: number | undefined, limit: number) => apiAccounts(db, { asOf: query.asOf, csm: query.csm, tier: query.tier, ...(after !== undefined ? { after } : {}), limit });
      return keysetPage(query, maxPageSize, fetch, (row) => row.accountId, account);
    },
  }),
  route({
    method: 'GET', path: '/api/v1/accounts/{id}', operationId: 'getAccount', scope: 'read',
    summary: 'One account with its latest score as of a day',
    query: s.accountQuery, params: s.accountParams, response: s.accountSchema,
    async handle({ db, query, params }) {
      const [row] = await apiAccounts(db, { externalId: params.id, asOf: query.asOf, limit: 1 });
      if (!row) throw notFound(`account "${params.id}"`);
      return account(row);
    },
  }),
  route({
    method: 'GET', path: '/api/v1/accounts/{id}/history', operationId: 'getAccountHistory', scope: 'read',
    summary: "One account's scores (one a day) and indicator values between two days",
    query: s.historyQuery, params: s.accountParams, response: s.historySchema,
    async handle({ db, query, params }) {
      const id = await accountIdByExternalId(db, params.id);
      if (id === undefined) throw notFound(`account "${params.id}"`);
      const history = await apiAccountHistory(db, id, query);
      return { id: params.id, scores: history.scores as z.input<typeof s.scoreSchema>[], indicators: [...history.indicators] };
    },
  }),
  route({
    method: 'GET', path: '/api/v1/alerts', operationId: 'listAlerts', scope: 'read', etag: true,
    summary: 'Risk alerts, newest first',
    query: s.alertsQuery, response: s.alertPageSchema,
    async handle({ db, query, maxPageSize }) {
      const fetch = (cursor: number | undefined, limit: number) => apiAlerts(db, { csm: query.csm, tier: query.tier, status: query.status, ...(cursor !== undefined ? { cursor } : {}), limit });
      return keysetPage(query, maxPageSize, fetch, (row) => row.alertId, alert);
    },
  }),
  route({
    method: 'GET', path: '/api/v1/alerts/{id}', operationId: 'getAlert', scope: 'read', summary: 'One risk alert',
    params: s.idParams, response: s.alertSchema,
    async handle({ db, params }) {
      return alert(await oneAlert(db, params.id));
    },
  }),
  route({
    method: 'GET', path: '/api/v1/tasks', operationId: 'listTasks', scope: 'read', etag: true,
    summary: 'Playbook tasks, oldest first',
    query: s.tasksQuery, response: s.taskPageSchema,
    async handle({ db, query, maxPageSize }) {
      const fetch = (cursor: number | undefined, limit: number) => apiTasks(db, { csm: query.csm, tier: query.tier, status: query.status, ...(cursor !== undefined ? { cursor } : {}), limit });
      return keysetPage(query, maxPageSize, fetch, (row) => row.taskId, task);
    },
  }),
  route({
    method: 'GET', path: '/api/v1/tasks/{id}', operationId: 'getTask', scope: 'read', summary: 'One task',
    params: s.idParams, response: s.taskSchema,
    async handle({ db, params }) {
      return task(await oneTask(db, params.id));
    },
  }),
  route({
    method: 'POST', path: '/api/v1/tasks/{id}/complete', operationId: 'completeTask', scope: 'tasks:write',
    summary: 'Mark a task done, like the Slack "Done" button; a second call changes nothing',
    params: s.idParams, body: s.completeTaskBody, response: s.taskWriteSchema,
    async handle({ db, params, body, token, now, changed, webhooks }) {
      const before = await oneTask(db, params.id);
      // One key per task: a task is completed once, whoever retries.
      const { outcome } = await completeTaskOnce(db, { key: `api:task_done:${params.id}`, by: actorName(token), now }, params.id, body.note ?? null, webhooks);
      const didChange = outcome === 'recorded' && before.status !== 'done';
      if (didChange) changed(before.alertId);
      return { task: task(await oneTask(db, params.id)), changed: didChange };
    },
  }),
  route({
    method: 'POST', path: '/api/v1/alerts/{id}/snooze', operationId: 'snoozeAlert', scope: 'alerts:write',
    summary: 'Snooze an alert and its open tasks for 7 days, like the Slack "Snooze 7 days" button',
    params: s.idParams, body: s.emptyBody, response: s.alertWriteSchema,
    async handle({ db, params, token, now, changed }) {
      await oneAlert(db, params.id);
      // One key per alert and day: the snooze ends 7 days from today, so a retry today is the same snooze.
      const { outcome } = await snoozeAlertOnce(db, { key: `api:snooze:${params.id}:${dayOf(now)}`, by: actorName(token), now }, params.id);
      if (outcome === 'recorded') changed(params.id);
      return { alert: alert(await oneAlert(db, params.id)), changed: outcome === 'recorded' };
    },
  }),
  route({
    method: 'POST', path: '/api/v1/alerts/{id}/not-a-risk', operationId: 'markNotARisk', scope: 'alerts:write',
    summary: 'Mark an alert not a risk with a reason, like the Slack modal; the first verdict stands',
    params: s.idParams, body: s.notRiskBody, response: s.alertWriteSchema,
    async handle({ db, params, body, token, now, changed }) {
      await oneAlert(db, params.id);
      const { outcome } = await markNotRiskOnce(db, { key: `api:not_a_risk:${params.id}`, by: actorName(token), now }, params.id, { reason: body.reason, note: body.note?.trim() || null });
      if (outcome === 'recorded') changed(params.id);
      return { alert: alert(await oneAlert(db, params.id)), changed: outcome === 'recorded' };
    },
  }),
  route({
    method: 'GET', path: '/api/v1/outcomes', operationId: 'listOutcomes', scope: 'read', etag: true,
    summary: "Decided renewals of alerted and held-out accounts (linked by the daily run's outcomes step or radar outcomes), by renewal id",
    query: s.outcomesQuery, response: s.outcomePageSchema,
    async handle({ db, query, maxPageSize }) {
      const { limit: _limit, cursor: _cursor, ...filter } = query;
      const fetch = (after: number | undefined, limit: number) => outcomeCases(db, { ...filter, ...(after !== undefined ? { after } : {}), limit });
      return keysetPage(query, maxPageSize, fetch, (row) => row.renewalId, outcome);
    },
  }),
  route({
    method: 'GET', path: '/api/v1/save-rate', operationId: 'getSaveRates', scope: 'read', etag: true,
    summary: 'Save rate of alerted accounts vs the holdout, with 95 % intervals and the lift, per period (and tier)',
    query: s.saveRateQuery, response: s.saveRatesSchema,
    async handle({ db, query }) {
      const interval: SaveRateInterval = query.interval ?? 'quarter';
      const cases = await outcomeCases(db, { from: query.from, to: query.to, csm: query.csm });
      const groups = saveRates(cases, { interval, byTier: query.byTier === 'true', from: query.from, to: query.to });
      return {
        interval,
        items: groups.map(({ period, tier, report }) => ({
          period, tier: tier as z.input<typeof s.saveRateRowSchema>['tier'], alerted: proportion(report.treated), holdout: proportion(report.control), lift: report.lift, tasks: report.tasks,
        })),
      };
    },
  }),
  route({
    method: 'GET', path: '/api/v1/reports/weekly/{week}', operationId: 'getWeeklyReport', scope: 'read',
    summary: 'The weekly report as JSON: the view-model the HTML report renders, and its raw figures',
    params: s.weekParams, response: s.weeklyReportSchema,
    async handle({ db, config, params, now }) {
      const [{ lastCompleteIsoWeek, parseIsoWeek }, { buildWeeklyFigures }, { buildReportView, jsonReportView }] = await Promise.all([import('../report/period.ts'), import('../report/build.ts'), import('../report/view.ts')]);
      const week = params.week === 'latest' ? lastCompleteIsoWeek(dayOf(now)) : params.week;
      try {
        parseIsoWeek(week);
      } catch (error) {
        throw new ApiProblem(400, 'invalid-request', 'Invalid request', (error as Error).message, [{ path: 'path.week', message: (error as Error).message }]);
      }
      const figures = await buildWeeklyFigures(db, { week, config, now });
      return {
        week,
        from: figures.periods.thisWeek.from,
        to: figures.periods.thisWeek.to,
        generatedAt: figures.generatedAt,
        view: jsonReportView(buildReportView(figures)) as z.input<typeof s.reportViewSchema>,
        figures: JSON.parse(JSON.stringify(figures)) as Record<string, unknown>,
      };
    },
  }),
];
