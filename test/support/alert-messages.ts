// Every Slack template rendered from the same data, so a test can put long or hostile values in each
// place data reaches a message: account name, external id, segment, driver sentence, task title, CSM
// Slack id and email, the Slack users who acted on an alert, the model version, the not-a-risk reason.
import { parseConfig } from '../../config/load.ts';
import { selectPlaybooks, topDrivers, type Driver } from '../../alerts/plan.ts';
import type { Renderer, SlackMessage } from '../../alerts/render.ts';
import { DRIVERS } from '../alerts-fixtures.ts';
import { applyAlertState, buildAlertView, buildDigestView, buildEscalationView, buildRiskReducedView, type AlertView } from '../../alerts/view.ts';

const { config } = parseConfig({});

export interface MessageData {
  readonly accountName: string;
  readonly externalId: string;
  readonly segment: string;
  readonly sentence: string;
  readonly taskTitle: string;
  readonly csmSlackId: string | null;
  readonly csmEmail: string | null;
  /** A Slack user id (or anything a payload claims is one) who completed, snoozed or rejected. */
  readonly actor: string;
  readonly modelVersion: string;
  readonly reason: string;
}

export const PLAIN: MessageData = {
  accountName: 'Acme Logistics',
  externalId: 'ACME-001',
  segment: 'mid-market',
  sentence: 'Active users fell 45% over the last 30 days',
  taskTitle: 'Run an adoption review with the main contact',
  csmSlackId: 'UDANA',
  csmEmail: 'dana@vendor.example',
  actor: 'UBOSS',
  modelVersion: 'm-2026-01',
  reason: 'customer_fine',
};

/** One driver per default playbook, so every playbook (and its tasks) is in the alert; the first
 *  carries the test's sentence. */
const driversOf = (sentence: string): Driver[] => [{ ...DRIVERS.usage, sentence }, DRIVERS.payment, DRIVERS.support, DRIVERS.competition];

export function alertView(data: MessageData, alertId = 41): AlertView {
  const drivers = topDrivers(driversOf(data.sentence), 4);
  const playbooks = selectPlaybooks(drivers, config.playbooks, '2026-01-15', data.csmEmail);
  let taskId = alertId * 100;
  // The first task carries the test's title (the adoption playbook's own first title in PLAIN).
  const tasks = playbooks.flatMap((playbook) => playbook.tasks.map((task) => ({ taskId, playbook: task.playbook, title: taskId++ === alertId * 100 ? data.taskTitle : task.title, ownerRole: task.ownerRole, dueOn: task.dueOn, status: 'open' })));
  return buildAlertView({
    alertId,
    dedupKey: `risk:7:2026-01-15:high:${alertId}`,
    account: { accountId: 7, externalId: data.externalId, name: data.accountName, segment: data.segment, arrCents: 12_000_000, currency: 'USD', renewalDate: '2026-03-01' },
    score: { asOf: '2026-01-15', probability: 0.4213, tier: 'high', modelVersion: data.modelVersion, previous: { asOf: '2026-01-08', probability: 0.3, tier: 'medium' } },
    drivers,
    playbooks,
    tasks,
    crmUrlTemplate: config.routing.crmUrlTemplate,
    configVersion: 'cfg-0001',
  });
}

/** Every template, named, rendered from `data`. */
export function everyMessage(renderer: Renderer, data: MessageData): Record<string, SlackMessage> {
  const view = alertView(data);
  const firstTask = view.playbooks[0]!.tasks[0]!.taskId;
  const acted = applyAlertState(view, {
    tasks: new Map([[firstTask, { status: 'done', completedBy: data.actor, snoozedUntil: null }]]),
    snoozedUntil: '2026-01-22',
    snoozedBy: data.actor,
    notRisk: { reason: data.reason, by: data.actor },
  });
  const escalation = (ownerRole: string) =>
    renderer.escalation(
      buildEscalationView({
        alertId: 50, taskId: 100, account: { accountId: 7, externalId: data.externalId, name: data.accountName }, taskTitle: data.taskTitle,
        dueOn: '2026-01-22', asOf: '2026-01-29', ownerRole, csmSlackId: data.csmSlackId, csmEmail: data.csmEmail, crmUrlTemplate: config.routing.crmUrlTemplate,
      }),
    );
  return {
    alert: renderer.alert(view),
    'alert after actions': renderer.alert(acted),
    'risk-reduced': renderer.riskReduced(buildRiskReducedView({ parentAlertId: 41, accountName: data.accountName, asOf: '2026-01-20', tier: 'medium', probability: 0.2, previousTier: 'high', previousAsOf: '2026-01-15' })),
    'escalation to the csm': escalation('csm'),
    'escalation to another role': escalation('executive'),
    digest: renderer.digest(buildDigestView({ digestAlertId: 60, asOf: '2026-01-15', alerts: [alertView(data, 41), applyAlertState(alertView(data, 42), { tasks: new Map(), snoozedUntil: null, snoozedBy: null, notRisk: { reason: data.reason, by: data.actor } })] })),
  };
}
