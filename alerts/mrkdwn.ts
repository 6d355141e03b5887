// The one place that turns data (account names, task titles, driver sentences, Slack ids, URLs) into
// text Slack shows safely. Pure. Slack parses `<…>` in mrkdwn and in a message's top-level `text` as a
// mention (`<@U…>`), channel (`<#C…>`), special command (`<!here>`, `<!channel>`, `<!everyone>`) or
// link (`<https://…|label>`); escaping `&`, `<` and `>` as entities makes every one of them plain text
// (https://api.slack.com/reference/surfaces/formatting#escaping). plain_text (headers, button labels)
// parses nothing, so it only gets the clean-up and the length limit.

/** Control characters (C0 including tab and newline, DEL, C1) and the bidi controls that can make a
 *  name read backwards (U+202A–U+202E, U+2066–U+2069, LRM/RLM/ALM). Data never needs them in Slack. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]+/g;
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** One line of data as a reader should see it: no control or bidi-override characters, no run of
 *  blanks where a newline or tab was, at most `max` characters (an ellipsis marks the cut). */
export function cleanText(value: unknown, max = Infinity): string {
  const text = String(value ?? '').replace(BIDI, '').replace(CONTROL, ' ').replace(/ {2,}/g, ' ').trim();
  return truncatePlain(text, max);
}

/** Cuts plain text to `max` UTF-16 units with a trailing '…', never splitting a surrogate pair. */
export function truncatePlain(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = Math.max(0, max - 1);
  if (cut > 0 && /[\ud800-\udbff]/.test(text[cut - 1]!)) cut -= 1;
  return `${text.slice(0, cut)}…`;
}

/** The escape for every data value interpolated into mrkdwn or a message's `text`: cleaned, cut to
 *  `max` characters of the original, then `&`, `<`, `>` as entities. */
export function mrkdwnEscape(value: unknown, max = Infinity): string {
  return cleanText(value, max).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts already-built mrkdwn to `max` characters with a trailing '…' without breaking an entity
 *  (`&amp;`) or a `<…>` link or mention in two (a half link would show its raw URL). */
export function truncateMrkdwn(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = Math.max(0, max - 1);
  const open = text.lastIndexOf('<', cut - 1);
  if (open >= 0 && text.indexOf('>', open) >= cut) cut = open;
  const amp = text.lastIndexOf('&', cut - 1);
  if (amp >= 0 && amp > cut - 8 && !text.slice(amp, cut).includes(';')) cut = amp;
  if (cut > 0 && /[\ud800-\udbff]/.test(text[cut - 1]!)) cut -= 1;
  return `${text.slice(0, cut)}…`;
}

/** Slack user (U, W) and conversation (C, G) ids; anything else in a mention could close the `<@…>`
 *  early and smuggle in `<!channel>` (`U0LKJZN9R> <!channel`). */
export const SLACK_ID = /^[UWCG][A-Z0-9]{2,}$/;

export function isSlackId(value: unknown): value is string {
  return typeof value === 'string' && SLACK_ID.test(value);
}

/** `<@U…>` for a valid user id, `<#C…>` for a valid channel id; otherwise the escaped fallback (a
 *  name or email, never a mention). */
export function slackMention(id: string | null | undefined, fallback: string): string {
  if (isSlackId(id)) return id.startsWith('C') || id.startsWith('G') ? `<#${id}>` : `<@${id}>`;
  return mrkdwnEscape(fallback);
}

/** A URL ready to sit inside `<url|label>`. It comes from config plus encoded ids; `|` and `>` would
 *  end the link early, so they are percent-encoded, and `&` is an entity as Slack asks. */
export function slackUrl(url: string): string {
  return cleanText(url).replace(/&/g, '&amp;').replace(/</g, '%3C').replace(/>/g, '%3E').replace(/\|/g, '%7C').replace(/ /g, '%20');
}

/** A mrkdwn link; `label` is mrkdwn already (escaped data). */
export function slackLink(url: string, label: string): string {
  return `<${slackUrl(url)}|${label}>`;
}
