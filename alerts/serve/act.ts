// The three things a person can do to an alert, shared by the Slack buttons (actions.ts) and the REST
// API (pipelines/api): complete a task, snooze an alert, mark an alert not a risk. Each records the
// interaction under its idempotency key and makes the change in one transaction; a key seen before
// changes nothing ('duplicate'). The caller re-renders the Slack message when something changed.
import type { Kysely } from 'kysely';
import { alertForAction, recordInteraction, recordNotRisk, snoozeAlert } from '../../sql/interactions.ts';
import type { DB } from '../../sql/schema.ts';
import { completeTask, getTask } from '../../sql/tasks.ts';
import { recordTaskCompleted, type WebhookSubscriber } from '../../sql/webhooks.ts';
import { addDays, dayOf } from '../dates.ts';

export const SNOOZE_DAYS = 7;

export type ActOutcome = 'recorded' | 'duplicate' | 'not_found';

export interface Actor {
  /** Idempotency key: what stays the same when the same request is delivered again. */
  readonly key: string;
  /** Who: a Slack user id, or `api:<token name>`. */
  readonly by: string;
  readonly now: Date;
}

/**
 * Marks a task done; `alertId` is the alert whose message shows the task. The task.completed webhook
 * event for `webhooks` (config `webhooks`) commits with the change.
 */
export async function completeTaskOnce(
  db: Kysely<DB>,
  actor: Actor,
  taskId: number,
  note: string | null = null,
  webhooks: readonly WebhookSubscriber[] = [],
): Promise<{ outcome: ActOutcome; alertId?: number }> {
  const task = await getTask(db, taskId);
  if (!task) return { outcome: 'not_found' };
  const recorded = await db.transaction().execute(async (trx) => {
    if (!(await recordInteraction(trx, { key: actor.key, kind: 'task_done', slackUserId: actor.by, accountId: task.accountId, alertId: task.alertId, taskId, now: actor.now }))) return false;
    await completeTask(trx, taskId, { note, by: actor.by, now: actor.now });
    await recordTaskCompleted(trx, webhooks, taskId);
    return true;
  });
  return { outcome: recorded ? 'recorded' : 'duplicate', alertId: task.alertId };
}

/** Snoozes an alert and its open tasks for SNOOZE_DAYS from the actor's day. */
export async function snoozeAlertOnce(db: Kysely<DB>, actor: Actor, alertId: number): Promise<{ outcome: ActOutcome; until: string }> {
  const until = addDays(dayOf(actor.now), SNOOZE_DAYS);
  const alert = await alertForAction(db, alertId);
  if (!alert) return { outcome: 'not_found', until };
  const recorded = await db.transaction().execute(async (trx) => {
    if (!(await recordInteraction(trx, { key: actor.key, kind: 'snooze', slackUserId: actor.by, accountId: alert.accountId, alertId, now: actor.now }))) return false;
    await snoozeAlert(trx, alertId, { until, by: actor.by, now: actor.now });
    return true;
  });
  return { outcome: recorded ? 'recorded' : 'duplicate', until };
}

/** Stores a "not a risk" verdict (the first one per alert stands) and cancels the alert's open tasks. */
export async function markNotRiskOnce(db: Kysely<DB>, actor: Actor, alertId: number, verdict: { reason: string; note: string | null }): Promise<{ outcome: ActOutcome }> {
  const alert = await alertForAction(db, alertId);
  if (!alert || alert.accountId === null) return { outcome: 'not_found' };
  const accountId = alert.accountId;
  const recorded = await db.transaction().execute(async (trx) => {
    if (!(await recordInteraction(trx, { key: actor.key, kind: 'not_a_risk', slackUserId: actor.by, accountId, alertId, now: actor.now }))) return false;
    return recordNotRisk(trx, { alertId, accountId, reason: verdict.reason, note: verdict.note, by: actor.by, now: actor.now });
  });
  return { outcome: recorded ? 'recorded' : 'duplicate' };
}
