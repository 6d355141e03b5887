// Database access for alerts: candidates, alert history, the outbox states, the Slack id cache and
// outcomes. Functions take `db` or a transaction first so the caller owns the transaction.
//
// Outbox states of an alert row: pending → sending → sent | failed; 'dry_run' (written to the local
// outbox without a token), 'queued' (over the weekly budget), 'holdout' (control group, never sent).
import { sql, type Kysely, type Transaction } from 'kysely';
import { parameterSlices } from './batches.ts';
import type { DB, Json } from './schema.ts';

export type Queryable = Kysely<DB> | Transaction<DB>;

export type AlertKind = 'risk' | 'risk_reduced' | 'escalation' | 'digest' | 'report' | 'milestone' | 'calendar';
export type AlertStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'queued' | 'holdout' | 'suppressed' | 'dry_run';

/** Statuses that count as "the account was alerted" for cooldown (a holdout is a decision too). */
export const COOLDOWN_STATUSES: readonly AlertStatus[] = ['pending', 'sending', 'sent', 'dry_run', 'holdout'];
/** Alert statuses that mean the alert reached someone (sent, or written by a dry run), as a SQL list. */
export const DELIVERED_SQL = sql`('sent', 'dry_run')`;
/** Statuses that use a recipient's weekly budget. */
export const BUDGET_STATUSES: readonly AlertStatus[] = ['pending', 'sending', 'sent', 'dry_run'];

export interface ScoredAccountRow {
  readonly accountId: number;
  readonly externalId: string;
  readonly name: string;
  readonly segment: string;
  readonly arrCents: number;
  readonly currency: string;
  readonly csmEmail: string | null;
  readonly csmSlackId: string | null;
  readonly renewalDate: string;
  readonly probability: number;
  readonly tier: string;
  readonly modelVersion: string;
  readonly drivers: Json;
  readonly previous: { readonly asOf: string; readonly probability: number; readonly tier: string } | null;
}

/**
 * One score per active account as of `asOf` (the promoted model's when several models scored the
 * day, else the latest), with the account's latest earlier score for "change since".
 */
export async function scoredAccounts(db: Queryable, asOf: string): Promise<ScoredAccountRow[]> {
  const result = await sql<{
    account_id: number; external_id: string; name: string; segment: string; arr_cents: number; currency: string;
    csm_email: string | null; csm_slack_id: string | null; renewal_date: string; probability: number; tier: string;
    model_version: string; drivers: Json; prev_as_of: string | null; prev_probability: number | null; prev_tier: string | null;
  }>`
    SELECT DISTINCT ON (rs.account_id)
           rs.account_id, a.external_id, a.name, a.segment, a.arr_cents, a.currency, a.csm_email, a.csm_slack_id,
           a.renewal_date, rs.probability, rs.tier, rs.model_version, rs.drivers,
           prev.as_of AS prev_as_of, prev.probability AS prev_probability, prev.tier AS prev_tier
    FROM risk_scores rs
    JOIN accounts a ON a.account_id = rs.account_id
    LEFT JOIN models m ON m.version = rs.model_version
    LEFT JOIN LATERAL (
      SELECT p.as_of, p.probability, p.tier FROM risk_scores p
      WHERE p.account_id = rs.account_id AND p.as_of < rs.as_of
      ORDER BY p.as_of DESC, (p.model_version = rs.model_version) DESC, p.scored_at DESC LIMIT 1
    ) prev ON true
    WHERE rs.as_of = ${asOf}::date AND a.status = 'active'
    ORDER BY rs.account_id, m.is_promoted DESC NULLS LAST, rs.scored_at DESC, rs.model_version DESC`.execute(db);
  return result.rows.map((row) => ({
    accountId: row.account_id,
    externalId: row.external_id,
    name: row.name,
    segment: row.segment,
    arrCents: row.arr_cents,
    currency: row.currency.trim(),
    csmEmail: row.csm_email,
    csmSlackId: row.csm_slack_id,
    renewalDate: row.renewal_date,
    probability: row.probability,
    tier: row.tier,
    modelVersion: row.model_version,
    drivers: row.drivers,
    previous: row.prev_as_of !== null && row.prev_probability !== null && row.prev_tier !== null ? { asOf: row.prev_as_of, probability: row.prev_probability, tier: row.prev_tier } : null,
  }));
}

