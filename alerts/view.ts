// View-models: everything a template shows, already formatted and escaped (mrkdwn.ts: every data value
// through mrkdwnEscape, cut to its SHOWN length; `header` is plain text). Pure.
// Messages carry no invoice amounts or other personal data: only account-level facts, the drivers'
// sentences, tasks and Slack ids (to mention a CSM). One exception: an escalation whose CSM has no
// valid Slack id names the CSM by email rather than mentioning an id that could be an injection.
import { daysBetween } from './dates.ts';
import { cleanText, mrkdwnEscape, slackMention, slackUrl, truncatePlain } from './mrkdwn.ts';
import type { Driver, SelectedPlaybook } from './plan.ts';
import type { Tier } from './tiers.ts';

export { mrkdwnEscape };

/** How much of each data value a message shows (characters of the original, before escaping): long
 *  enough for any real name, short enough that every block stays inside Slack's limits. */
export const SHOWN = { name: 200, id: 100, segment: 100, sentence: 500, task: 300, role: 40, version: 80, header: 150 } as const;

export function formatMoney(cents: number, currency: string): string {
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency, maximumFractionDigits: 0, minimumFractionDigits: 0 }).format(cents / 100);
  } catch {
    return `${Math.round(cents / 100).toLocaleString('en-US')} ${currency}`;
  }
}

export function formatPercent(probability: number): string {
  return `${Math.round(probability * 100)}%`;
}

export const TIER_LABEL: Record<Tier, string> = { low: 'Low', medium: 'Medium', high: 'High', critical: 'Critical' };
export const TIER_EMOJI: Record<Tier, string> = { low: ':large_green_circle:', medium: ':large_yellow_circle:', high: ':large_orange_circle:', critical: ':red_circle:' };

export function crmUrl(template: string, account: { externalId: string; accountId: number }): string {
  return template.replace(/\{\{\s*externalId\s*\}\}/g, encodeURIComponent(account.externalId)).replace(/\{\{\s*accountId\s*\}\}/g, String(account.accountId));
}

/** Slack `block_id`s, stable so buttons added later (issue 9) can find the alert and task they act on. */
export const blockIds = {
  alert: (alertId: number) => `radar:alert:${alertId}`,
  task: (taskId: number) => `radar:task:${taskId}`,
  actions: (alertId: number) => `radar:actions:${alertId}`,
};

/** `action_id`s of the buttons on an alert (alerts/serve/ handles them); a button's `value` is the task or alert id. */
export const actionIds = {
  taskDone: 'radar_task_done',
  snooze: 'radar_snooze',
  notRisk: 'radar_not_a_risk',
} as const;

export interface AlertAccount {
  readonly accountId: number;
  readonly externalId: string;
  readonly name: string;
  readonly segment: string;
  readonly arrCents: number;
  readonly currency: string;
  readonly renewalDate: string;
}

export interface AlertScore {
  readonly asOf: string;
  readonly probability: number;
  readonly tier: Tier;
  readonly modelVersion: string;
  readonly previous: { readonly asOf: string; readonly probability: number; readonly tier: Tier } | null;
}

export interface StoredTask {
  readonly taskId: number;
  readonly playbook: string;
  readonly title: string;
  readonly ownerRole: string;
  readonly dueOn: string;
  readonly status: string;
}

export interface AlertView {
  readonly alertId: number;
  readonly blockId: string;
  readonly dedupKey: string;
  readonly text: string;
  readonly header: string;
  readonly account: { readonly name: string; readonly externalId: string; readonly segment: string; readonly crmUrl: string };
  readonly arr: string;
  readonly renewal: { readonly date: string; readonly daysLeft: number; readonly text: string };
  readonly risk: { readonly probability: string; readonly tier: Tier; readonly tierLabel: string; readonly emoji: string };
  readonly change: string;
  readonly drivers: readonly { readonly indicator: string; readonly sentence: string }[];
  readonly hasPlaybooks: boolean;
  readonly playbooks: readonly {
    readonly key: string;
    readonly title: string;
    readonly tasks: readonly { readonly taskId: number; readonly blockId: string; readonly text: string; readonly dueOn: string; readonly ownerRole: string; readonly done: boolean; readonly doneNote?: string }[];
  }[];
  readonly footer: string;
  /** Show the buttons ("Task done", "Snooze 7 days", "Not a risk"); off once the alert was rejected. */
  readonly buttons?: boolean;
  readonly actionsBlockId?: string;
  /** A line on what happened to the alert in Slack (snoozed, not a risk), or empty. */
  readonly status?: string;
}

