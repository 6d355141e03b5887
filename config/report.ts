import { z } from 'zod';

const tier = z.enum(['low', 'medium', 'high', 'critical']);

export const reportConfigSchema = z
  .object({
    leadershipChannel: z.string().min(1).default('#leadership').describe('Slack channel that receives the weekly summary.'),
    recipients: z.array(z.string().min(1)).default([]).describe('Extra Slack ids or channels that receive the summary.'),
    topAccounts: z.number().int().positive().max(100).default(10).describe('How many top at-risk accounts the report lists.'),
    trendWeeks: z.number().int().positive().max(52).default(12).describe('Weeks of at-risk ARR trend in the chart.'),
    outDir: z.string().min(1).default('.radar/reports').describe('Where report files are written.'),
    atRiskTiers: z
      .array(tier)
      .min(1)
      .default(['high', 'critical'])
      .describe('Tiers whose renewing ARR counts as "at risk" in the report (totals, segments, trend).'),
    modelHealthDays: z
      .number()
      .int()
      .min(7)
      .max(366)
      .default(91)
      .describe('Model health (AUC, calibration) uses renewals decided in this many days up to the week’s end (91 = a quarter).'),
    calibrationBins: z.number().int().min(2).max(20).default(5).describe('Equal-count bins of the calibration table and plot in the report.'),
  })
  .strict();

export type ReportConfig = z.infer<typeof reportConfigSchema>;
