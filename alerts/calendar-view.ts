// The renewal calendar digest's view-model: one CSM's accounts reaching a milestone on a day, grouped
// by milestone, each with tier, the trend since the previous milestone, open tasks and renewal ARR.
// Everything from data is mrkdwn-escaped here (mrkdwn.ts); the header is plain text. Pure.
import { cleanText, mrkdwnEscape, slackUrl, truncatePlain } from './mrkdwn.ts';
import { isTier } from './tiers.ts';
import { blockIds, crmUrl, formatMoney, formatPercent, renewalText, SHOWN, TIER_EMOJI, TIER_LABEL } from './view.ts';

export interface CalendarScore {
  readonly asOf: string;
  readonly probability: number;
  readonly tier: string;
}

export interface CalendarEntryInput {
  /** The milestone's alert row (its tasks hang off it). */
  readonly milestoneAlertId: number;
  readonly account: { readonly accountId: number; readonly externalId: string; readonly name: string; readonly arrCents: number; readonly currency: string; readonly renewalDate: string };
  readonly milestone: { readonly daysBefore: number; readonly title: string; readonly day: string };
  /** The previous milestone of the cadence (null for the first) and the score stored as of its day. */
  readonly previous: { readonly title: string; readonly day: string; readonly score: CalendarScore | null } | null;
  readonly now: CalendarScore | null;
  readonly openTasks: number;
  /** Tasks the milestone's playbook created. */
  readonly newTasks: readonly { readonly title: string; readonly dueOn: string }[];
}

export interface CalendarEntryView {
  readonly blockId: string;
  readonly name: string;
  readonly crmUrl: string;
  readonly emoji: string;
  /** "High (42%)", or "Not scored yet". */
  readonly risk: string;
  readonly arr: string;
  readonly renewal: string;
  readonly trend: string;
  readonly tasks: string;
}

export interface CalendarGroupView {
  readonly daysBefore: number;
  /** mrkdwn: "*T−90* · 2 accounts". */
  readonly title: string;
  readonly entries: readonly CalendarEntryView[];
}

export interface CalendarDigestView {
  readonly text: string;
  readonly header: string;
  readonly blockId: string;
  readonly asOf: string;
  readonly count: number;
  readonly groups: readonly CalendarGroupView[];
  readonly footer: string;
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

function riskText(score: CalendarScore | null): { text: string; emoji: string } {
  if (!score || !isTier(score.tier)) return { text: 'Not scored yet', emoji: ':white_circle:' };
  return { text: `${TIER_LABEL[score.tier]} (${formatPercent(score.probability)})`, emoji: TIER_EMOJI[score.tier] };
}

/** The trend since the previous milestone: the score stored as of its day against the latest. */
export function trendText(input: Pick<CalendarEntryInput, 'previous' | 'now'>): string {
  const { previous, now } = input;
  if (!previous) return 'First milestone of this renewal';
  const title = mrkdwnEscape(previous.title, SHOWN.role);
  if (!previous.score) return `No score at ${title} (${previous.day}) to compare with`;
  const then = `${riskText(previous.score).text} on ${previous.score.asOf}`;
  if (!now) return `Not scored since ${title} (was ${then})`;
  const points = Math.round((now.probability - previous.score.probability) * 100);
  const arrow = points > 0 ? ':arrow_up_small:' : points < 0 ? ':arrow_down_small:' : ':left_right_arrow:';
  const tierMoved = now.tier === previous.score.tier ? '' : `, tier ${previous.score.tier} → ${now.tier}`;
  return `${arrow} ${points > 0 ? '+' : ''}${points} pts since ${title}${tierMoved} (was ${then})`;
}

export function buildCalendarEntry(input: CalendarEntryInput, crmUrlTemplate: string, asOf: string): CalendarEntryView {
  const risk = riskText(input.now);
  const created = input.newTasks.map((task) => `${mrkdwnEscape(task.title, SHOWN.task)} (due ${task.dueOn})`);
  return {
    blockId: blockIds.alert(input.milestoneAlertId),
    name: mrkdwnEscape(input.account.name, SHOWN.name),
    crmUrl: slackUrl(crmUrl(crmUrlTemplate, input.account)),
    emoji: risk.emoji,
    risk: risk.text,
    arr: mrkdwnEscape(formatMoney(input.account.arrCents, input.account.currency), SHOWN.id),
    renewal: renewalText(asOf, input.account.renewalDate).text,
    trend: trendText(input),
    tasks: `${plural(input.openTasks, 'open task')}${created.length > 0 ? ` · new: ${created.join('; ')}` : ''}`,
  };
}

export function buildCalendarDigestView(input: {
  digestAlertId: number;
  asOf: string;
  entries: readonly (CalendarEntryInput & { view: CalendarEntryView })[];
  configVersion: string;
}): CalendarDigestView {
  const groups = new Map<number, { title: string; entries: CalendarEntryView[] }>();
  for (const entry of [...input.entries].sort((a, b) => b.milestone.daysBefore - a.milestone.daysBefore)) {
    const group = groups.get(entry.milestone.daysBefore) ?? { title: entry.milestone.title, entries: [] };
    group.entries.push(entry.view);
    groups.set(entry.milestone.daysBefore, group);
  }
  const count = input.entries.length;
  return {
    text: `Renewal calendar: ${plural(count, 'account')} reaching a milestone as of ${input.asOf}`,
    header: truncatePlain(cleanText(`:spiral_calendar_pad: Renewal calendar · ${input.asOf}`), SHOWN.header),
    blockId: blockIds.alert(input.digestAlertId),
    asOf: input.asOf,
    count,
    groups: [...groups.entries()].map(([daysBefore, group]) => ({
      daysBefore,
      title: `*${mrkdwnEscape(group.title, SHOWN.role)}* · ${daysBefore} days before renewal · ${plural(group.entries.length, 'account')}`,
      entries: group.entries,
    })),
    footer: `Config ${mrkdwnEscape(input.configVersion, SHOWN.version)} · as of ${input.asOf} · calendar #${input.digestAlertId}`,
  };
}

/**
 * Splits one CSM's entries into messages within Slack's 50 blocks: header and footer take 2, each
 * milestone heading 1 and each account 1 (entries in milestone order).
 */
export function chunkCalendar<T extends { milestone: { daysBefore: number } }>(entries: readonly T[], maxBlocks = 50): T[][] {
  const sorted = [...entries].sort((a, b) => b.milestone.daysBefore - a.milestone.daysBefore);
  const chunks: T[][] = [];
  let current: T[] = [];
  let used = 2;
  // An entry costs 1, plus 1 when it opens a milestone heading (in a new message the heading repeats).
  const cost = (entry: T) => (current.at(-1)?.milestone.daysBefore === entry.milestone.daysBefore ? 1 : 2);
  for (const entry of sorted) {
    if (current.length > 0 && used + cost(entry) > maxBlocks) {
      chunks.push(current);
      current = [];
      used = 2;
    }
    used += cost(entry);
    current.push(entry);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
