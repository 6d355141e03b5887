import { z } from 'zod';
import { taskSchema } from './playbooks.ts';

const milestoneSchema = z
  .object({
    daysBefore: z.number().int().min(1).max(365).describe('The milestone: this many days before each renewal (T−90 is 90).'),
    title: z.string().min(1).max(100).optional().describe('What the digest calls the milestone (default "T−<daysBefore>").'),
    tasks: z
      .array(taskSchema.extend({ dueDays: z.number().int().min(0).max(90).describe('Days after the milestone day the task is due.') }))
      .default([])
      .describe('The milestone playbook: tasks created once per account, renewal and milestone, owned like risk playbook tasks.'),
  })
  .strict();

export const defaultMilestones: z.input<typeof milestoneSchema>[] = [
  { daysBefore: 90, tasks: [{ title: 'Confirm the decision maker and the renewal process', ownerRole: 'csm', dueDays: 14 }] },
  { daysBefore: 60, tasks: [{ title: 'Review value delivered and agree the renewal terms', ownerRole: 'csm', dueDays: 14 }] },
  { daysBefore: 30, tasks: [{ title: 'Send the renewal quote', ownerRole: 'csm', dueDays: 7 }] },
];

export const calendarConfigSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Post the renewal calendar digest in the daily run (docs/calendar.md).'),
    milestones: z
      .array(milestoneSchema)
      .min(1)
      .superRefine((milestones, ctx) => {
        const seen = new Set<number>();
        milestones.forEach((milestone, index) => {
          if (seen.has(milestone.daysBefore)) ctx.addIssue({ code: 'custom', path: [index, 'daysBefore'], message: `duplicate milestone: ${milestone.daysBefore} days before appears twice` });
          seen.add(milestone.daysBefore);
        });
      })
      .prefault(defaultMilestones)
      .describe('The cadence: milestones before each renewal, each with its playbook. A CSM gets one digest per day listing their accounts reaching a milestone.'),
    catchUpDays: z
      .number()
      .int()
      .min(2)
      .max(60)
      .default(7)
      .describe(
        'A milestone reached this many days back or less and not posted yet is posted by the next run (a missed day still posts it once); older ones are not (the first run does not post every past milestone). At least 2: a milestone held for the next day\'s digest must still be in its window.',
      ),
    countInAlertBudget: z
      .boolean()
      .default(false)
      .describe("Whether each account in a calendar digest uses one of its CSM's routing.weeklyBudgetPerCsm alerts (calendar reminders are never held back themselves)."),
  })
  .strict();

export type CalendarConfig = z.infer<typeof calendarConfigSchema>;
export type MilestoneConfig = CalendarConfig['milestones'][number];

/** "T−90" unless the milestone has its own title. */
export function milestoneTitle(milestone: Pick<MilestoneConfig, 'daysBefore' | 'title'>): string {
  return milestone.title ?? `T−${milestone.daysBefore}`;
}
