import { z } from 'zod';

export const tierSchema = z.enum(['low', 'medium', 'high', 'critical']);

const deliverySchema = z
  .object({
    maxAttempts: z.number().int().min(1).max(20).default(5).describe('Attempts per Slack message within one run after 5xx or network errors (a 429 is not an attempt); after them the message stays in the outbox for the next run.'),
    baseDelayMs: z.number().int().min(0).default(1000).describe('First backoff after a 5xx or network error; doubles per attempt.'),
    maxDelayMs: z.number().int().min(0).default(60_000).describe('Longest backoff between attempts after a 5xx or network error (Retry-After is waited in full, see rateLimitMaxWaitSeconds).'),
    rateLimitMaxWaitSeconds: z
      .number()
      .int()
      .min(0)
      .default(300)
      .describe("Longest total wait for Slack's Retry-After on one message in one run. A 429 is never counted as an attempt; past this ceiling the message stays in the outbox (not failed) and the run's remaining messages wait for the next run."),
    retryForHours: z
      .number()
      .min(0)
      .default(24)
      .describe('Messages that met only transient failures (5xx, network, rate limits) are retried by every following run until they are this old; then they are marked failed (retry those with `radar alert --retry-failed`).'),
    historyLookbackMinutes: z.number().int().min(1).default(10).describe('Before re-posting an interrupted message, Slack history is searched from this long before the first attempt.'),
  })
  .strict();

export const routingConfigSchema = z
  .object({
    minimumTier: tierSchema.default('high').describe('Lowest tier that raises an alert.'),
    minimumArrCents: z.number().int().min(0).default(0).describe('Accounts below this ARR (cents) are not alerted.'),
    defaultChannel: z.string().min(1).default('#cs-alerts').describe('Where alerts go when an account has no CSM and its segment has no fallback. Use a channel id (C…) so the duplicate check can read its history.'),
    fallbackChannels: z.record(z.string(), z.string().min(1)).default({}).describe('Segment → Slack channel id, for accounts without a CSM.'),
    csmSlackIds: z.record(z.string(), z.string().min(1)).default({}).describe('CSM email → Slack user id, to skip the users.lookupByEmail call.'),
    managers: z.record(z.string(), z.string().min(1)).default({}).describe('CSM email → manager Slack id or team channel for escalations.'),
    escalationChannel: z.string().default('').describe('Escalations of CSMs without a `managers` entry go here; empty = the segment fallback channel or defaultChannel.'),
    digest: z.boolean().default(false).describe('Send one daily digest per CSM instead of one message per account.'),
    weeklyBudgetPerCsm: z.number().int().positive().default(10).describe('Most alerts a CSM receives per week; the overflow is queued by ARR × probability.'),
    cooldownDays: z.number().int().min(0).default(14).describe('Days before an account is alerted again, unless its tier rises.'),
    escalateAfterDays: z.number().int().min(0).default(7).describe('Days past due after which an open task is escalated, once.'),
    holdoutShare: z.number().min(0).max(0.5).default(0.1).describe('Share of high-risk accounts withheld from alerts as a control group.'),
    holdoutSalt: z.string().min(1).default('renewal-radar-holdout-v1').describe('Salt of the holdout hash; changing it reshuffles the control group, so set it once.'),
    topDrivers: z.number().int().min(1).max(10).default(3).describe('Drivers shown in a message and matched against playbooks.'),
    crmUrlTemplate: z.string().default('https://crm.example.com/accounts/{{externalId}}').describe('Link to the account in your CRM; {{externalId}} is replaced.'),
    templatesDir: z.string().default('').describe('Directory with your own copies of the alerts/templates/*.hbs files (relative to the config file); empty = the built-in templates.'),
    delivery: deliverySchema.prefault({}).describe('Retries and the duplicate check of Slack delivery.'),
  })
  .strict();

export type RoutingConfig = z.infer<typeof routingConfigSchema>;
export type Tier = z.infer<typeof tierSchema>;
