// Days to renewal: time left to act.
import { sql } from 'kysely';
import { indicatorConfig } from './config.ts';
import { plural } from './format.ts';
import { detailFields } from './detail.ts';
import type { IndicatorDefinition } from './types.ts';

const configSchema = indicatorConfig('lower', { warning: 30, critical: 14, unit: 'days' }, {});

const detail = detailFields({ nextRenewalOn: 'date' });

export const daysToRenewal = {
  id: 'daysToRenewal',
  title: 'Days to renewal',
  description:
    'Days from the as-of day to the next renewal: the earliest renewals.renewal_date after it, else the account\'s renewal date if after it. ' +
    'Not a cause of churn but the urgency of every other signal: less time means fewer ways to save the account. No data when no renewal is scheduled.',
  unit: 'days',
  riskDirection: 'lower',
  configSchema,
  detail,
  sql: ({ d }) => sql`
    SELECT account_id, (next_renewal_on - ${d})::float8 AS value, ${detail.pack({ nextRenewalOn: sql`next_renewal_on` })} AS detail_values
    FROM scope`,
  explain: (value, detail) => (value === null ? 'no renewal scheduled after this day' : `renews on ${String(detail.nextRenewalOn)}, in ${plural(value, 'day')}`),
} as const satisfies IndicatorDefinition<typeof configSchema>;
