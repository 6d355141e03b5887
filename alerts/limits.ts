// Slack's Block Kit limits, applied to a rendered message so no template (ours or a user's copy in
// routing.templatesDir) can produce a message Slack rejects (`invalid_blocks`) or cuts mid-link.
// Text over a limit is cut with an ellipsis; blocks past 50 are replaced by one line saying so. Pure.
import { truncateMrkdwn, truncatePlain } from './mrkdwn.ts';

/** https://api.slack.com/reference/block-kit/blocks and …/block-elements; `text` per
 *  https://api.slack.com/methods/chat.postMessage#truncating (Slack advises ≤ 4,000). */
export const SLACK_LIMITS = {
  blocks: 50,
  text: 4000,
  header: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
  contextText: 3000,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
} as const;

export interface BlockKitMessage {
  readonly text: string;
  readonly blocks: readonly Record<string, unknown>[];
}

type TextObject = { type?: unknown; text?: unknown };

function fitText<T>(object: T, max: number): T {
  const text = object as TextObject | undefined;
  if (!text || typeof text.text !== 'string' || text.text.length <= max) return object;
  return { ...text, text: text.type === 'mrkdwn' ? truncateMrkdwn(text.text, max) : truncatePlain(text.text, max) } as T;
}

function fitElement(element: Record<string, unknown>, where: string): Record<string, unknown> {
  if (element.type !== 'button') return element;
  if (typeof element.value === 'string' && element.value.length > SLACK_LIMITS.buttonValue) {
    // A value is an id the button hands back; a cut one would act on the wrong thing.
    throw new Error(`${where}: a button value has ${element.value.length} characters; Slack accepts at most ${SLACK_LIMITS.buttonValue}`);
  }
  return { ...element, text: fitText(element.text, SLACK_LIMITS.buttonText) };
}

function fitBlock(block: Record<string, unknown>, where: string): Record<string, unknown> {
  switch (block.type) {
    case 'header':
      return { ...block, text: fitText(block.text, SLACK_LIMITS.header) };
    case 'section': {
      const fitted: Record<string, unknown> = { ...block };
      if (block.text) fitted.text = fitText(block.text, SLACK_LIMITS.sectionText);
      if (Array.isArray(block.fields)) fitted.fields = block.fields.slice(0, SLACK_LIMITS.fields).map((field) => fitText(field, SLACK_LIMITS.fieldText));
      if (block.accessory) fitted.accessory = fitElement(block.accessory as Record<string, unknown>, where);
      return fitted;
    }
    case 'context':
      return Array.isArray(block.elements) ? { ...block, elements: block.elements.slice(0, SLACK_LIMITS.contextElements).map((element) => fitText(element, SLACK_LIMITS.contextText)) } : block;
    case 'actions':
      return Array.isArray(block.elements) ? { ...block, elements: block.elements.slice(0, SLACK_LIMITS.actionsElements).map((element) => fitElement(element as Record<string, unknown>, where)) } : block;
    default:
      return block;
  }
}

/** The message with every text inside Slack's limits; `where` names the template in errors. */
export function fitToSlackLimits(message: BlockKitMessage, where: string): BlockKitMessage {
  let blocks = message.blocks.map((block) => fitBlock(block, where));
  if (blocks.length > SLACK_LIMITS.blocks) {
    // Keep the start and the closing block (links, model, config), and say what is missing.
    const hidden = blocks.length - (SLACK_LIMITS.blocks - 1);
    const notice = { type: 'context', elements: [{ type: 'mrkdwn', text: `… ${hidden} more blocks not shown: Slack shows at most ${SLACK_LIMITS.blocks} per message.` }] };
    blocks = [...blocks.slice(0, SLACK_LIMITS.blocks - 2), notice, blocks.at(-1)!];
  }
  return { text: truncateMrkdwn(message.text, SLACK_LIMITS.text), blocks };
}
