// Reading a rendered Slack message as Slack does, for the template tests: every text in it with its
// kind, what a reader sees in each (alerts/slack-display.ts: links, mentions, entities, styles), and
// the Block Kit limits it breaks. The limits are written out here from Slack's reference on purpose,
// not imported from alerts/limits.ts, so a wrong limit there fails a test.
import { asSlackShowsIt, type AsSlackShowsIt } from '../../alerts/slack-display.ts';

type Json = Record<string, unknown>;

export interface MessageLike {
  readonly text: string;
  readonly blocks: readonly Json[];
}

export interface FoundText {
  /** Where in the message, e.g. `blocks[1].fields[0]`. */
  readonly path: string;
  /** `mrkdwn` and the top-level `text` are parsed by Slack; `plain_text` is shown as typed. */
  readonly kind: 'mrkdwn' | 'plain_text';
  readonly text: string;
}

/** Every text object in the message, the top-level `text` first. */
export function textsOf(message: MessageLike): FoundText[] {
  const found: FoundText[] = [{ path: 'text', kind: 'mrkdwn', text: message.text }];
  const walk = (node: unknown, path: string): void => {
    if (Array.isArray(node)) return node.forEach((child, i) => walk(child, `${path}[${i}]`));
    if (!node || typeof node !== 'object') return;
    const object = node as Json;
    if ((object.type === 'mrkdwn' || object.type === 'plain_text') && typeof object.text === 'string') {
      found.push({ path, kind: object.type, text: object.text });
      return;
    }
    for (const [key, child] of Object.entries(object)) walk(child, `${path}.${key}`);
  };
  walk(message.blocks, 'blocks');
  return found;
}

/** What a reader sees in every mrkdwn text (and the top-level text) of the message. */
export function shownMrkdwn(message: MessageLike): (AsSlackShowsIt & { path: string })[] {
  return textsOf(message)
    .filter((found) => found.kind === 'mrkdwn')
    .map((found) => ({ path: found.path, ...asSlackShowsIt(found.text) }));
}

/** The whole message as one reader-visible string (plain text as is, mrkdwn as shown). */
export function visibleText(message: MessageLike): string {
  return textsOf(message)
    .map((found) => (found.kind === 'plain_text' ? found.text : asSlackShowsIt(found.text).text))
    .join('\n');
}

/** Block Kit limits (api.slack.com/reference/block-kit): each broken one, described. */
export function limitViolations(message: MessageLike): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) problems.push(what);
  };
  check(typeof message.text === 'string' && message.text.trim().length > 0, 'top-level text fallback missing');
  check(message.text.length <= 40_000, `top-level text ${message.text.length} > 40000`);
  check(message.blocks.length <= 50, `${message.blocks.length} blocks > 50`);
  const button = (element: Json, where: string) => {
    if (element.type !== 'button') return;
    check(String(element.value ?? '').length <= 2000, `${where} button value > 2000`);
    check(String((element.text as Json).text).length <= 75, `${where} button text > 75`);
  };
  message.blocks.forEach((block, i) => {
    const where = `blocks[${i}] ${String(block.type)}`;
    const text = (block.text as Json | undefined)?.text;
    if (block.type === 'header') check(String(text).length <= 150, `${where} header ${String(text).length} > 150`);
    if (block.type === 'section') {
      check(text !== undefined || Array.isArray(block.fields), `${where} has neither text nor fields`);
      if (text !== undefined) check(String(text).length <= 3000, `${where} text ${String(text).length} > 3000`);
      if (Array.isArray(block.fields)) {
        check(block.fields.length <= 10, `${where} ${block.fields.length} fields > 10`);
        (block.fields as Json[]).forEach((field, j) => check(String(field.text).length <= 2000, `${where} field ${j} ${String(field.text).length} > 2000`));
      }
      if (block.accessory) button(block.accessory as Json, where);
    }
    if (block.type === 'context') {
      const elements = block.elements as Json[];
      check(elements.length <= 10, `${where} ${elements.length} elements > 10`);
      elements.forEach((element, j) => check(String(element.text).length <= 3000, `${where} element ${j} > 3000`));
    }
    if (block.type === 'actions') (block.elements as Json[]).forEach((element, j) => button(element, `${where} element ${j}`));
    if (typeof block.block_id === 'string') check(block.block_id.length <= 255, `${where} block_id > 255`);
  });
  return problems;
}
