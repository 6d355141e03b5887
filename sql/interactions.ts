// Database access for Slack interactivity (`radar serve`): the idempotency ledger of deliveries,
// alert snooze, "not a risk" feedback, and the reads behind the /radar slash command.
// Functions take `db` or a transaction first so the caller owns the transaction.
import { sql } from 'kysely';
import { DELIVERED_SQL, type Queryable } from './alerts.ts';
import type { Json } from './schema.ts';

export type InteractionKind = 'task_done' | 'snooze' | 'not_a_risk_prompt' | 'not_a_risk' | 'command';

export interface NewInteraction {
  /** What stays the same when Slack retries a delivery or a signed request is replayed. */
  readonly key: string;
  readonly kind: InteractionKind;
  readonly slackUserId: string;
  readonly accountId?: number | null;
  readonly alertId?: number | null;
  readonly taskId?: number | null;
  readonly now: Date;
}

/** Records an interaction once; false when its key was seen before (a retry or a replay: do nothing). */
export async function recordInteraction(db: Queryable, interaction: NewInteraction): Promise<boolean> {
  const row = await db
    .insertInto('slack_interactions')
    .values({
      idempotency_key: interaction.key,
      kind: interaction.kind,
      slack_user_id: interaction.slackUserId,
      account_id: interaction.accountId ?? null,
      alert_id: interaction.alertId ?? null,
      task_id: interaction.taskId ?? null,
      received_at: interaction.now,
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('interaction_id')
    .executeTakeFirst();
  return row !== undefined;
}

export interface ActionableAlertRow {
  readonly alertId: number;
  readonly accountId: number | null;
  readonly kind: string;
  readonly status: string;
  readonly channel: string | null;
  readonly slackTs: string | null;
  readonly digestAlertId: number | null;
  readonly payload: Json;
}

export async function alertForAction(db: Queryable, alertId: number): Promise<ActionableAlertRow | undefined> {
  const row = await db
    .selectFrom('alerts')
    .select(['alert_id', 'account_id', 'kind', 'status', 'channel', 'slack_ts', 'digest_alert_id', 'payload'])
    .where('alert_id', '=', alertId)
    .executeTakeFirst();
  return row
    ? { alertId: row.alert_id, accountId: row.account_id, kind: row.kind, status: row.status, channel: row.channel, slackTs: row.slack_ts, digestAlertId: row.digest_alert_id, payload: row.payload }
    : undefined;
}

export async function setAlertPayload(db: Queryable, alertId: number, payload: Json): Promise<void> {
  await db.updateTable('alerts').set({ payload: JSON.stringify(payload) }).where('alert_id', '=', alertId).execute();
}

export interface AlertStateRow {
  readonly tasks: Map<number, { status: string; completedBy: string | null; snoozedUntil: string | null }>;
  readonly snoozedUntil: string | null;
  readonly snoozedBy: string | null;
  readonly notRisk: { reason: string; by: string } | null;
}

/** The state Slack users gave an alert: its tasks, its snooze, its not-a-risk verdict. */
export async function alertState(db: Queryable, alertId: number): Promise<AlertStateRow> {
  const alert = await db.selectFrom('alerts').select(['snoozed_until', 'snoozed_by']).where('alert_id', '=', alertId).executeTakeFirst();
  const tasks = await db.selectFrom('tasks').select(['task_id', 'status', 'completed_by', 'snoozed_until']).where('alert_id', '=', alertId).execute();
  const feedback = await db.selectFrom('alert_feedback').select(['reason', 'slack_user_id']).where('alert_id', '=', alertId).executeTakeFirst();
  return {
    tasks: new Map(tasks.map((task) => [task.task_id, { status: task.status, completedBy: task.completed_by, snoozedUntil: task.snoozed_until }])),
    snoozedUntil: alert?.snoozed_until ?? null,
    snoozedBy: alert?.snoozed_by ?? null,
    notRisk: feedback ? { reason: feedback.reason, by: feedback.slack_user_id } : null,
  };
}

/**
 * Snoozes an alert until `until` (never shortening an earlier, longer snooze), and with it its open
 * and snoozed tasks, so escalation counts from then. Returns false when the alert does not exist.
 */
export async function snoozeAlert(db: Queryable, alertId: number, input: { until: string; by: string; now: Date }): Promise<boolean> {
  const result = await db
    .updateTable('alerts')
    .set({
      snoozed_until: sql<string>`greatest(coalesce(snoozed_until, ${input.until}::date), ${input.until}::date)`,
      snoozed_by: input.by,
      snoozed_at: input.now,
    })
    .where('alert_id', '=', alertId)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return false;
  await db
    .updateTable('tasks')
    .set({ status: 'snoozed', snoozed_until: sql<string>`greatest(coalesce(snoozed_until, ${input.until}::date), ${input.until}::date)` })
    .where('alert_id', '=', alertId)
    .where('status', 'in', ['open', 'snoozed'])
    .execute();
  return true;
}

/**
 * Stores a "not a risk" verdict (the first one per alert stands) and cancels the alert's open tasks,
 * so they are not escalated. Returns false when the alert already had a verdict.
 */
export async function recordNotRisk(db: Queryable, input: { alertId: number; accountId: number; reason: string; note: string | null; by: string; now: Date }): Promise<boolean> {
  const row = await db
    .insertInto('alert_feedback')
    .values({ alert_id: input.alertId, account_id: input.accountId, reason: input.reason, note: input.note, slack_user_id: input.by, recorded_at: input.now })
    .onConflict((oc) => oc.column('alert_id').doNothing())
    .returning('alert_id')
    .executeTakeFirst();
  if (!row) return false;
  await db
    .updateTable('tasks')
    .set({ status: 'cancelled', note: sql<string>`coalesce(note, ${`not a risk (${input.reason})`})` })
    .where('alert_id', '=', input.alertId)
    .where('status', 'in', ['open', 'snoozed'])
    .execute();
  return true;
}

export interface NotRiskRateRow {
  readonly tier: string;
  /** Delivered risk alerts (sent or dry run, holdout excluded). */
  readonly alerts: number;
  readonly notRisk: number;
  readonly reasons: Readonly<Record<string, number>>;
}

/** Per tier: delivered risk alerts and how many of them Slack users marked not a risk, by reason. */
/** Delivered risk alerts and how many were marked "not a risk", per tier; optionally alerts dated in [from, to]. */
export async function notRiskRates(db: Queryable, period?: { from: string; to: string }): Promise<NotRiskRateRow[]> {
  const from = period?.from ?? '0001-01-01';
  const to = period?.to ?? '9999-12-31';
  const result = await sql<{ tier: string; alerts: number; not_risk: number; reasons: Record<string, number> | null }>`
    WITH delivered AS (
      SELECT a.alert_id, a.account_id, a.tier FROM alerts a
      WHERE a.kind = 'risk' AND NOT a.is_holdout AND a.status IN ${DELIVERED_SQL} AND a.tier IS NOT NULL
        AND a.as_of BETWEEN ${from}::date AND ${to}::date
    ),
    -- Joined on account_id too: the colocation rule (docs/scaling.md), the rows are the same.
    marked AS (
      SELECT d.tier, f.alert_id, f.reason FROM delivered d JOIN alert_feedback f ON f.alert_id = d.alert_id AND f.account_id = d.account_id
    ),
    reasons AS (
      SELECT r.tier, jsonb_object_agg(r.reason, r.n) AS reasons FROM (SELECT tier, reason, count(*)::int AS n FROM marked GROUP BY tier, reason) r GROUP BY r.tier
    )
    SELECT a.tier, count(*)::int AS alerts, count(f.alert_id)::int AS not_risk, min(reasons.reasons::text)::jsonb AS reasons
    FROM delivered a
    LEFT JOIN alert_feedback f ON f.alert_id = a.alert_id AND f.account_id = a.account_id
    LEFT JOIN reasons ON reasons.tier = a.tier
    GROUP BY a.tier
    ORDER BY CASE a.tier WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END`.execute(db);
  return result.rows.map((row) => ({ tier: row.tier, alerts: row.alerts, notRisk: row.not_risk, reasons: row.reasons ?? {} }));
}

// ---- Slash command reads --------------------------------------------------------------------

export interface OpenTaskRow {
  readonly taskId: number;
  readonly account: string;
  readonly accountName: string;
  readonly playbook: string;
  readonly step: string;
  readonly dueOn: string;
  readonly status: string;
  readonly snoozedUntil: string | null;
}

export interface AccountSummaryRow {
  readonly accountId: number;
  readonly externalId: string;
  readonly name: string;
  readonly renewalDate: string;
  readonly csmSlackId: string | null;
  readonly score: { readonly asOf: string; readonly probability: number; readonly tier: string; readonly modelVersion: string; readonly drivers: Json } | null;
  readonly openTasks: readonly OpenTaskRow[];
}

const openTaskColumns = ['tasks.task_id', 'accounts.external_id', 'accounts.name', 'tasks.playbook', 'tasks.step', 'tasks.due_on', 'tasks.status', 'tasks.snoozed_until'] as const;

function mapOpenTask(row: { task_id: number; external_id: string; name: string; playbook: string; step: string; due_on: string; status: string; snoozed_until: string | null }): OpenTaskRow {
  return { taskId: row.task_id, account: row.external_id, accountName: row.name, playbook: row.playbook, step: row.step, dueOn: row.due_on, status: row.status, snoozedUntil: row.snoozed_until };
}

/** An account by external id (case-insensitive) or exact name, with its latest score and open tasks. */
export async function accountSummary(db: Queryable, query: string): Promise<AccountSummaryRow | undefined> {
  const account = await db
    .selectFrom('accounts')
    .select(['account_id', 'external_id', 'name', 'renewal_date', 'csm_slack_id'])
    .where((eb) => eb.or([eb(eb.fn('lower', ['external_id']), '=', query.toLowerCase()), eb(eb.fn('lower', ['name']), '=', query.toLowerCase())]))
    .orderBy('account_id')
    .executeTakeFirst();
  if (!account) return undefined;
  const score = await db
    .selectFrom('risk_scores')
    .leftJoin('models', 'models.version', 'risk_scores.model_version')
    .select(['risk_scores.as_of', 'risk_scores.probability', 'risk_scores.tier', 'risk_scores.model_version', 'risk_scores.drivers'])
    .where('risk_scores.account_id', '=', account.account_id)
    .orderBy('risk_scores.as_of', 'desc')
    .orderBy(sql`models.is_promoted DESC NULLS LAST`)
    .orderBy('risk_scores.scored_at', 'desc')
    .executeTakeFirst();
  const tasks = await db
    .selectFrom('tasks')
    .innerJoin('accounts', 'accounts.account_id', 'tasks.account_id')
    .select([...openTaskColumns])
    .where('tasks.account_id', '=', account.account_id)
    .where('tasks.status', 'in', ['open', 'snoozed'])
    .orderBy('tasks.due_on')
    .orderBy('tasks.task_id')
    .execute();
  return {
    accountId: account.account_id,
    externalId: account.external_id,
    name: account.name,
    renewalDate: account.renewal_date,
    csmSlackId: account.csm_slack_id,
    score: score ? { asOf: score.as_of, probability: score.probability, tier: score.tier, modelVersion: score.model_version, drivers: score.drivers } : null,
    openTasks: tasks.map(mapOpenTask),
  };
}

/**
 * Open and snoozed tasks of the CSM behind a Slack user id: tasks owned by an email that maps to the
 * id (the slack_users cache, `extraEmails` from routing.csmSlackIds), and CSM tasks on accounts whose
 * csm_slack_id is the id.
 */
export async function openTasksForSlackUser(db: Queryable, slackUserId: string, extraEmails: readonly string[] = []): Promise<OpenTaskRow[]> {
  const cached = await db.selectFrom('slack_users').select('email').where('slack_id', '=', slackUserId).execute();
  const emails = [...new Set([...cached.map((row) => row.email), ...extraEmails.map((email) => email.trim().toLowerCase())])];
  const rows = await db
    .selectFrom('tasks')
    .innerJoin('accounts', 'accounts.account_id', 'tasks.account_id')
    .select([...openTaskColumns])
    .where('tasks.status', 'in', ['open', 'snoozed'])
    .where((eb) =>
      eb.or([
        ...(emails.length ? [eb('tasks.owner', 'in', emails)] : []),
        eb.and([eb('accounts.csm_slack_id', '=', slackUserId), eb('tasks.owner_role', '=', 'csm')]),
      ]),
    )
    .orderBy('tasks.due_on')
    .orderBy('tasks.task_id')
    .execute();
  return rows.map(mapOpenTask);
}
