// Database access for the REST API (`radar serve`, /api/v1): tokens, and the reads behind the list
// and detail routes. Lists page by keyset on a unique id (never OFFSET), so rows inserted between two
// page requests neither repeat nor hide rows of later pages.
import { sql } from 'kysely';
import type { Queryable } from './alerts.ts';
import type { Json } from './schema.ts';

// ---- Tokens ---------------------------------------------------------------------------------

export interface ApiTokenRow {
  readonly tokenId: number;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
  readonly lastUsedAt: Date | null;
}

const tokenColumns = ['token_id', 'name', 'scopes', 'created_at', 'revoked_at', 'last_used_at'] as const;

function mapToken(row: { token_id: number; name: string; scopes: Json; created_at: Date; revoked_at: Date | null; last_used_at: Date | null }): ApiTokenRow {
  return { tokenId: row.token_id, name: row.name, scopes: row.scopes as string[], createdAt: row.created_at, revokedAt: row.revoked_at, lastUsedAt: row.last_used_at };
}

/** Inserts a token by its hash; undefined when a live token already has the name. */
export async function insertApiToken(db: Queryable, input: { name: string; hash: string; scopes: readonly string[]; now: Date }): Promise<ApiTokenRow | undefined> {
  const row = await db
    .insertInto('api_tokens')
    .values({ name: input.name, token_hash: input.hash, scopes: JSON.stringify(input.scopes), created_at: input.now })
    .onConflict((oc) => oc.column('name').where('revoked_at', 'is', null).doNothing())
    .returning([...tokenColumns])
    .executeTakeFirst();
  return row ? mapToken(row) : undefined;
}

export async function listApiTokens(db: Queryable): Promise<ApiTokenRow[]> {
  const rows = await db.selectFrom('api_tokens').select([...tokenColumns]).orderBy('token_id').execute();
  return rows.map(mapToken);
}

export async function apiTokenByHash(db: Queryable, hash: string): Promise<ApiTokenRow | undefined> {
  const row = await db.selectFrom('api_tokens').select([...tokenColumns]).where('token_hash', '=', hash).executeTakeFirst();
  return row ? mapToken(row) : undefined;
}

/** Revokes the live token with this name (or id); the revoked row, or undefined when none is live. */
export async function revokeApiToken(db: Queryable, nameOrId: string, now: Date): Promise<ApiTokenRow | undefined> {
  const id = /^\d+$/.test(nameOrId) ? Number(nameOrId) : null;
  const row = await db
    .updateTable('api_tokens')
    .set({ revoked_at: now })
    .where('revoked_at', 'is', null)
    .where((eb) => (id === null ? eb('name', '=', nameOrId) : eb.or([eb('name', '=', nameOrId), eb('token_id', '=', id)])))
    .returning([...tokenColumns])
    .executeTakeFirst();
  return row ? mapToken(row) : undefined;
}

/** Records use at most once a minute per token, so a busy client does not turn every read into a write. */
export async function touchApiToken(db: Queryable, tokenId: number, now: Date): Promise<void> {
  await db
    .updateTable('api_tokens')
    .set({ last_used_at: now })
    .where('token_id', '=', tokenId)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', new Date(now.getTime() - 60_000))]))
    .execute();
}

// ---- Accounts -------------------------------------------------------------------------------

export interface ApiScore {
  readonly asOf: string;
  readonly probability: number;
  readonly tier: string;
  readonly modelVersion: string;
  readonly drivers: Json;
}

export interface ApiIndicatorValue {
  readonly indicator: string;
  readonly value: number | null;
  readonly flag: string;
}

export interface ApiAccountRow {
  readonly accountId: number;
  readonly externalId: string;
  readonly name: string;
  readonly segment: string;
  readonly arrCents: number;
  readonly currency: string;
  readonly csmEmail: string | null;
  readonly renewalDate: string;
  readonly status: string;
  readonly score: ApiScore | null;
  readonly indicators: readonly ApiIndicatorValue[];
}

export interface AccountFilter {
  /** The latest score on or before this day; every score when undefined. */
  readonly asOf?: string;
  readonly csm?: string;
  readonly tier?: string;
  /** Only accounts with account_id above this (the cursor). */
  readonly after?: number;
  readonly externalId?: string;
  readonly limit: number;
  /** Also read the indicator values of each score's day (default true; the score export needs none). */
  readonly withIndicators?: boolean;
}

interface AccountSqlRow {
  account_id: number;
  external_id: string;
  name: string;
  segment: string;
  arr_cents: number;
  currency: string;
  csm_email: string | null;
  renewal_date: string;
  status: string;
  score_as_of: string | null;
  probability: number | null;
  tier: string | null;
  model_version: string | null;
  drivers: Json;
}

/**
 * Accounts by account_id with their latest score as of `asOf` (the promoted model's when two models
 * scored the same day) and the indicator values of that score's day.
 */
