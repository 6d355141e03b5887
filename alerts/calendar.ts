// `radar calendar` and the daily `calendar` step: the renewal calendar for CSMs (docs/calendar.md).
// As of day D, each account whose next renewal minus a milestone of the cadence (T−90, T−60, T−30 …)
// fell in (D − catchUpDays, D] and was not posted yet gets, in one transaction: a 'milestone' alert row,
// the record in renewal_milestones (unique per account, renewal date and milestone), and the milestone
// playbook's tasks (unique per alert, playbook and step, as risk playbook tasks are). Each recipient's
// milestones of the day go out as ONE 'calendar' digest (dedup key calendar:<recipient>:<D>) through
// the outbox. A recipient whose digest for D exists already (a run repeated after new data arrived)
// gets the newcomers in the next day's digest instead: still inside the catch-up window, still once.
import type { Kysely } from 'kysely';
import { milestoneTitle, type MilestoneConfig } from '../config/calendar.ts';
import type { RadarConfig } from '../config/schema.ts';
import { insertAlerts, setDigests, setPayloads } from '../sql/alerts.ts';
import { calendarDigestRecipients, milestonesReached, openTaskCounts, recordMilestones, type CadenceStep, type MilestoneRow } from '../sql/calendar.ts';
import type { DB, Json } from '../sql/schema.ts';
import { insertTasksOfAlerts } from '../sql/tasks.ts';
import { buildCalendarDigestView, buildCalendarEntry, chunkCalendar, type CalendarEntryInput } from './calendar-view.ts';
import { addDays } from './dates.ts';
import { deliverOutbox, type DeliverySummary } from './deliver.ts';
import { resolveRoutes, targetOf } from './recipients.ts';
import type { Route } from './routing.ts';
import { rendererFor, type AlertStepOptions } from './run.ts';
import type { SlackApi } from './slack.ts';
import { isTier } from './tiers.ts';

/** The cadence, largest first, each milestone with the one before it (the next larger daysBefore). */
export function cadenceOf(milestones: readonly Pick<MilestoneConfig, 'daysBefore'>[]): CadenceStep[] {
  const days = [...new Set(milestones.map((milestone) => milestone.daysBefore))].sort((a, b) => b - a);
  return days.map((daysBefore, index) => ({ daysBefore, previousDaysBefore: index === 0 ? null : days[index - 1]! }));
}

export const milestoneDedupKey = (row: Pick<MilestoneRow, 'accountId' | 'renewalDate' | 'daysBefore'>) => `milestone:${row.accountId}:${row.renewalDate}:T-${row.daysBefore}`;
export const milestonePlaybook = (daysBefore: number) => `renewal-t${daysBefore}`;

export interface CalendarEntry {
  readonly row: MilestoneRow;
  readonly milestone: MilestoneConfig;
  readonly route: Route;
  readonly input: Omit<CalendarEntryInput, 'milestoneAlertId' | 'openTasks' | 'newTasks'>;
}

/**
 * What the calendar holds as of `asOf`: milestones reached and not posted yet (`row.postedAsOf` null)
 * and those the run of `asOf` posted, each routed. Reads only (a Slack lookup fills the id cache).
 */
export async function planCalendar(db: Kysely<DB>, options: { asOf: string; config: RadarConfig; slack: SlackApi | null; now: () => Date }): Promise<CalendarEntry[]> {
  const { asOf, config } = options;
  const milestones = new Map(config.calendar.milestones.map((milestone) => [milestone.daysBefore, milestone]));
  const rows = await milestonesReached(db, { asOf, cadence: cadenceOf(config.calendar.milestones), catchUpDays: config.calendar.catchUpDays });
  const routes = await resolveRoutes(db, rows, { routing: config.routing, slack: options.slack, now: options.now });
  return rows.map((row, index) => {
    const milestone = milestones.get(row.daysBefore)!;
    const previous = row.previousDaysBefore === null ? null : milestones.get(row.previousDaysBefore)!;
    return {
      row,
      milestone,
      route: routes[index]!,
      input: {
        account: row,
        milestone: { daysBefore: row.daysBefore, title: milestoneTitle(milestone), day: row.milestoneDay },
        previous: previous ? { title: milestoneTitle(previous), day: addDays(row.renewalDate, -previous.daysBefore), score: row.then } : null,
        now: row.now,
      },
    };
  });
}

export interface CalendarSummary {
  readonly asOf: string;
  /** Milestones recorded (and posted) by this run. */
  milestones: number;
  tasks: number;
  digests: number;
  /** Milestones left for the next day's digest: their recipient's digest for the day was already made. */
  held: number;
  delivery: DeliverySummary;
}

