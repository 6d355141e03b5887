// Interactivity payloads (POST /slack/actions): the alert buttons (block_actions) and the
// "Not a risk" modal (view_submission). Each records who and when, changes the task or alert in one
// transaction with the idempotency record, answers Slack at once, and re-renders the message
// (chat.update) after the answer.
//
// Idempotency: the key is what stays the same when Slack retries a delivery (X-Slack-Retry-Num) or a
// signed request is replayed — the action's action_ts + action_id + value + user, the modal's view
// id. A second delivery finds the key taken and changes nothing (no record, no chat.update).
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Logger } from '../../pipelines/log.ts';
import { alertForAction, alertState, recordInteraction, setAlertPayload } from '../../sql/interactions.ts';
import type { DB, Json } from '../../sql/schema.ts';
import type { WebhookSubscriber } from '../../sql/webhooks.ts';
import { tryParseId } from '../ids.ts';
import type { Renderer, SlackMessage } from '../render.ts';
import { actionIds, applyAlertState, NOT_A_RISK_REASONS, type AlertView, type DigestView } from '../view.ts';
import { completeTaskOnce, markNotRiskOnce, snoozeAlertOnce } from './act.ts';
import type { InteractivityApi } from './slack-web.ts';

export const NOT_A_RISK_CALLBACK_ID = 'radar_not_a_risk';

export interface HandlerDeps {
  readonly db: Kysely<DB>;
  /** null: record only (no SLACK_BOT_TOKEN), messages are not updated and no modal opens. */
  readonly slack: InteractivityApi | null;
  readonly renderer: Renderer;
  readonly logger: Logger;
  readonly now: () => Date;
  /** Runs work after the HTTP answer (Slack wants an answer within 3 s); the server tracks it for shutdown. */
  readonly later: (name: string, work: () => Promise<void>) => void;
  /** Webhook endpoints (config `webhooks`) a completed task is announced to. */
  readonly webhooks?: readonly WebhookSubscriber[];
}

export interface HttpAnswer {
  readonly status: number;
  /** JSON body; undefined = empty body. */
  readonly body?: unknown;
}

const userSchema = z.object({ id: z.string().min(1).max(40) }).passthrough();

const blockActionsSchema = z
  .object({
    type: z.literal('block_actions'),
    user: userSchema,
    trigger_id: z.string().optional(),
    actions: z.array(z.object({ action_id: z.string(), value: z.string().optional(), action_ts: z.string().optional(), block_id: z.string().optional() }).passthrough()).min(1).max(10),
  })
  .passthrough();

const viewSubmissionSchema = z
  .object({
    type: z.literal('view_submission'),
    user: userSchema,
    view: z
      .object({
        id: z.string().min(1),
        callback_id: z.string(),
        private_metadata: z.string().default(''),
        state: z.object({ values: z.record(z.string(), z.record(z.string(), z.object({ selected_option: z.object({ value: z.string() }).nullish(), value: z.string().nullish() }).passthrough())) }).passthrough(),
      })
      .passthrough(),
  })
  .passthrough();

/** The "Not a risk" modal (views.open); private_metadata carries the alert id. */
export function notRiskModal(alertId: number): Record<string, unknown> {
  return {
    type: 'modal',
    callback_id: NOT_A_RISK_CALLBACK_ID,
    private_metadata: JSON.stringify({ alertId }),
    title: { type: 'plain_text', text: 'Not a risk' },
    submit: { type: 'plain_text', text: 'Save' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'input',
        block_id: 'reason',
        label: { type: 'plain_text', text: 'Why is this account not at risk?' },
        element: {
          type: 'radio_buttons',
          action_id: 'reason',
          options: Object.entries(NOT_A_RISK_REASONS).map(([value, text]) => ({ value, text: { type: 'plain_text', text } })),
        },
      },
      {
        type: 'input',
        block_id: 'note',
        optional: true,
        label: { type: 'plain_text', text: 'Note' },
        element: { type: 'plain_text_input', action_id: 'note', multiline: true, max_length: 1000 },
      },
    ],
  };
}