export async function apiAccounts(db: Queryable, filter: AccountFilter): Promise<ApiAccountRow[]> {
  const asOf = filter.asOf ?? null;
  // The indicator values ride in the same query (one round trip, not two: bench:api measured the
  // second one as a large share of a page's time on a busy server).
  const withIndicators = filter.withIndicators !== false;
  const result = await sql<AccountSqlRow & { indicators: ApiIndicatorValue[] | null }>`
    SELECT a.account_id, a.external_id, a.name, a.segment, a.arr_cents, a.currency, a.csm_email, a.renewal_date, a.status,
           s.as_of AS score_as_of, s.probability, s.tier, s.model_version, s.drivers
           ${withIndicators ? sql`, iv.indicators` : sql``}
    FROM accounts a
    LEFT JOIN LATERAL (
      SELECT rs.as_of, rs.probability, rs.tier, rs.model_version, rs.drivers
      FROM risk_scores rs LEFT JOIN models m ON m.version = rs.model_version
      WHERE rs.account_id = a.account_id AND (${asOf}::date IS NULL OR rs.as_of <= ${asOf}::date)
      ORDER BY rs.as_of DESC, m.is_promoted DESC NULLS LAST, rs.scored_at DESC
      LIMIT 1) s ON true
    ${
      withIndicators
        ? sql`LEFT JOIN LATERAL (
      SELECT json_agg(json_build_object('indicator', v.indicator, 'value', v.value, 'flag', v.flag) ORDER BY v.indicator) AS indicators
      FROM indicator_values v WHERE v.account_id = a.account_id AND v.as_of = s.as_of) iv ON true`
        : sql``
    }
    WHERE a.account_id > ${filter.after ?? 0}
      ${filter.externalId !== undefined ? sql`AND a.external_id = ${filter.externalId}` : sql``}
      ${filter.csm !== undefined ? sql`AND lower(a.csm_email) = ${filter.csm.toLowerCase()}` : sql``}
      ${filter.tier !== undefined ? sql`AND s.tier = ${filter.tier}` : sql``}
    ORDER BY a.account_id
    LIMIT ${filter.limit}`.execute(db);
  return result.rows.map((row) => ({
    accountId: row.account_id,
    externalId: row.external_id,
    name: row.name,
    segment: row.segment,
    arrCents: row.arr_cents,
    currency: row.currency.trim(),
    csmEmail: row.csm_email,
    renewalDate: row.renewal_date,
    status: row.status,
    score:
      row.score_as_of !== null
        ? { asOf: row.score_as_of, probability: row.probability!, tier: row.tier!, modelVersion: row.model_version!, drivers: row.drivers }
        : null,
    indicators: row.indicators ?? [],
  }));
}

export async function accountIdByExternalId(db: Queryable, externalId: string): Promise<number | undefined> {
  const row = await db.selectFrom('accounts').select('account_id').where('external_id', '=', externalId).executeTakeFirst();
  return row?.account_id;
}

export interface ApiHistory {
  readonly scores: readonly ApiScore[];
  readonly indicators: readonly (ApiIndicatorValue & { readonly asOf: string })[];
}

/** One account's scores (one per day: the promoted model's first) and indicator values in [from, to]. */
export async function apiAccountHistory(db: Queryable, accountId: number, range: { from?: string; to?: string }): Promise<ApiHistory> {
  const from = range.from ?? '0001-01-01';
  const to = range.to ?? '9999-12-31';
  const scores = await sql<{ as_of: string; probability: number; tier: string; model_version: string; drivers: Json }>`
    SELECT DISTINCT ON (rs.as_of) rs.as_of, rs.probability, rs.tier, rs.model_version, rs.drivers
    FROM risk_scores rs LEFT JOIN models m ON m.version = rs.model_version
    WHERE rs.account_id = ${accountId} AND rs.as_of BETWEEN ${from}::date AND ${to}::date
    ORDER BY rs.as_of, m.is_promoted DESC NULLS LAST, rs.scored_at DESC`.execute(db);
  const values = await db
    .selectFrom('indicator_values')
    .select(['as_of', 'indicator', 'value', 'flag'])
    .where('account_id', '=', accountId)
    .where('as_of', '>=', from)
    .where('as_of', '<=', to)
    .orderBy('as_of')
    .orderBy('indicator')
    .execute();
  return {
    scores: scores.rows.map((row) => ({ asOf: row.as_of, probability: row.probability, tier: row.tier, modelVersion: row.model_version, drivers: row.drivers })),
    indicators: values.map((row) => ({ asOf: row.as_of, indicator: row.indicator, value: row.value, flag: row.flag })),
  };
}

// ---- Alerts and tasks -----------------------------------------------------------------------

export interface ApiAlertRow {
  readonly alertId: number;
  readonly account: string;
  readonly asOf: string;
  readonly tier: string | null;
  readonly probability: number | null;
  readonly modelVersion: string | null;
  readonly status: string;
  readonly recipient: string | null;
  readonly createdAt: Date;
  readonly sentAt: Date | null;
  readonly snoozedUntil: string | null;
  readonly outcome: string | null;
  readonly notRisk: { readonly reason: string; readonly note: string | null; readonly by: string; readonly at: Date } | null;
}

