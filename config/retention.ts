import { z } from 'zod';

const months = (what: string) =>
  z
    .number()
    .int()
    .min(1)
    .max(1200)
    .nullable()
    .default(null)
    .describe(
      `Months of ${what} kept in the partitioned tables: the daily run detaches every month partition that ends before the first day of the month this many months before the as-of month. null (default) keeps everything. Must cover the longest indicator window and the history training and backtests read (docs/scaling.md, "Partitioned history").`,
    );

export const retentionConfigSchema = z
  .object({
    usageMonths: months('usage history (usage_daily, usage_metrics_daily)'),
    indicatorMonths: months('stored indicator values (indicator_values)'),
    dropDetached: z
      .boolean()
      .default(false)
      .describe('Drop detached month partitions. false (default): keep each one as the plain table <partition>_detached, to archive or drop by hand.'),
  })
  .strict();

export type RetentionConfig = z.infer<typeof retentionConfigSchema>;
