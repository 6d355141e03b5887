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
import { insertAlert, setDigest, setPayload, setPayloads } from '../sql/alerts.ts';
import { calendarDigestRecipients, milestonesReached, openTaskCounts, recordMilestone, type CadenceStep, type MilestoneRow } from '../sql/calendar.ts';
import type { DB, Json } from '../sql/schema.ts';
import { insertTasks } from '../sql/tasks.ts';
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

  await db.transaction().execute(async (trx) => {
    const done = await calendarDigestRecipients(trx, asOf);
    const base = { asOf, configVersion: options.configVersion } as const;
    for (const [recipient, members] of byRecipient) {
      if (done.has(recipient)) {
        summary.held += members.length;
        continue;
      }
      const target = targetOf(members[0]!.route);
      const posted: (CalendarEntry & { alertId: number; newTasks: { title: string; dueOn: string }[] })[] = [];
      for (const entry of members) {
        const { row, milestone, route } = entry;
        const tier = row.now && isTier(row.now.tier) ? row.now.tier : null;
        const alertId = await insertAlert(trx, {
          ...base, dedupKey: milestoneDedupKey(row), kind: 'milestone', accountId: row.accountId, tier, modelVersion: tier ? row.now!.modelVersion : null,
          probability: tier ? row.now!.probability : null, channel: target, recipient, status: 'pending',
        });
        if (alertId === undefined || !(await recordMilestone(trx, { ...row, asOf, alertId }))) continue;
        const tasks = await insertTasks(trx, alertId, row.accountId, milestone.tasks.map((task) => ({
          playbook: milestonePlaybook(row.daysBefore), step: task.title, ownerRole: task.ownerRole, owner: task.ownerRole === 'csm' ? route.csmEmail : null, dueOn: addDays(row.milestoneDay, task.dueDays),
        })));
        summary.tasks += tasks.length;
        posted.push({ ...entry, alertId, newTasks: tasks.map((task) => ({ title: task.step, dueOn: task.dueOn })) });
      }
      const open = await openTaskCounts(trx, posted.map((entry) => entry.row.accountId));
      for (const [part, chunk] of chunkCalendar(posted).entries()) {
        const dedupKey = `calendar:${recipient}:${asOf}${part === 0 ? '' : `:${part + 1}`}`;
        const digestId = await insertAlert(trx, { ...base, dedupKey, kind: 'calendar', accountId: null, tier: null, modelVersion: null, probability: null, channel: target, recipient, status: 'pending' });
        // The recipient had no digest for the day when the transaction started, so the key is free; a
        // member left without its digest would reach the outbox alone.
        if (digestId === undefined) throw new Error(`calendar digest ${dedupKey} exists already: another run of ${asOf} is posting the calendar at the same time`);
        const inputs = chunk.map((entry) => {
          const input: CalendarEntryInput = { ...entry.input, milestoneAlertId: entry.alertId, openTasks: open.get(entry.row.accountId) ?? 0, newTasks: entry.newTasks };
          return { ...input, view: buildCalendarEntry(input, config.routing.crmUrlTemplate, asOf) };
        });
        const view = buildCalendarDigestView({ digestAlertId: digestId, asOf, entries: inputs, configVersion: options.configVersion });
        await setPayload(trx, digestId, { view, message: renderer.calendar(view) } as unknown as Json);
        await setPayloads(trx, inputs.map((input) => ({ alertId: input.milestoneAlertId, payload: { view: input.view } as unknown as Json })));
        await setDigest(trx, chunk.map((entry) => entry.alertId), digestId);
        summary.digests += 1;
      }
      summary.milestones += posted.length;
    }
  });
  logger.info({ event: 'calendar_planned', ...summary, delivery: undefined });

  summary.delivery = await deliverOutbox(db, {
    slack: options.slack, outboxDir: options.outboxDir, print: options.print, logger, now: options.now,
    sleep: options.sleep, retry: config.routing.delivery, retryFailed: options.retryFailed, hooks: options.hooks,
  });
  return summary;
}
