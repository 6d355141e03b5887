import { z } from 'zod';

// Five-field cron (minute hour day-of-month month day-of-week); checked fully by cron-parser when scheduling.
const cron = z.string().regex(/^(\S+\s+){4}\S+$/, 'must be a five-field cron expression, e.g. "0 6 * * *"');

export const schedulesConfigSchema = z
  .object({
    timezone: z.string().min(1).default('UTC').describe('IANA time zone the cron expressions run in.'),
    daily: cron.default('0 6 * * *').describe('The daily run: ingest → indicators → score → alerts → escalations.'),
    escalations: cron.default('0 */4 * * *').describe('How often overdue tasks are checked for escalation.'),
    weeklyReport: cron.default('0 7 * * 1').describe('The weekly leadership report.'),
    webhooks: cron
      .default('*/5 * * * *')
      .describe('How often the webhook outbox is sent, so retries go out between daily runs; scheduled only when `webhooks:` lists endpoints.'),
    queuePrefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,40}$/, 'letters, digits, - and _ only')
      .default('radar')
      .describe('Prefix of every BullMQ key in Redis; two installations sharing one Redis need different prefixes.'),
    keepCompleted: z.number().int().min(1).default(1000).describe('Completed jobs kept per queue (with their result) for `radar status`.'),
    keepFailed: z.number().int().min(1).default(5000).describe('Failed jobs kept per queue, with their reason and stack trace.'),
  })
  .strict();

export type SchedulesConfig = z.infer<typeof schedulesConfigSchema>;