/** Re-renders an alert's message from its stored view and the current state, then chat.update. */
export function createRefresher(deps: Omit<HandlerDeps, 'later'>): (alertId: number) => Promise<void> {
  // One refresh at a time per alert, each reading the state fresh: the last update shows the latest state.
  const chains = new Map<number, Promise<void>>();
  const refresh = async (alertId: number) => {
    const alert = await alertForAction(deps.db, alertId);
    const payload = alert?.payload as { view?: AlertView; message?: SlackMessage } | null | undefined;
    if (!alert || alert.kind !== 'risk' || !payload?.view) {
      deps.logger.warn({ event: 'slack_refresh_skipped', alertId, reason: 'not a risk alert with a stored view' });
      return;
    }
    const view = applyAlertState(payload.view, await alertState(deps.db, alertId));
    const message = deps.renderer.alert(view);
    await setAlertPayload(deps.db, alertId, { ...payload, view, message } as unknown as Json);
    if (alert.digestAlertId !== null) {
      await refreshDigest(alert.digestAlertId);
      return;
    }
    if (!deps.slack || !alert.channel || !alert.slackTs) {
      deps.logger.info({ event: 'slack_refresh_skipped', alertId, reason: deps.slack ? 'alert has no Slack message' : 'no SLACK_BOT_TOKEN' });
      return;
    }
    await deps.slack.updateMessage({ channel: alert.channel, ts: alert.slackTs, message });
    deps.logger.info({ event: 'slack_message_updated', alertId });
  };
  /** A digest is one Slack message for several alerts: re-render all of its accounts with their current state. */
  const refreshDigest = async (digestAlertId: number) => {
    const digest = await alertForAction(deps.db, digestAlertId);
    const payload = digest?.payload as { view?: DigestView; message?: SlackMessage } | null | undefined;
    if (!digest || digest.kind !== 'digest' || !payload?.view) {
      deps.logger.warn({ event: 'slack_refresh_skipped', alertId: digestAlertId, reason: 'digest without a stored view' });
      return;
    }
    const members: AlertView[] = [];
    for (const member of payload.view.alerts) members.push(applyAlertState(member, await alertState(deps.db, member.alertId)));
    const view: DigestView = { ...payload.view, alerts: members };
    const message = deps.renderer.digest(view);
    await setAlertPayload(deps.db, digestAlertId, { ...payload, view, message } as unknown as Json);
    if (!deps.slack || !digest.channel || !digest.slackTs) {
      deps.logger.info({ event: 'slack_refresh_skipped', alertId: digestAlertId, reason: deps.slack ? 'digest has no Slack message' : 'no SLACK_BOT_TOKEN' });
      return;
    }
    await deps.slack.updateMessage({ channel: digest.channel, ts: digest.slackTs, message });
    deps.logger.info({ event: 'slack_message_updated', alertId: digestAlertId, digest: true });
  };
  return (alertId) => {
    const next = (chains.get(alertId) ?? Promise.resolve()).catch(() => undefined).then(() => refresh(alertId));
    chains.set(alertId, next);
    void next.finally(() => {
      if (chains.get(alertId) === next) chains.delete(alertId);
    }).catch(() => undefined);
    return next;
  };
}

export async function handleInteraction(deps: HandlerDeps, refresh: (alertId: number) => Promise<void>, raw: unknown): Promise<HttpAnswer> {
  const type = (raw as { type?: unknown } | null)?.type;
  if (type === 'block_actions') {
    const parsed = blockActionsSchema.safeParse(raw);
    if (!parsed.success) return { status: 400, body: { error: 'malformed block_actions payload' } };
    await handleBlockActions(deps, refresh, parsed.data);
    return { status: 200 };
  }
  if (type === 'view_submission') {
    const parsed = viewSubmissionSchema.safeParse(raw);
    if (!parsed.success) return { status: 400, body: { error: 'malformed view_submission payload' } };
    return handleViewSubmission(deps, refresh, parsed.data);
  }
  // view_closed, shortcuts, …: nothing to do, but Slack wants a 200.
  deps.logger.info({ event: 'slack_interaction_ignored', type: typeof type === 'string' ? type : 'unknown' });
  return { status: 200 };
}