export interface PreviousAlertRow {
  readonly accountId: number;
  readonly alertId: number;
  readonly asOf: string;
  readonly tier: string;
  readonly status: string;
  readonly isHoldout: boolean;
  readonly slackTs: string | null;
  readonly channel: string | null;
}

/** Each account's latest risk alert before `asOf` that counts for cooldown. */
export async function previousRiskAlerts(db: Queryable, asOf: string): Promise<Map<number, PreviousAlertRow>> {
  const rows = await db
    .selectFrom('alerts')
    .select(['account_id', 'alert_id', 'as_of', 'tier', 'status', 'is_holdout', 'slack_ts', 'channel'])
    .distinctOn('account_id')
    .where('kind', '=', 'risk')
    .where('as_of', '<', asOf)
    .where('status', 'in', [...COOLDOWN_STATUSES])
    .where('account_id', 'is not', null)
    .orderBy('account_id')
    .orderBy('as_of', 'desc')
    .orderBy('alert_id', 'desc')
    .execute();
  return new Map(
    rows.map((row) => [
      row.account_id!,
      { accountId: row.account_id!, alertId: row.alert_id, asOf: row.as_of, tier: row.tier ?? 'low', status: row.status, isHoldout: row.is_holdout, slackTs: row.slack_ts, channel: row.channel },
    ]),
  );
}

/** Accounts that already have a risk alert row for `asOf` (a re-run of the day plans nothing for them). */
export async function accountsAlertedOn(db: Queryable, asOf: string): Promise<Set<number>> {
  const rows = await db.selectFrom('alerts').select('account_id').where('kind', '=', 'risk').where('as_of', '=', asOf).execute();
  return new Set(rows.flatMap((row) => (row.account_id === null ? [] : [row.account_id])));
}

/** Alerts per recipient in [from, to] that used the weekly budget: risk alerts, and renewal milestones when they count (calendar.countInAlertBudget). */
export async function budgetUsed(db: Queryable, from: string, to: string, kinds: readonly AlertKind[] = ['risk']): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('alerts')
    .select(['recipient', (eb) => eb.fn.countAll<number>().as('n')])
    .where('kind', 'in', [...kinds])
    .where('as_of', '>=', from)
    .where('as_of', '<=', to)
    .where('status', 'in', [...BUDGET_STATUSES])
    .where('recipient', 'is not', null)
    .groupBy('recipient')
    .execute();
  return new Map(rows.map((row) => [row.recipient!, Number(row.n)]));
}

export interface NewAlert {
  readonly dedupKey: string;
  readonly kind: AlertKind;
  readonly accountId: number | null;
  readonly asOf: string;
  readonly tier: string | null;
  readonly modelVersion: string | null;
  readonly probability: number | null;
  readonly channel: string | null;
  readonly recipient: string | null;
  readonly status: AlertStatus;
  readonly isHoldout?: boolean;
  readonly threadTs?: string | null;
  readonly configVersion: string;
  readonly parentAlertId?: number | null;
  readonly taskId?: number | null;
  readonly digestAlertId?: number | null;
  readonly lastError?: string | null;
}

const ALERT_COLUMNS = 17;
const alertColumns = (alert: NewAlert) => ({
  dedup_key: alert.dedupKey,
  kind: alert.kind,
  account_id: alert.accountId,
  as_of: alert.asOf,
  tier: alert.tier,
  model_version: alert.modelVersion,
  probability: alert.probability,
  channel: alert.channel,
  recipient: alert.recipient,
  status: alert.status,
  is_holdout: alert.isHoldout ?? false,
  thread_ts: alert.threadTs ?? null,
  config_version: alert.configVersion,
  parent_alert_id: alert.parentAlertId ?? null,
  task_id: alert.taskId ?? null,
  digest_alert_id: alert.digestAlertId ?? null,
  last_error: alert.lastError ?? null,
});

/** Inserts an alert unless its dedup key exists; returns the new id, or undefined when it existed. */
export async function insertAlert(db: Queryable, alert: NewAlert): Promise<number | undefined> {
  const row = await db.insertInto('alerts').values(alertColumns(alert)).onConflict((oc) => oc.column('dedup_key').doNothing()).returning('alert_id').executeTakeFirst();
  return row?.alert_id;
}