/** What Slack users did to an alert, read back from the database to re-render its message. */
export interface AlertState {
  readonly tasks: ReadonlyMap<number, { readonly status: string; readonly completedBy: string | null; readonly snoozedUntil: string | null }>;
  readonly snoozedUntil: string | null;
  readonly snoozedBy: string | null;
  readonly notRisk: { readonly reason: string; readonly by: string } | null;
}

export const NOT_A_RISK_REASONS = {
  customer_fine: 'Customer is fine',
  data_wrong: 'Data is wrong',
  already_handled: 'Already handled',
  other: 'Other',
} as const;
export type NotRiskReason = keyof typeof NOT_A_RISK_REASONS;

const mention = (user: string | null) => slackMention(user, user ?? 'someone');

/** The stored view with the current state applied: tasks done (and by whom), snooze, not-a-risk. Pure. */
export function applyAlertState(view: AlertView, state: AlertState): AlertView {
  const lines: string[] = [];
  if (state.notRisk) lines.push(`:no_entry_sign: Marked *not a risk* by ${mention(state.notRisk.by)}: ${NOT_A_RISK_REASONS[state.notRisk.reason as NotRiskReason] ?? mrkdwnEscape(state.notRisk.reason, SHOWN.sentence)}`);
  if (state.snoozedUntil) lines.push(`:zzz: Snoozed until ${state.snoozedUntil} by ${mention(state.snoozedBy)}`);
  return {
    ...view,
    buttons: !state.notRisk,
    actionsBlockId: blockIds.actions(view.alertId),
    status: lines.join('\n'),
    playbooks: view.playbooks.map((playbook) => ({
      ...playbook,
      tasks: playbook.tasks.map((task) => {
        const current = state.tasks.get(task.taskId);
        if (!current) return task;
        const done = current.status === 'done';
        const doneNote = done ? ` · done by ${mention(current.completedBy)}` : current.status === 'snoozed' && current.snoozedUntil ? ` · snoozed until ${current.snoozedUntil}` : current.status === 'cancelled' ? ' · cancelled' : '';
        return { ...task, done, doneNote };
      }),
    })),
  };
}

export function changeText(score: AlertScore): string {
  if (!score.previous) return 'First score for this account';
  const points = Math.round((score.probability - score.previous.probability) * 100);
  const arrow = points > 0 ? ':arrow_up_small:' : points < 0 ? ':arrow_down_small:' : ':left_right_arrow:';
  const signed = points > 0 ? `+${points}` : String(points);
  return `${arrow} ${signed} pts since ${score.previous.asOf} (was ${formatPercent(score.previous.probability)}, ${score.previous.tier})`;
}

export function renewalText(asOf: string, renewalDate: string): { daysLeft: number; text: string; relative: string } {
  const daysLeft = daysBetween(asOf, renewalDate);
  const relative = daysLeft > 1 ? `in ${daysLeft} days` : daysLeft === 1 ? 'tomorrow' : daysLeft === 0 ? 'today' : `${-daysLeft} days ago`;
  const text = daysLeft > 1 ? `${renewalDate} (in ${daysLeft} days)` : daysLeft === 1 ? `${renewalDate} (tomorrow)` : daysLeft === 0 ? `${renewalDate} (today)` : `${renewalDate} (${-daysLeft} days ago)`;
  return { daysLeft, text, relative };
}

