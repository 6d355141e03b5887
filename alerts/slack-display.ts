// What Slack shows for a mrkdwn string, approximately: `<…>` control sequences become links, user and
// channel mentions or special commands (`@here`), `&amp;`/`&lt;`/`&gt;` become characters, and
// `*bold*`, `_italic_`, `~strike~` and `` `code` `` become styled runs. Pure. The preview card
// (preview.ts) draws these spans as HTML; tests read them as a person reads the message.

export interface Span {
  readonly text: string;
  readonly bold?: boolean;
  readonly italic?: boolean;
  readonly strike?: boolean;
  readonly code?: boolean;
  /** A link's target (the text is its label). */
  readonly url?: string;
  /** A mention as Slack draws it: `@U123`, `#C123`, `@here`, `@channel`, `@everyone`. */
  readonly mention?: string;
}

type Style = Pick<Span, 'bold' | 'italic' | 'strike' | 'code'>;

const decode = (text: string): string => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** One `<…>` sequence (without the brackets) as Slack interprets it. */
function controlSpan(body: string, style: Style): Span {
  // The label is everything after the first `|` (a label may contain more).
  const bar = body.indexOf('|');
  const target = bar < 0 ? body : body.slice(0, bar);
  const label = bar < 0 ? undefined : body.slice(bar + 1);
  if (target.startsWith('@')) return { ...style, text: `@${decode(label ?? target.slice(1))}`, mention: `@${target.slice(1)}` };
  if (target.startsWith('#')) return { ...style, text: `#${decode(label ?? target.slice(1))}`, mention: `#${target.slice(1)}` };
  if (target.startsWith('!')) {
    const command = target.slice(1).split('^', 1)[0]!;
    return { ...style, text: label !== undefined ? decode(label) : `@${command}`, mention: `@${command}` };
  }
  return { ...style, text: decode(label ?? target), url: decode(target) };
}

const MARKERS: Record<string, keyof Style> = { '*': 'bold', _: 'italic', '~': 'strike', '`': 'code' };
// A styled run: the marker after a line start, blank or opening punctuation, text that neither starts
// nor ends with a blank, the same marker before a line end, blank or closing punctuation.
const STYLED = /(^|[\s(\u2022\u00b7])([*_~`])(?=\S)([^\n]*?[^\s])\2(?=$|[\s.,;:!?)\u00b7'"-])/m;
// `<…>` sequences are swapped for private-use placeholders while styles are found, so a link inside
// `*…*` stays one link.
const PLACEHOLDER = /[\ue000-\uf8ff]/g;

function styled(text: string, style: Style, controls: readonly string[], out: Span[]): void {
  const match = style.code ? null : STYLED.exec(text);
  if (!match) {
    let last = 0;
    for (const found of text.matchAll(PLACEHOLDER)) {
      const body = controls[found[0].charCodeAt(0) - 0xe000];
      if (body === undefined) continue; // a private-use character that was in the text itself
      if (found.index > last) out.push({ ...style, text: decode(text.slice(last, found.index)) });
      out.push(controlSpan(body, style));
      last = found.index + 1;
    }
    if (last < text.length) out.push({ ...style, text: decode(text.slice(last)) });
    return;
  }
  const start = match.index + match[1]!.length;
  styled(text.slice(0, start), style, controls, out);
  styled(match[3]!, { ...style, [MARKERS[match[2]!]!]: true }, controls, out);
  styled(text.slice(start + match[3]!.length + 2), style, controls, out);
}

/** The spans of a mrkdwn string, in order; newlines stay inside the span texts. */
export function parseMrkdwn(source: string): Span[] {
  const controls: string[] = [];
  const masked = source.replace(/<([^<>\n]*)>/g, (_match, body: string) => String.fromCharCode(0xe000 + controls.push(body) - 1));
  const spans: Span[] = [];
  styled(masked, {}, controls, spans);
  return spans;
}

/** What a reader sees, as text, with the links and mentions Slack would make clickable or notify. */
export interface AsSlackShowsIt {
  readonly text: string;
  readonly links: readonly { readonly url: string; readonly label: string }[];
  readonly mentions: readonly string[];
}

export function asSlackShowsIt(mrkdwn: string): AsSlackShowsIt {
  const spans = parseMrkdwn(mrkdwn);
  return {
    text: spans.map((span) => span.text).join(''),
    links: spans.filter((span) => span.url !== undefined).map((span) => ({ url: span.url!, label: span.text })),
    mentions: spans.filter((span) => span.mention !== undefined).map((span) => span.mention!),
  };
}