/** Inserts alerts whose dedup key does not exist yet, a few statements for any number; returns dedup key → new id (existing keys are absent). */
export async function insertAlerts(db: Queryable, alerts: readonly NewAlert[]): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (const slice of parameterSlices(alerts.map(alertColumns), ALERT_COLUMNS)) {
    const rows = await db
      .insertInto('alerts')
      .values(slice)
      .onConflict((oc) => oc.column('dedup_key').doNothing())
      .returning(['alert_id', 'dedup_key'])
      .execute();
    for (const row of rows) ids.set(row.dedup_key, row.alert_id);
  }
  return ids;
}

export async function setPayload(db: Queryable, alertId: number, payload: Json): Promise<void> {
  await db.updateTable('alerts').set({ payload: JSON.stringify(payload) }).where('alert_id', '=', alertId).execute();
}

/** setPayload for many alerts in one statement (a calendar digest's milestones: one round trip, not one each). */
export async function setPayloads(db: Queryable, rows: ReadonlyArray<{ readonly alertId: number; readonly payload: Json }>): Promise<void> {
  if (rows.length === 0) return;
  const ids = rows.map((row) => row.alertId);
  const payloads = rows.map((row) => JSON.stringify(row.payload));
  await sql`
    UPDATE alerts a SET payload = v.payload
    FROM unnest(${ids}::bigint[], ${payloads}::jsonb[]) AS v (alert_id, payload)
    WHERE a.alert_id = v.alert_id`.execute(db);
}

export async function setDigest(db: Queryable, alertIds: readonly number[], digestAlertId: number): Promise<void> {
  await setDigests(db, alertIds.map((alertId) => ({ alertId, digestAlertId })));
}

