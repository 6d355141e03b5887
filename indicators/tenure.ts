// Tenure: how long the account has been a customer.
import { sql } from 'kysely';
import { indicatorConfig } from './config.ts';
import { fmt, plural } from './format.ts';
import { detailFields } from './detail.ts';
import type { IndicatorDefinition } from './types.ts';

const configSchema = indicatorConfig('lower', { warning: 365, critical: 180, unit: 'days' }, {});

const detail = detailFields({ contractStart: 'date' });

export const tenure = {
  id: 'tenure',
  title: 'Tenure',
  description:
    'Days from contract start to the as-of day. First renewals churn far more often than later ones: the customer has not yet built the product into its work.',
  unit: 'days',
  riskDirection: 'lower',
  configSchema,
  detail,
  sql: ({ d }) => sql`
    SELECT account_id, (${d} - contract_start)::float8 AS value, ${detail.pack({ contractStart: sql`contract_start` })} AS detail_values
    FROM scope`,
  explain: (value, detail) => (value === null ? 'no contract start' : `customer since ${String(detail.contractStart)}: ${plural(value, 'day')} (${fmt(value / 365.25)} years)`),
} as const satisfies IndicatorDefinition<typeof configSchema>;
