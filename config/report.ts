import { z } from 'zod';

export const reportConfigSchema = z
  .object({
    leadershipChannel: z.string().min(1).default('#leadership').describe('Slack channel that receives the weekly summary.'),
    recipients: z.array(z.string().min(1)).default([]).describe('Extra Slack ids or channels that receive the summary.'),
    topAccounts: z.number().int().positive().max(100).default(10).describe('How many top at-risk accounts the report lists.'),
    trendWeeks: z.number().int().positive().max(52).default(12).describe('Weeks of at-risk ARR trend in the chart.'),
    outDir: z.string().min(1).default('.radar/reports').describe('Where report files are written.'),
  })
  .strict();

export type ReportConfig = z.infer<typeof reportConfigSchema>;
