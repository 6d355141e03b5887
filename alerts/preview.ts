// `radar alerts preview`: a rendered Slack message as a reader would see it, for reviewing templates
// without posting. `renderAlertPreviewHtml` draws an approximate Slack card (header, sections with
// mrkdwn styles and links, fields, buttons, context, dividers) as one self-contained HTML page (inline
// CSS, no script, a CSP that forbids any) with every value escaped; `renderAlertPreviewText` prints
// the same message as plain lines for a terminal. Pure.
import { cspMeta, escapeHtml } from './html.ts';
import type { Renderer, SlackMessage } from './render.ts';
import { asSlackShowsIt, parseMrkdwn, type Span } from './slack-display.ts';
import type { CalendarDigestView } from './calendar-view.ts';
import type { AlertView, DigestView, EscalationView, RiskReducedView } from './view.ts';

/** The emoji our templates use, as the characters Slack draws; any other `:name:` stays as typed. */
const EMOJI: Readonly<Record<string, string>> = {
  red_circle: '🔴', large_orange_circle: '🟠', large_yellow_circle: '🟡', large_green_circle: '🟢',
  arrow_up_small: '🔼', arrow_down_small: '🔽', left_right_arrow: '↔️', clipboard: '📋',
  white_check_mark: '✅', white_square: '⬜', rotating_light: '🚨', no_entry_sign: '🚫', zzz: '💤',
};

const withEmoji = (text: string): string => text.replace(/:([a-z0-9_+-]+):/g, (match, name: string) => EMOJI[name] ?? match);

type Json = Record<string, unknown>;
type TextObject = { type?: string; text?: string; emoji?: boolean };

function spanHtml(span: Span): string {
  let html = escapeHtml(span.code ? span.text : withEmoji(span.text));
  if (span.code) html = `<code>${html}</code>`;
  if (span.bold) html = `<strong>${html}</strong>`;
  if (span.italic) html = `<em>${html}</em>`;
  if (span.strike) html = `<s>${html}</s>`;
  if (span.mention) return `<span class="mention">${html}</span>`;
  // Only web and mail links are drawn as links; anything else (javascript:, data:) stays text.
  if (span.url !== undefined) return /^(https?:|mailto:)/i.test(span.url) ? `<a href="${escapeHtml(span.url)}" title="${escapeHtml(span.url)}">${html}</a>` : `<span class="link">${html}</span>`;
  return html;
}

function textHtml(object: unknown): string {
  const text = object as TextObject | undefined;
  if (!text || typeof text.text !== 'string') return '';
  if (text.type === 'mrkdwn') return parseMrkdwn(text.text).map(spanHtml).join('');
  return escapeHtml(text.emoji === false ? text.text : withEmoji(text.text));
}

function buttonHtml(element: Json): string {
  const style = element.style === 'danger' || element.style === 'primary' ? ` ${element.style}` : '';
  return `<span class="button${style}" title="${escapeHtml(`${String(element.action_id ?? '')} = ${String(element.value ?? '')}`)}">${textHtml(element.text)}</span>`;
}

function blockHtml(block: Json): string {
  switch (block.type) {
    case 'header':
      return `<div class="header">${textHtml(block.text)}</div>`;
    case 'section': {
      const text = block.text ? `<div class="mrkdwn">${textHtml(block.text)}</div>` : '';
      const fields = Array.isArray(block.fields) ? `<div class="fields">${block.fields.map((field) => `<div class="mrkdwn">${textHtml(field)}</div>`).join('')}</div>` : '';
      const accessory = block.accessory && (block.accessory as Json).type === 'button' ? `<div class="accessory">${buttonHtml(block.accessory as Json)}</div>` : '';
      return `<div class="section"><div class="body">${text}${fields}</div>${accessory}</div>`;
    }
    case 'divider':
      return '<hr>';
    case 'actions':
      return `<div class="actions">${(Array.isArray(block.elements) ? (block.elements as Json[]) : []).filter((element) => element.type === 'button').map(buttonHtml).join('')}</div>`;
    case 'context':
      return `<div class="context">${(Array.isArray(block.elements) ? block.elements : []).map((element) => `<span>${textHtml(element)}</span>`).join('<span class="dot">·</span>')}</div>`;
    default:
      return `<div class="unknown">[${escapeHtml(String(block.type))} block]</div>`;
  }
}

