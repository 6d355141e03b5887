import { z } from 'zod';

export const tierSchema = z.enum(['low', 'medium', 'high', 'critical']);

export const routingConfigSchema = z
  .object({
    minimumTier: tierSchema.default('high').describe('Lowest tier that raises an alert.'),
    minimumArrCents: z.number().int().min(0).default(0).describe('Accounts below this ARR (cents) are not alerted.'),
    defaultChannel: z.string().min(1).default('#cs-alerts').describe('Where alerts go when an account has no CSM and its segment has no fallback.'),
    fallbackChannels: z.record(z.string(), z.string().min(1)).default({}).describe('Segment → Slack channel, for accounts without a CSM.'),
    csmSlackIds: z.record(z.string(), z.string().min(1)).default({}).describe('CSM email → Slack user id, to skip the users.lookupByEmail call.'),
    managers: z.record(z.string(), z.string().min(1)).default({}).describe('CSM email → manager Slack id or team channel for escalations.'),
    digest: z.boolean().default(false).describe('Send one daily digest per CSM instead of one message per account.'),
    weeklyBudgetPerCsm: z.number().int().positive().default(10).describe('Most alerts a CSM receives per week; the overflow is queued by ARR × probability.'),
    cooldownDays: z.number().int().min(0).default(14).describe('Days before an account is alerted again, unless its tier rises.'),
    escalateAfterDays: z.number().int().min(0).default(7).describe('Days past due after which an open task is escalated, once.'),
    holdoutShare: z.number().min(0).max(0.5).default(0.1).describe('Share of high-risk accounts withheld from alerts as a control group.'),
    crmUrlTemplate: z.string().default('https://crm.example.com/accounts/{{externalId}}').describe('Link to the account in your CRM; {{externalId}} is replaced.'),
  })
  .strict();

export type RoutingConfig = z.infer<typeof routingConfigSchema>;
