// The /radar slash command (POST /slack/commands). Slack wants an answer within 3 seconds, so the
// request is answered at once with an ephemeral "looking…" and the lookup runs after, its result
// POSTed to the command's response_url. That URL comes from the request, so only Slack's own hooks
// host (https://hooks.slack.com) and the configured allow-list are ever fetched, without redirects.
import type { Kysely } from 'kysely';
import type { Logger } from '../../pipelines/log.ts';
import { accountSummary, openTasksForSlackUser, recordInteraction, type OpenTaskRow } from '../../sql/interactions.ts';
import type { DB } from '../../sql/schema.ts';
import { daysBetween, dayOf } from '../dates.ts';
import { parseDrivers } from '../run.ts';
import { formatPercent, mrkdwnEscape } from '../view.ts';
import type { HttpAnswer } from './actions.ts';

export interface CommandDeps {
  readonly db: Kysely<DB>;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly later: (name: string, work: () => Promise<void>) => void;
  /** Origins besides https://hooks.slack.com that a response_url may point at (tests). */
  readonly responseUrlAllowList: readonly string[];
  /** CSM email → Slack id from routing.csmSlackIds, for `/radar mine`. */
  readonly csmSlackIds: Readonly<Record<string, string>>;
  readonly fetch?: typeof fetch;
}

/** Whether a response_url may be fetched: https on hooks.slack.com, or an allow-listed origin. */
export function allowedResponseUrl(value: string, allowList: readonly string[]): URL | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.username || url.password) return undefined;
  if (url.protocol === 'https:' && url.hostname === 'hooks.slack.com' && (url.port === '' || url.port === '443')) return url;
  return allowList.some((allowed) => new URL(allowed).origin === url.origin) ? url : undefined;
}

const ephemeral = (text: string) => ({ response_type: 'ephemeral', text });

const USAGE = 'Usage: `/radar ACCOUNT` (external id or name) for its risk, drivers, open tasks and renewal; `/radar mine` for your open tasks.';

function taskLine(task: OpenTaskRow, withAccount: boolean): string {
  const state = task.status === 'snoozed' && task.snoozedUntil ? ` (snoozed until ${task.snoozedUntil})` : '';
  return `• #${task.taskId} ${withAccount ? `*${mrkdwnEscape(task.accountName)}* · ` : ''}${mrkdwnEscape(task.step)} — due ${task.dueOn}${state}`;
}

export async function accountAnswer(db: Kysely<DB>, query: string, today: string): Promise<string> {
  const summary = await accountSummary(db, query);
  if (!summary) return `No account matches "${mrkdwnEscape(query)}" (use its external id or exact name).`;
  const daysLeft = daysBetween(today, summary.renewalDate);
  const lines = [`*${mrkdwnEscape(summary.name)}* (${mrkdwnEscape(summary.externalId)})`];
  if (summary.score) {
    lines.push(`Churn probability *${formatPercent(summary.score.probability)}* (${summary.score.tier}) as of ${summary.score.asOf} · model ${mrkdwnEscape(summary.score.modelVersion)}`);
    const drivers = parseDrivers(summary.score.drivers).filter((driver) => driver.contribution > 0).slice(0, 5);
    lines.push('*Why*', drivers.length ? drivers.map((driver) => `• ${mrkdwnEscape(driver.sentence)}`).join('\n') : '• No single driver stands out');
  } else {
    lines.push('Not scored yet.');
  }
  lines.push(`*Renewal* ${summary.renewalDate} (${daysLeft >= 0 ? `in ${daysLeft} days` : `${-daysLeft} days ago`})`);
  lines.push('*Open tasks*', summary.openTasks.length ? summary.openTasks.map((task) => taskLine(task, false)).join('\n') : '• none');
  return lines.join('\n');
}

export async function mineAnswer(db: Kysely<DB>, slackUserId: string, csmSlackIds: Readonly<Record<string, string>>): Promise<string> {
  const emails = Object.entries(csmSlackIds).flatMap(([email, id]) => (id === slackUserId ? [email] : []));
  const tasks = await openTasksForSlackUser(db, slackUserId, emails);
  if (tasks.length === 0) return 'You have no open tasks.';
  return [`*Your open tasks* (${tasks.length})`, ...tasks.slice(0, 50).map((task) => taskLine(task, true)), ...(tasks.length > 50 ? [`…and ${tasks.length - 50} more (\`radar tasks list\`)`] : [])].join('\n');
}

export async function handleSlashCommand(deps: CommandDeps, form: URLSearchParams): Promise<HttpAnswer> {
  const text = (form.get('text') ?? '').trim();
  const user = form.get('user_id') ?? '';
  const triggerId = form.get('trigger_id') ?? '';
  const responseUrl = form.get('response_url') ?? '';
  if (!user) return { status: 400, body: { error: 'no user_id' } };
  if (!text || text === 'help') return { status: 200, body: ephemeral(USAGE) };
  const target = allowedResponseUrl(responseUrl, deps.responseUrlAllowList);
  if (!target) {
    deps.logger.warn({ event: 'slack_command_refused', user, reason: 'response_url not on hooks.slack.com nor allow-listed' });
    return { status: 200, body: ephemeral('Cannot answer: the response URL of this command is not allowed.') };
  }
  const now = deps.now();
  // A slash command is answered once: a replayed or retried delivery (same trigger_id) is acknowledged and ignored.
  const key = `command:${triggerId || `${user}:${form.get('command') ?? ''}:${text}:${now.toISOString()}`}`;
  if (!(await recordInteraction(deps.db, { key, kind: 'command', slackUserId: user, now }))) {
    deps.logger.info({ event: 'slack_command_duplicate', user });
    return { status: 200 };
  }
  const mine = text.toLowerCase() === 'mine';
  deps.later(`/radar ${mine ? 'mine' : 'account'}`, async () => {
    const answer = mine ? await mineAnswer(deps.db, user, deps.csmSlackIds) : await accountAnswer(deps.db, text, dayOf(deps.now()));
    const response = await (deps.fetch ?? fetch)(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...ephemeral(answer), replace_original: true }),
      redirect: 'error',
      signal: AbortSignal.timeout(10_000),
    });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`response_url answered HTTP ${response.status}`);
    deps.logger.info({ event: 'slack_command_answered', user, kind: mine ? 'mine' : 'account' });
  });
  return { status: 200, body: ephemeral(mine ? 'Looking up your open tasks…' : `Looking up ${mrkdwnEscape(text)}…`) };
}
