// `radar escalate --as-of D`: a task still open `escalateAfterDays` past its due day notifies the
// CSM's manager (routing.managers) or the team channel, once: the escalation alert is unique per task.
import type { Kysely } from 'kysely';
import { insertAlert, setPayload } from '../sql/alerts.ts';
import type { DB, Json } from '../sql/schema.ts';
import { escalationCandidates, markEscalated } from '../sql/tasks.ts';
import { addDays } from './dates.ts';
import { deliverOutbox, type DeliverySummary } from './deliver.ts';
import { needsEscalation } from './plan.ts';
import { rendererFor, type AlertStepOptions } from './run.ts';
import { escalationTarget } from './routing.ts';
import { buildEscalationView } from './view.ts';

export type EscalationOptions = Omit<AlertStepOptions, 'retryFailed'>;

export async function runEscalation(db: Kysely<DB>, options: EscalationOptions): Promise<{ escalated: number; delivery: DeliverySummary }> {
  const { asOf, config } = options;
  const routing = config.routing;
  const renderer = rendererFor(config, options.baseDir);
  const candidates = await escalationCandidates(db, addDays(asOf, 1 - routing.escalateAfterDays));
  let escalated = 0;
  await db.transaction().execute(async (trx) => {
    for (const task of candidates) {
      if (!needsEscalation({ ...task, escalated: task.escalatedAt !== null }, asOf, routing.escalateAfterDays)) continue;
      const target = escalationTarget(task.csmEmail, task.segment, routing);
      const alertId = await insertAlert(trx, {
        dedupKey: `escalation:task:${task.taskId}`, kind: 'escalation', accountId: task.accountId, asOf, tier: null, modelVersion: null, probability: null,
        channel: target, recipient: target, status: 'pending', configVersion: options.configVersion, taskId: task.taskId, parentAlertId: task.alertId,
      });
      await markEscalated(trx, task.taskId, options.now());
      if (alertId === undefined) continue;
      const view = buildEscalationView({
        alertId, taskId: task.taskId, account: { accountId: task.accountId, externalId: task.account, name: task.accountName }, taskTitle: task.step,
        dueOn: task.status === 'snoozed' && task.snoozedUntil && task.snoozedUntil > task.dueOn ? task.snoozedUntil : task.dueOn,
        asOf, ownerRole: task.ownerRole, csmSlackId: task.csmSlackId, csmEmail: task.csmEmail, crmUrlTemplate: routing.crmUrlTemplate,
      });
      await setPayload(trx, alertId, { view, message: renderer.escalation(view) } as unknown as Json);
      escalated += 1;
    }
  });
  options.logger.info({ event: 'tasks_escalated', asOf, escalated });
  const delivery = await deliverOutbox(db, {
    slack: options.slack, outboxDir: options.outboxDir, print: options.print, logger: options.logger, now: options.now,
    sleep: options.sleep, retry: routing.delivery, hooks: options.hooks,
  });
  return { escalated, delivery };
}
