// Renders view-models through the Handlebars templates in alerts/templates/ (or the user's copies in
// routing.templatesDir) into Slack messages, inside Slack's limits (limits.ts). Pure apart from reading
// the template files once.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { fitToSlackLimits, type BlockKitMessage } from './limits.ts';
import type { CalendarDigestView } from './calendar-view.ts';
import type { AlertView, DigestView, EscalationView, RiskReducedView } from './view.ts';

export const BUILTIN_TEMPLATES_DIR = fileURLToPath(new URL('./templates/', import.meta.url));

export type TemplateName = 'alert' | 'risk-reduced' | 'escalation' | 'digest' | 'calendar';

/** A Slack message: the notification text and the Block Kit blocks. */
export type SlackMessage = BlockKitMessage;

export interface Renderer {
  alert(view: AlertView): SlackMessage;
  riskReduced(view: RiskReducedView): SlackMessage;
  escalation(view: EscalationView): SlackMessage;
  digest(view: DigestView): SlackMessage;
  calendar(view: CalendarDigestView): SlackMessage;
}

/** Handlebars keeps `\n` in a string literal as two characters, so `(concat "*Why*\n" …)` reached
 *  Slack as a visible backslash-n. Templates mean a newline there (and in copies users made of the old
 *  templates), so string literals get `\n`, `\t` and `\\` turned into the characters before compiling. */
function unescapeStringLiterals(node: unknown): void {
  if (Array.isArray(node)) {
    for (const child of node) unescapeStringLiterals(child);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const literal = node as { type?: unknown; value?: unknown; original?: unknown };
  if (literal.type === 'StringLiteral' && typeof literal.value === 'string') {
    const value = literal.value.replace(/\\([nt\\])/g, (_match, code: string) => (code === 'n' ? '\n' : code === 't' ? '\t' : '\\'));
    literal.value = value;
    literal.original = value;
    return;
  }
  for (const [key, child] of Object.entries(node)) if (key !== 'loc') unescapeStringLiterals(child);
}

function compileTemplate(hb: typeof Handlebars, source: string): HandlebarsTemplateDelegate {
  const ast = hb.parse(source);
  unescapeStringLiterals(ast);
  return hb.compile(ast, { noEscape: true, strict: false });
}

function handlebars(): typeof Handlebars {
  const hb = Handlebars.create();
  // Templates emit JSON, so every value goes through `json`, which quotes and escapes it.
  hb.registerHelper('json', (value: unknown) => new hb.SafeString(JSON.stringify(value ?? null)));
  hb.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).map((part) => (part === undefined || part === null ? '' : String(part))).join(''));
  hb.registerHelper('bullets', (items: unknown, key: unknown) => {
    if (!Array.isArray(items) || items.length === 0) return '• No single driver stands out';
    return items.map((item) => `• ${String(typeof key === 'string' ? (item as Record<string, unknown>)[key] : item)}`).join('\n');
  });
  hb.registerHelper('checkbox', (done: unknown) => (done ? ':white_check_mark:' : ':white_square:'));
  return hb;
}

export function createRenderer(templatesDir = ''): Renderer {
  const hb = handlebars();
  const compiled = new Map<TemplateName, HandlebarsTemplateDelegate>();
  const template = (name: TemplateName) => {
    let found = compiled.get(name);
    if (!found) {
      const own = templatesDir ? join(templatesDir, `${name}.hbs`) : '';
      const file = own && existsSync(own) ? own : join(BUILTIN_TEMPLATES_DIR, `${name}.hbs`);
      found = compileTemplate(hb, readFileSync(file, 'utf8'));
      compiled.set(name, found);
    }
    return { render: found, name };
  };
  const render = (name: TemplateName, view: object): SlackMessage => {
    const output = template(name).render(view);
    let parsed: unknown;
    try {
      parsed = JSON.parse(output);
    } catch (error) {
      throw new Error(`template ${name}.hbs did not produce JSON (${(error as Error).message}); insert values with {{json …}}`, { cause: error });
    }
    const message = parsed as Partial<SlackMessage>;
    if (typeof message.text !== 'string' || !Array.isArray(message.blocks)) throw new Error(`template ${name}.hbs must produce { "text": string, "blocks": [...] }`);
    if (!message.text.trim()) throw new Error(`template ${name}.hbs produced an empty "text": Slack shows it in notifications and where blocks cannot be shown`);
    return fitToSlackLimits({ text: message.text, blocks: message.blocks }, `template ${name}.hbs`);
  };
  return {
    alert: (view) => render('alert', view),
    riskReduced: (view) => render('risk-reduced', view),
    escalation: (view) => render('escalation', view),
    digest: (view) => render('digest', view),
    calendar: (view) => render('calendar', view),
  };
}