const CSS = `
body { margin: 0; padding: 24px; background: #f4f4f5; font: 15px/1.46668 "Slack-Lato", "Lato", "Helvetica Neue", Helvetica, Arial, "Noto Color Emoji", sans-serif; color: #1d1c1d; }
.card { max-width: 720px; margin: 0 auto; background: #fff; border: 1px solid #dddddd; border-radius: 8px; padding: 16px 20px 16px 16px; display: flex; gap: 10px; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
.avatar { flex: 0 0 36px; height: 36px; border-radius: 6px; background: #2f6fdd; color: #fff; font-weight: 700; font-size: 13px; display: flex; align-items: center; justify-content: center; }
.message { flex: 1; min-width: 0; }
.sender { font-weight: 900; margin-right: 4px; }
.app { background: #e8e8e8; color: #616061; font-size: 10px; font-weight: 700; padding: 1px 3px; border-radius: 2px; vertical-align: 1px; }
.time { color: #616061; font-size: 12px; margin-left: 6px; }
.header { font-size: 18px; font-weight: 900; margin: 6px 0 4px; overflow-wrap: anywhere; }
.section { display: flex; gap: 12px; align-items: flex-start; margin: 6px 0; }
.section .body { flex: 1; min-width: 0; }
.mrkdwn { white-space: pre-wrap; overflow-wrap: anywhere; }
.fields { display: grid; grid-template-columns: 1fr 1fr; gap: 8px 16px; }
.accessory { flex: 0 0 auto; }
.button { display: inline-block; border: 1px solid #bbbabb; border-radius: 4px; padding: 3px 12px; font-size: 13px; font-weight: 700; background: #fff; margin-right: 8px; white-space: nowrap; }
.button.danger { color: #e01e5a; }
.button.primary { color: #fff; background: #007a5a; border-color: #007a5a; }
.actions { margin: 8px 0; }
.context { color: #616061; font-size: 12px; margin: 6px 0; overflow-wrap: anywhere; }
.context .dot { margin: 0 6px; }
hr { border: 0; border-top: 1px solid #dddddd; margin: 10px 0; }
a { color: #1264a3; text-decoration: none; }
.mention { background: #e8f5fa; color: #1264a3; border-radius: 3px; padding: 0 2px; }
code { font: 12px Monaco, Menlo, Consolas, monospace; color: #e01e5a; background: #f8f8f8; border: 1px solid #dddddd; border-radius: 3px; padding: 0 3px; }
.fallback { max-width: 720px; margin: 14px auto 0; color: #616061; font-size: 12px; overflow-wrap: anywhere; }
.fallback b { color: #1d1c1d; }
`;

/** The message as a Slack-like card on a self-contained HTML page. */
export function renderAlertPreviewHtml(message: SlackMessage, options: { title?: string; postedAt?: string } = {}): string {
  const title = options.title ?? 'Renewal Radar alert preview';
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    cspMeta,
    `<title>${escapeHtml(title)}</title>`,
    `<style>${CSS}</style></head><body>`,
    '<div class="card"><div class="avatar">RR</div><div class="message">',
    `<div><span class="sender">Renewal Radar</span><span class="app">APP</span>${options.postedAt ? `<span class="time">${escapeHtml(options.postedAt)}</span>` : ''}</div>`,
    ...message.blocks.map((block) => blockHtml(block as Json)),
    '</div></div>',
    `<p class="fallback"><b>Notification text:</b> ${parseMrkdwn(message.text).map(spanHtml).join('')}</p>`,
    '</body></html>',
    '',
  ].join('\n');
}

/** The message as plain lines, as a reader sees it (links as `label (url)`), for a terminal. */
export function renderAlertPreviewText(message: SlackMessage): string[] {
  const shown = (object: unknown): string => {
    const text = object as TextObject | undefined;
    if (!text || typeof text.text !== 'string') return '';
    if (text.type !== 'mrkdwn') return text.text;
    const seen = asSlackShowsIt(text.text);
    return seen.links.reduce((line, link) => line.replace(link.label, `${link.label} (${link.url})`), seen.text);
  };
  const lines: string[] = [];
  for (const raw of message.blocks) {
    const block = raw as Json;
    if (block.type === 'header') lines.push(shown(block.text).toUpperCase(), '');
    else if (block.type === 'divider') lines.push('─'.repeat(40));
    else if (block.type === 'section') {
      if (block.text) lines.push(shown(block.text));
      if (Array.isArray(block.fields)) lines.push(...block.fields.map((field) => shown(field).replace('\n', ': ')));
      if (block.accessory) lines.push(`  [${shown((block.accessory as Json).text)}]`);
    } else if (block.type === 'actions') lines.push((Array.isArray(block.elements) ? (block.elements as Json[]) : []).map((element) => `[${shown(element.text)}]`).join(' '));
    else if (block.type === 'context') lines.push((Array.isArray(block.elements) ? block.elements : []).map(shown).join(' · '));
  }
  lines.push('', `notification text: ${asSlackShowsIt(message.text).text}`);
  return lines.flatMap((line) => line.split('\n'));
}

export type StoredPayload = { view?: unknown; message?: SlackMessage } | null;

/** The message of a stored alert payload, rendered again with `renderer` when its kind has a template. */
export function previewMessage(kind: string, payload: StoredPayload, renderer: Renderer | null): SlackMessage | undefined {
  const view = payload?.view;
  if (renderer && view) {
    // The view stored with the alert is the one its kind's builder made (run.ts, escalate.ts, calendar.ts).
    if (kind === 'risk') return renderer.alert(view as AlertView);
    if (kind === 'risk_reduced') return renderer.riskReduced(view as RiskReducedView);
    if (kind === 'escalation') return renderer.escalation(view as EscalationView);
    if (kind === 'digest') return renderer.digest(view as DigestView);
    if (kind === 'calendar') return renderer.calendar(view as CalendarDigestView);
  }
  return payload?.message;
}
