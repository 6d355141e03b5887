// Payment delay (average): typical lateness over the most recent invoices, as of D.
import { sql } from 'kysely';
import { z } from 'zod';
import { indicatorConfig } from './config.ts';
import { fmt, num, plural } from './format.ts';
import type { IndicatorDefinition } from './types.ts';

const configSchema = indicatorConfig(
  'higher',
  { warning: 5, critical: 15, unit: 'days late' },
  { invoices: z.number().int().min(1).max(120).default(6).describe('How many of the most recently issued invoices (issued by the as-of day) to average.') },
);

export const paymentDelayAverage = {
  id: 'paymentDelayAverage',
  title: 'Payment delay (average)',
  description:
    'Average days late over the last N invoices issued by the as-of day (same lateness rule as paymentDelay; on-time invoices count as 0). ' +
    'A habit of paying late, unlike one slip, says the vendor is low on the buyer\'s list. No data for an account without invoices.',
  unit: 'days',
  riskDirection: 'higher',
  configSchema,
  sql: ({ config }) => sql`
    SELECT account_id, avg(delay_days)::float8 AS value,
           jsonb_build_object('invoices', count(*), 'lastN', ${config.invoices}::int, 'totalDelayDays', sum(delay_days)) AS detail
    FROM invoices_asof WHERE recency <= ${config.invoices}::int
    GROUP BY account_id`,
  explain: (value, detail) => {
    if (value === null) return 'no invoices issued yet';
    return `${fmt(num(detail, 'totalDelayDays'), 0)} days late in total over the last ${plural(num(detail, 'invoices'), 'invoice')}: ${fmt(value)} days on average`;
  },
} as const satisfies IndicatorDefinition<typeof configSchema>;