async function handleBlockActions(deps: HandlerDeps, refresh: (alertId: number) => Promise<void>, payload: z.infer<typeof blockActionsSchema>): Promise<void> {
  const user = payload.user.id;
  const now = deps.now();
  for (const action of payload.actions) {
    const key = `block_actions:${action.action_ts ?? payload.trigger_id ?? ''}:${action.action_id}:${action.value ?? ''}:${user}`;
    const parsed = tryParseId(action.value, 'button value');
    const log = { actionId: action.action_id, user, value: action.value };
    if ('error' in parsed) {
      deps.logger.info({ event: 'slack_action_ignored', ...log, reason: `not a radar button: ${parsed.error}` });
      continue;
    }
    const { id } = parsed;
    switch (action.action_id) {
      case actionIds.taskDone: {
        const { outcome, alertId } = await completeTaskOnce(deps.db, { key, by: user, now }, id, null, deps.webhooks);
        if (outcome === 'not_found') {
          deps.logger.warn({ event: 'slack_action_ignored', ...log, reason: 'no such task' });
          continue;
        }
        deps.logger.info({ event: outcome === 'recorded' ? 'slack_task_done' : 'slack_action_duplicate', ...log, taskId: id });
        if (outcome === 'recorded' && alertId !== undefined) deps.later(`refresh alert ${alertId}`, () => refresh(alertId));
        break;
      }
      case actionIds.snooze: {
        const { outcome, until } = await snoozeAlertOnce(deps.db, { key, by: user, now }, id);
        if (outcome === 'not_found') {
          deps.logger.warn({ event: 'slack_action_ignored', ...log, reason: 'no such alert' });
          continue;
        }
        deps.logger.info({ event: outcome === 'recorded' ? 'slack_alert_snoozed' : 'slack_action_duplicate', ...log, alertId: id, until });
        if (outcome === 'recorded') deps.later(`refresh alert ${id}`, () => refresh(id));
        break;
      }
      case actionIds.notRisk: {
        const alert = await alertForAction(deps.db, id);
        if (!alert) {
          deps.logger.warn({ event: 'slack_action_ignored', ...log, reason: 'no such alert' });
          continue;
        }
        const recorded = await recordInteraction(deps.db, { key, kind: 'not_a_risk_prompt', slackUserId: user, accountId: alert.accountId, alertId: id, now });
        const slack = deps.slack;
        const triggerId = payload.trigger_id;
        if (!recorded) {
          deps.logger.info({ event: 'slack_action_duplicate', ...log });
        } else if (slack && triggerId) {
          // The trigger_id expires 3 s after the click: open the modal right after answering.
          deps.later(`views.open for alert ${id}`, () => slack.openView({ triggerId, view: notRiskModal(id) }));
        } else {
          deps.logger.warn({ event: 'slack_modal_skipped', ...log, reason: slack ? 'no trigger_id' : 'no SLACK_BOT_TOKEN' });
        }
        break;
      }
      default:
        deps.logger.info({ event: 'slack_action_ignored', ...log, reason: 'unknown action_id' });
    }
  }
}

async function handleViewSubmission(deps: HandlerDeps, refresh: (alertId: number) => Promise<void>, payload: z.infer<typeof viewSubmissionSchema>): Promise<HttpAnswer> {
  const { view } = payload;
  if (view.callback_id !== NOT_A_RISK_CALLBACK_ID) return { status: 200 };
  let metadata: { alertId?: unknown } | null;
  try {
    metadata = JSON.parse(view.private_metadata) as { alertId?: unknown } | null;
  } catch {
    metadata = null;
  }
  const parsed = tryParseId(metadata?.alertId, 'alertId');
  if ('error' in parsed) return { status: 400, body: { error: `modal without an alert id: ${parsed.error}` } };
  const alertId = parsed.id;
  const reason = view.state.values.reason?.reason?.selected_option?.value;
  if (!reason || !(reason in NOT_A_RISK_REASONS)) return { status: 200, body: { response_action: 'errors', errors: { reason: 'Choose a reason' } } };
  const rawNote = view.state.values.note?.note?.value?.trim() ?? '';
  const note = rawNote ? rawNote.slice(0, 1000) : null;
  const user = payload.user.id;
  const id = alertId;
  const { outcome } = await markNotRiskOnce(deps.db, { key: `view_submission:${view.id}`, by: user, now: deps.now() }, id, { reason, note });
  if (outcome === 'not_found') return { status: 200, body: { response_action: 'errors', errors: { reason: 'This alert no longer exists' } } };
  const recorded = outcome === 'recorded';
  deps.logger.info({ event: recorded ? 'slack_not_a_risk' : 'slack_action_duplicate', alertId: id, user, reason });
  if (recorded) deps.later(`refresh alert ${id}`, () => refresh(id));
  // An empty 200 closes the modal.
  return { status: 200 };
}
