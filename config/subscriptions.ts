// How renewals are derived from subscription periods (issue 15; docs/subscriptions.md).
import { z } from 'zod';

export const subscriptionsConfigSchema = z
  .object({
    graceDays: z
      .number()
      .int()
      .min(0)
      .max(60)
      .default(3)
      .describe(
        'A period that ended without a following period counts as churned only this many days after its end, and a following period that starts up to this many days late still renews it (a renewal recorded a day late is not a churn).',
      ),
    updateAccounts: z
      .boolean()
      .default(true)
      .describe(
        "Whether accounts with subscription periods take renewal_date, arr_cents and status from their latest periods on every subscriptions load (true), or keep the accounts source's values (false).",
      ),
  })
  .strict();

export type SubscriptionsConfig = z.infer<typeof subscriptionsConfigSchema>;
