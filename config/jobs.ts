import { z } from 'zod';

export const jobsConfigSchema = z
  .object({
    shards: z
      .number()
      .int()
      .min(1)
      .max(256)
      .default(1)
      .describe(
        'Account shards of the daily run (stable hash of account_id): indicators and scoring run per shard — one BullMQ child job each, so N workers share a day; in-process one after another. 1 = one job for the whole day.',
      ),
  })
  .strict();