export async function runCalendar(db: Kysely<DB>, options: AlertStepOptions): Promise<CalendarSummary> {
  const { asOf, config, logger } = options;
  const summary: CalendarSummary = { asOf, milestones: 0, tasks: 0, digests: 0, held: 0, delivery: { sent: 0, recovered: 0, dryRun: 0, failed: 0, deferred: 0 } };
  if (!config.calendar.enabled) return summary;
  const renderer = rendererFor(config, options.baseDir);
  const entries = (await planCalendar(db, { asOf, config, slack: options.slack, now: options.now })).filter((entry) => entry.row.postedAsOf === null);
  const byRecipient = new Map<string, CalendarEntry[]>();
  for (const entry of entries) byRecipient.set(entry.route.recipient, [...(byRecipient.get(entry.route.recipient) ?? []), entry]);

  // Set-based: a handful of statements per run whatever the number of milestones (each insert in
  // parameter-sized slices), in one transaction.
  await db.transaction().execute(async (trx) => {
    const done = await calendarDigestRecipients(trx, asOf);
    const base = { asOf, configVersion: options.configVersion } as const;
    const toPost: CalendarEntry[] = [];
    for (const [recipient, members] of byRecipient) {
      if (done.has(recipient)) summary.held += members.length;
      else toPost.push(...members);
    }
    const alertIds = await insertAlerts(trx, toPost.map((entry) => {
      const { row, route } = entry;
      const tier = row.now && isTier(row.now.tier) ? row.now.tier : null;
      return {
        ...base, dedupKey: milestoneDedupKey(row), kind: 'milestone', accountId: row.accountId, tier, modelVersion: tier ? row.now!.modelVersion : null,
        probability: tier ? row.now!.probability : null, channel: targetOf(route), recipient: route.recipient, status: 'pending',
      } as const;
    }));
    // A milestone whose alert or record exists already was posted by another run: it is not posted again.
    const inserted = toPost.flatMap((entry) => {
      const alertId = alertIds.get(milestoneDedupKey(entry.row));
      return alertId === undefined ? [] : [{ entry, alertId }];
    });
    const recorded = await recordMilestones(trx, inserted.map(({ entry, alertId }) => ({ ...entry.row, asOf, alertId })));
    const kept = inserted.filter(({ alertId }) => recorded.has(alertId));
    const tasks = await insertTasksOfAlerts(trx, kept.map(({ entry, alertId }) => ({
      alertId,
      accountId: entry.row.accountId,
      tasks: entry.milestone.tasks.map((task) => ({
        playbook: milestonePlaybook(entry.row.daysBefore), step: task.title, ownerRole: task.ownerRole, owner: task.ownerRole === 'csm' ? entry.route.csmEmail : null, dueOn: addDays(entry.row.milestoneDay, task.dueDays),
      })),
    })));
    const open = await openTaskCounts(trx, kept.map(({ entry }) => entry.row.accountId));
    type Posted = CalendarEntry & { alertId: number; newTasks: { title: string; dueOn: string }[] };
    const postedBy = new Map<string, Posted[]>();
    for (const { entry, alertId } of kept) {
      const newTasks = (tasks.get(alertId) ?? []).map((task) => ({ title: task.step, dueOn: task.dueOn }));
      summary.tasks += newTasks.length;
      const list = postedBy.get(entry.route.recipient) ?? [];
      list.push({ ...entry, alertId, newTasks });
      postedBy.set(entry.route.recipient, list);
    }
    // Each recipient's digest messages (more than one when the milestones exceed a message's blocks).
    const digests = [...postedBy].flatMap(([recipient, posted]) =>
      chunkCalendar(posted).map((chunk, part) => ({ recipient, target: targetOf(posted[0]!.route), chunk, dedupKey: `calendar:${recipient}:${asOf}${part === 0 ? '' : `:${part + 1}`}` })),
    );
    const digestIds = await insertAlerts(trx, digests.map((digest) => ({
      ...base, dedupKey: digest.dedupKey, kind: 'calendar', accountId: null, tier: null, modelVersion: null, probability: null, channel: digest.target, recipient: digest.recipient, status: 'pending',
    } as const)));
    const payloads: { alertId: number; payload: Json }[] = [];
    const members: { alertId: number; digestAlertId: number }[] = [];
    for (const digest of digests) {
      const digestId = digestIds.get(digest.dedupKey);
      // The recipient had no digest for the day when the transaction started, so the key is free; a
      // member left without its digest would reach the outbox alone.
      if (digestId === undefined) throw new Error(`calendar digest ${digest.dedupKey} exists already: another run of ${asOf} is posting the calendar at the same time`);
      const inputs = digest.chunk.map((entry) => {
        const input: CalendarEntryInput = { ...entry.input, milestoneAlertId: entry.alertId, openTasks: open.get(entry.row.accountId) ?? 0, newTasks: entry.newTasks };
        return { ...input, view: buildCalendarEntry(input, config.routing.crmUrlTemplate, asOf) };
      });
      const view = buildCalendarDigestView({ digestAlertId: digestId, asOf, entries: inputs, configVersion: options.configVersion });
      payloads.push({ alertId: digestId, payload: { view, message: renderer.calendar(view) } as unknown as Json });
      for (const input of inputs) {
        payloads.push({ alertId: input.milestoneAlertId, payload: { view: input.view } as unknown as Json });
        members.push({ alertId: input.milestoneAlertId, digestAlertId: digestId });
      }
    }
    await setPayloads(trx, payloads);
    await setDigests(trx, members);
    summary.digests += digests.length;
    summary.milestones += kept.length;
  });
  logger.info({ event: 'calendar_planned', ...summary, delivery: undefined });

  summary.delivery = await deliverOutbox(db, {
    slack: options.slack, outboxDir: options.outboxDir, print: options.print, logger, now: options.now,
    sleep: options.sleep, retry: config.routing.delivery, retryFailed: options.retryFailed, hooks: options.hooks,
  });
  return summary;
}