export function buildAlertView(input: {
  alertId: number;
  dedupKey: string;
  account: AlertAccount;
  score: AlertScore;
  drivers: readonly Driver[];
  playbooks: readonly Pick<SelectedPlaybook, 'key' | 'title'>[];
  tasks: readonly StoredTask[];
  crmUrlTemplate: string;
  configVersion: string;
}): AlertView {
  const { account, score } = input;
  const renewal = renewalText(score.asOf, account.renewalDate);
  const tierLabel = TIER_LABEL[score.tier];
  const probability = formatPercent(score.probability);
  const name = mrkdwnEscape(account.name, SHOWN.name);
  return {
    alertId: input.alertId,
    blockId: blockIds.alert(input.alertId),
    dedupKey: input.dedupKey,
    // `text` is the notification and fallback: Slack parses it as mrkdwn, so it carries the escaped name.
    text: `${tierLabel} churn risk: ${name} — ${probability}, renews ${renewal.relative}`,
    // The header is plain_text: Slack shows it as typed, so it is cleaned and cut, not escaped.
    header: truncatePlain(`${tierLabel} churn risk: ${cleanText(account.name)}`, SHOWN.header),
    account: { name, externalId: mrkdwnEscape(account.externalId, SHOWN.id), segment: mrkdwnEscape(account.segment, SHOWN.segment), crmUrl: slackUrl(crmUrl(input.crmUrlTemplate, account)) },
    arr: mrkdwnEscape(formatMoney(account.arrCents, account.currency), SHOWN.id),
    renewal: { date: account.renewalDate, daysLeft: renewal.daysLeft, text: renewal.text },
    risk: { probability, tier: score.tier, tierLabel, emoji: TIER_EMOJI[score.tier] },
    change: changeText(score),
    drivers: input.drivers.map((driver) => ({ indicator: driver.indicator, sentence: mrkdwnEscape(driver.sentence, SHOWN.sentence) })),
    hasPlaybooks: input.playbooks.length > 0,
    playbooks: input.playbooks.map((playbook) => ({
      key: playbook.key,
      title: mrkdwnEscape(playbook.title, SHOWN.task),
      tasks: input.tasks
        .filter((task) => task.playbook === playbook.key)
        .map((task) => ({
          taskId: task.taskId,
          blockId: blockIds.task(task.taskId),
          text: mrkdwnEscape(task.title, SHOWN.task),
          dueOn: task.dueOn,
          ownerRole: mrkdwnEscape(task.ownerRole, SHOWN.role),
          done: task.status === 'done',
        })),
    })),
    footer: `Model ${mrkdwnEscape(score.modelVersion, SHOWN.version)} · config ${mrkdwnEscape(input.configVersion, SHOWN.version)} · as of ${score.asOf} · alert #${input.alertId}`,
    buttons: true,
    actionsBlockId: blockIds.actions(input.alertId),
    status: '',
  };
}

export interface RiskReducedView {
  readonly text: string;
  readonly blockId: string;
}

export function buildRiskReducedView(input: { parentAlertId: number; accountName: string; asOf: string; tier: Tier; probability: number; previousTier: Tier; previousAsOf: string }): RiskReducedView {
  return {
    blockId: blockIds.alert(input.parentAlertId),
    text: `:white_check_mark: Risk reduced: ${mrkdwnEscape(input.accountName, SHOWN.name)} is now ${input.tier} (${formatPercent(input.probability)}) as of ${input.asOf}, down from ${input.previousTier} on ${input.previousAsOf}.`,
  };
}

export interface EscalationView {
  readonly text: string;
  readonly blockId: string;
  readonly taskBlockId: string;
  readonly account: string;
  readonly task: string;
  readonly dueOn: string;
  readonly daysOverdue: number;
  readonly owner: string;
  readonly crmUrl: string;
}

export function buildEscalationView(input: {
  alertId: number;
  taskId: number;
  account: Pick<AlertAccount, 'accountId' | 'externalId' | 'name'>;
  taskTitle: string;
  dueOn: string;
  asOf: string;
  ownerRole: string;
  csmSlackId: string | null;
  /** Named instead when the Slack id is missing or not a valid id (never a mention then). */
  csmEmail?: string | null;
  crmUrlTemplate: string;
}): EscalationView {
  const daysOverdue = daysBetween(input.dueOn, input.asOf);
  const csm = input.ownerRole === 'csm';
  const ownerName = (csm && cleanText(input.csmEmail, SHOWN.name)) || `the ${cleanText(input.ownerRole, SHOWN.role)} owner`;
  const owner = slackMention(csm ? input.csmSlackId : null, ownerName);
  const account = mrkdwnEscape(input.account.name, SHOWN.name);
  const task = mrkdwnEscape(input.taskTitle, SHOWN.task);
  return {
    text: `Overdue task on ${account}: "${task}" was due ${input.dueOn} (${daysOverdue} days ago).`,
    blockId: blockIds.alert(input.alertId),
    taskBlockId: blockIds.task(input.taskId),
    account,
    task,
    dueOn: input.dueOn,
    daysOverdue,
    owner,
    crmUrl: slackUrl(crmUrl(input.crmUrlTemplate, input.account)),
  };
}

export interface DigestView {
  readonly text: string;
  readonly blockId: string;
  readonly asOf: string;
  readonly count: number;
  readonly alerts: readonly AlertView[];
}

export function buildDigestView(input: { digestAlertId: number; asOf: string; alerts: readonly AlertView[] }): DigestView {
  const count = input.alerts.length;
  return {
    text: `Renewal Radar: ${count} account${count === 1 ? '' : 's'} at risk as of ${input.asOf}`,
    blockId: blockIds.alert(input.digestAlertId),
    asOf: input.asOf,
    count,
    alerts: input.alerts,
  };
}
