import { z } from 'zod';

export const taskSchema = z
  .object({
    title: z.string().min(1).describe('What to do, in words a CSM acts on.'),
    ownerRole: z.enum(['csm', 'manager', 'finance', 'support', 'executive']).default('csm').describe('Who does it.'),
    dueDays: z.number().int().min(0).max(90).describe('Days after the alert the task is due.'),
  })
  .strict();

const playbookSchema = z
  .object({
    title: z.string().min(1),
    drivers: z.array(z.string().min(1)).min(1).describe('Indicator ids whose appearance among the top drivers selects this playbook.'),
    tasks: z.array(taskSchema).min(1),
  })
  .strict();

export const playbooksConfigSchema = z.record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9_-]*$/), playbookSchema);

export const defaultPlaybooks: z.input<typeof playbooksConfigSchema> = {
  adoption: {
    title: 'Adoption recovery',
    drivers: ['usageDecline', 'usageTrend', 'seatUtilisation', 'activeDays'],
    tasks: [
      { title: 'Run an adoption review with the main contact', ownerRole: 'csm', dueDays: 7 },
      { title: 'Offer a training session for inactive users', ownerRole: 'csm', dueDays: 14 },
    ],
  },
  payment: {
    title: 'Payment follow-up',
    drivers: ['paymentDelay', 'overdueAmount', 'failedPayments'],
    tasks: [
      { title: 'Contact the finance owner about overdue invoices', ownerRole: 'finance', dueDays: 3 },
      { title: 'Offer an instalment plan if cash flow is the issue', ownerRole: 'csm', dueDays: 10 },
    ],
  },
  engagement: {
    title: 'Re-engagement',
    drivers: ['supportChange', 'supportEscalations'],
    tasks: [{ title: 'Schedule a check-in call', ownerRole: 'csm', dueDays: 5 }],
  },
  competition: {
    title: 'Competitive defence',
    drivers: ['competitorReleases'],
    tasks: [{ title: 'Hold a value review with the executive sponsor', ownerRole: 'executive', dueDays: 14 }],
  },
};

export type PlaybooksConfig = z.infer<typeof playbooksConfigSchema>;