/** Sets the digest of many alerts in one statement (alert id → its digest's alert id). */
export async function setDigests(db: Queryable, rows: ReadonlyArray<{ readonly alertId: number; readonly digestAlertId: number }>): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    UPDATE alerts a SET digest_alert_id = v.digest_alert_id
    FROM unnest(${rows.map((row) => row.alertId)}::bigint[], ${rows.map((row) => row.digestAlertId)}::bigint[]) AS v (alert_id, digest_alert_id)
    WHERE a.alert_id = v.alert_id`.execute(db);
}

// ---- Outbox ---------------------------------------------------------------------------------

export interface OutboxRow {
  readonly alertId: number;
  readonly dedupKey: string;
  readonly kind: string;
  readonly accountId: number | null;
  readonly asOf: string;
  readonly status: string;
  readonly channel: string | null;
  readonly threadTs: string | null;
  readonly attempts: number;
  readonly payload: Json;
  readonly sendingAt: Date | null;
  readonly createdAt: Date;
}

/**
 * Alerts to deliver now, oldest first: pending and interrupted ('sending') ones, and failed ones
 * when asked. Digest members go with their digest. Dry-run rows are final: a dry run rehearses the
 * schedule, so its decisions (cooldown, budget) stand.
 */
export async function outbox(db: Queryable, options: { retryFailed: boolean; kinds?: readonly AlertKind[] }): Promise<OutboxRow[]> {
  const rows = await db
    .selectFrom('alerts')
    .select(['alert_id', 'dedup_key', 'kind', 'account_id', 'as_of', 'status', 'channel', 'thread_ts', 'attempts', 'payload', 'sending_at', 'created_at'])
    .where('digest_alert_id', 'is', null)
    .where((eb) =>
      eb.or([
        eb('status', 'in', ['pending', 'sending']),
        ...(options.retryFailed ? [eb('status', '=', 'failed')] : []),
      ]),
    )
    .$if(Boolean(options.kinds), (qb) => qb.where('kind', 'in', [...options.kinds!]))
    .orderBy('alert_id')
    .execute();
  return rows.map((row) => ({
    alertId: row.alert_id,
    dedupKey: row.dedup_key,
    kind: row.kind,
    accountId: row.account_id,
    asOf: row.as_of,
    status: row.status,
    channel: row.channel,
    threadTs: row.thread_ts,
    attempts: row.attempts,
    payload: row.payload,
    sendingAt: row.sending_at,
    createdAt: row.created_at,
  }));
}

/** Committed right before the API call: from here on a retry must look for the post first. */
export async function markSending(db: Queryable, alertId: number, channel: string, now: Date): Promise<void> {
  await db
    .updateTable('alerts')
    .set((eb) => ({ status: 'sending', channel, attempts: eb('attempts', '+', 1), sending_at: now, last_error: null }))
    .where('alert_id', '=', alertId)
    .execute();
}

export async function recordAttemptError(db: Queryable, alertId: number, reason: string): Promise<void> {
  await db.updateTable('alerts').set({ last_error: reason }).where('alert_id', '=', alertId).execute();
}

/**
 * Takes back the attempt `markSending` counted, for a call Slack refused unprocessed (429): such a
 * call is not an attempt. A row with no attempt left is plainly pending again (nothing can be posted).
 */
export async function withdrawAttempt(db: Queryable, alertId: number, reason: string): Promise<void> {
  await db
    .updateTable('alerts')
    .set((eb) => ({
      attempts: sql<number>`greatest(${eb.ref('attempts')} - 1, 0)`,
      status: sql<string>`CASE WHEN ${eb.ref('attempts')} <= 1 THEN 'pending' ELSE ${eb.ref('status')} END`,
      last_error: reason,
    }))
    .where('alert_id', '=', alertId)
    .execute();
}

export async function incrementAttempts(db: Queryable, alertId: number): Promise<void> {
  await db.updateTable('alerts').set((eb) => ({ attempts: eb('attempts', '+', 1) })).where('alert_id', '=', alertId).execute();
}

/** Records Slack's ts on the alert and on the members of a digest. */
export async function markSent(db: Queryable, alertId: number, ts: string, channel: string, now: Date): Promise<void> {
  await db.updateTable('alerts').set({ status: 'sent', slack_ts: ts, channel, sent_at: now, last_error: null }).where('alert_id', '=', alertId).execute();
  await db.updateTable('alerts').set({ status: 'sent', slack_ts: ts, channel, sent_at: now }).where('digest_alert_id', '=', alertId).execute();
}

export async function markDryRun(db: Queryable, alertId: number, now: Date): Promise<void> {
  await db.updateTable('alerts').set({ status: 'dry_run', sent_at: now }).where('alert_id', '=', alertId).where('status', '=', 'pending').execute();
  await db.updateTable('alerts').set({ status: 'dry_run', sent_at: now }).where('digest_alert_id', '=', alertId).where('status', '=', 'pending').execute();
}

export async function markFailed(db: Queryable, alertId: number, reason: string): Promise<void> {
  await db.updateTable('alerts').set({ status: 'failed', last_error: reason }).where('alert_id', '=', alertId).execute();
  await db.updateTable('alerts').set({ status: 'failed', last_error: reason }).where('digest_alert_id', '=', alertId).execute();
}

// ---- Listing --------------------------------------------------------------------------------

export interface AlertListRow {
  readonly alertId: number;
  readonly kind: string;
  readonly asOf: string;
  /** External id and name of the account (null for digests). */
  readonly account: string | null;
  readonly accountName: string | null;
  readonly tier: string | null;
  readonly probability: number | null;
  readonly status: string;
  readonly channel: string | null;
  readonly slackTs: string | null;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly dedupKey: string;
  readonly outcome: string | null;
}

export async function listAlerts(db: Queryable, options: { failed?: boolean; asOf?: string; limit?: number } = {}): Promise<AlertListRow[]> {
  const rows = await db
    .selectFrom('alerts')
    .leftJoin('accounts', 'accounts.account_id', 'alerts.account_id')
    .select([
      'alerts.alert_id', 'alerts.kind', 'alerts.as_of', 'accounts.external_id', 'accounts.name', 'alerts.tier', 'alerts.probability', 'alerts.status',
      'alerts.channel', 'alerts.slack_ts', 'alerts.attempts', 'alerts.last_error', 'alerts.dedup_key', 'alerts.outcome',
    ])
    .$if(Boolean(options.failed), (qb) => qb.where('alerts.status', '=', 'failed'))
    .$if(Boolean(options.asOf), (qb) => qb.where('alerts.as_of', '=', options.asOf!))
    .orderBy('alerts.alert_id', 'desc')
    .limit(options.limit ?? 200)
    .execute();
  return rows.map((row) => ({
    alertId: row.alert_id,
    kind: row.kind,
    asOf: row.as_of,
    account: row.external_id,
    accountName: row.name,
    tier: row.tier,
    probability: row.probability,
    status: row.status,
    channel: row.channel,
    slackTs: row.slack_ts,
    attempts: row.attempts,
    lastError: row.last_error,
    dedupKey: row.dedup_key,
    outcome: row.outcome,
  }));
}

// ---- Slack user cache -----------------------------------------------------------------------

/** email → Slack id, or null for an email Slack did not know when looked up. */
export async function cachedSlackUsers(db: Queryable): Promise<Map<string, string | null>> {
  const rows = await db.selectFrom('slack_users').select(['email', 'slack_id']).execute();
  return new Map(rows.map((row) => [row.email, row.slack_id]));
}

export async function cacheSlackUser(db: Queryable, email: string, result: { slackId: string } | { error: string }, now: Date): Promise<void> {
  const values = 'slackId' in result ? { slack_id: result.slackId, error: null } : { slack_id: null, error: result.error };
  await db
    .insertInto('slack_users')
    .values({ email, ...values, looked_up_at: now })
    .onConflict((oc) => oc.column('email').doUpdateSet({ ...values, looked_up_at: now }))
    .execute();
}

// ---- Outcomes -------------------------------------------------------------------------------

/**
 * Links every risk alert to the first renewal of its account decided by `decidedBefore` whose
 * renewal date is on or after the alert's as-of day, with the outcome that renewal means.
 * Idempotent: alerts that already have an outcome are left alone. Returns the number linked.
 */
export async function recordOutcomes(db: Queryable, decidedBefore: Date, now: Date): Promise<number> {
  const result = await sql`
    UPDATE alerts a
    SET outcome = CASE m.outcome WHEN 'churned' THEN 'lost' WHEN 'downgraded' THEN 'downgraded' ELSE 'saved' END,
        outcome_renewal_id = m.renewal_id,
        outcome_recorded_at = ${now}
    FROM (
      SELECT DISTINCT ON (al.alert_id) al.alert_id, r.renewal_id, r.outcome
      FROM alerts al
      JOIN renewals r ON r.account_id = al.account_id AND r.renewal_date >= al.as_of AND r.decided_at < ${decidedBefore}
      WHERE al.kind = 'risk' AND al.outcome IS NULL
      ORDER BY al.alert_id, r.renewal_date
    ) m
    WHERE a.alert_id = m.alert_id`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

export interface DecidedCaseRow {
  readonly accountId: number;
  readonly renewalId: number;
  readonly control: boolean;
  readonly outcome: string;
  readonly tasksTotal: number;
  readonly tasksDone: number;
}

/**
 * One row per (account, decided renewal) with at least one alert decision: `control` when none of
 * them was delivered (holdout only); tasks of the delivered alerts, done ones counted.
 * Alerts that never reached anyone (failed, queued) do not make an account "treated".
 */
export async function decidedCases(db: Queryable): Promise<DecidedCaseRow[]> {
  const result = await sql<{ account_id: number; renewal_id: number; control: boolean; outcome: string; tasks_total: number; tasks_done: number }>`
    SELECT a.account_id, a.outcome_renewal_id AS renewal_id,
           bool_and(a.is_holdout) AS control,
           min(a.outcome) AS outcome,
           count(t.task_id)::int AS tasks_total,
           count(t.task_id) FILTER (WHERE t.status = 'done')::int AS tasks_done
    FROM alerts a
    LEFT JOIN tasks t ON t.alert_id = a.alert_id AND t.account_id = a.account_id
    WHERE a.kind = 'risk' AND a.outcome_renewal_id IS NOT NULL
      AND (a.is_holdout OR a.status IN ${DELIVERED_SQL})
    GROUP BY a.account_id, a.outcome_renewal_id
    ORDER BY a.account_id, a.outcome_renewal_id`.execute(db);
  return result.rows.map((row) => ({
    accountId: row.account_id,
    renewalId: row.renewal_id,
    control: row.control,
    outcome: row.outcome,
    tasksTotal: row.tasks_total,
    tasksDone: row.tasks_done,
  }));
}