export interface ListFilter {
  readonly csm?: string;
  readonly tier?: string;
  readonly status?: string;
  /** The keyset cursor: the last id of the previous page. */
  readonly cursor?: number;
  readonly alertId?: number;
  readonly limit: number;
}

/** Risk alerts, newest first (alert_id descending: new alerts land before page one, never inside a later page). */
export async function apiAlerts(db: Queryable, filter: ListFilter): Promise<ApiAlertRow[]> {
  const rows = await db
    .selectFrom('alerts')
    .innerJoin('accounts', 'accounts.account_id', 'alerts.account_id')
    .leftJoin('alert_feedback', 'alert_feedback.alert_id', 'alerts.alert_id')
    .select([
      'alerts.alert_id', 'accounts.external_id', 'alerts.as_of', 'alerts.tier', 'alerts.probability', 'alerts.model_version', 'alerts.status', 'alerts.recipient',
      'alerts.created_at', 'alerts.sent_at', 'alerts.snoozed_until', 'alerts.outcome',
      'alert_feedback.reason', 'alert_feedback.note', 'alert_feedback.slack_user_id', 'alert_feedback.recorded_at',
    ])
    .where('alerts.kind', '=', 'risk')
    .$if(filter.cursor !== undefined, (qb) => qb.where('alerts.alert_id', '<', filter.cursor!))
    .$if(filter.alertId !== undefined, (qb) => qb.where('alerts.alert_id', '=', filter.alertId!))
    .$if(filter.csm !== undefined, (qb) => qb.where(sql<string>`lower(accounts.csm_email)`, '=', filter.csm!.toLowerCase()))
    .$if(filter.tier !== undefined, (qb) => qb.where('alerts.tier', '=', filter.tier!))
    .$if(filter.status !== undefined, (qb) => qb.where('alerts.status', '=', filter.status!))
    .orderBy('alerts.alert_id', 'desc')
    .limit(filter.limit)
    .execute();
  return rows.map((row) => ({
    alertId: row.alert_id,
    account: row.external_id,
    asOf: row.as_of,
    tier: row.tier,
    probability: row.probability,
    modelVersion: row.model_version,
    status: row.status,
    recipient: row.recipient,
    createdAt: row.created_at,
    sentAt: row.sent_at,
    snoozedUntil: row.snoozed_until,
    outcome: row.outcome,
    notRisk: row.reason !== null ? { reason: row.reason, note: row.note, by: row.slack_user_id!, at: row.recorded_at! } : null,
  }));
}

export interface ApiTaskRow {
  readonly taskId: number;
  readonly alertId: number;
  readonly account: string;
  readonly tier: string | null;
  readonly playbook: string;
  readonly step: string;
  readonly ownerRole: string;
  readonly owner: string | null;
  readonly dueOn: string;
  readonly status: string;
  readonly snoozedUntil: string | null;
  readonly note: string | null;
  readonly completedAt: Date | null;
  readonly completedBy: string | null;
}

/** Tasks by task_id ascending (new tasks land after the last page). `csm` filters on the task owner's email. */
export async function apiTasks(db: Queryable, filter: ListFilter & { taskId?: number }): Promise<ApiTaskRow[]> {
  const rows = await db
    .selectFrom('tasks')
    .innerJoin('accounts', 'accounts.account_id', 'tasks.account_id')
    .innerJoin('alerts', 'alerts.alert_id', 'tasks.alert_id')
    .select([
      'tasks.task_id', 'tasks.alert_id', 'accounts.external_id', 'alerts.tier', 'tasks.playbook', 'tasks.step', 'tasks.owner_role', 'tasks.owner', 'tasks.due_on',
      'tasks.status', 'tasks.snoozed_until', 'tasks.note', 'tasks.completed_at', 'tasks.completed_by',
    ])
    .$if(filter.cursor !== undefined, (qb) => qb.where('tasks.task_id', '>', filter.cursor!))
    .$if(filter.taskId !== undefined, (qb) => qb.where('tasks.task_id', '=', filter.taskId!))
    .$if(filter.csm !== undefined, (qb) => qb.where(sql<string>`lower(tasks.owner)`, '=', filter.csm!.toLowerCase()))
    .$if(filter.tier !== undefined, (qb) => qb.where('alerts.tier', '=', filter.tier!))
    .$if(filter.status !== undefined, (qb) => qb.where('tasks.status', '=', filter.status!))
    .orderBy('tasks.task_id')
    .limit(filter.limit)
    .execute();
  return rows.map((row) => ({
    taskId: row.task_id,
    alertId: row.alert_id,
    account: row.external_id,
    tier: row.tier,
    playbook: row.playbook,
    step: row.step,
    ownerRole: row.owner_role,
    owner: row.owner,
    dueOn: row.due_on,
    status: row.status,
    snoozedUntil: row.snoozed_until,
    note: row.note,
    completedAt: row.completed_at,
    completedBy: row.completed_by,
  }));
}

/** Migration names recorded as applied (for /readyz). */
export async function appliedMigrations(db: Queryable): Promise<string[]> {
  const result = await sql<{ name: string }>`SELECT name FROM schema_migrations ORDER BY name`.execute(db);
  return result.rows.map((row) => row.name);
}
