// Payment delay: the worst lateness over the most recent invoices, as of D.
import { sql } from 'kysely';
import { z } from 'zod';
import { indicatorConfig } from './config.ts';
import { num, plural } from './format.ts';
import type { IndicatorDefinition } from './types.ts';

const configSchema = indicatorConfig(
  'higher',
  { warning: 10, critical: 30, unit: 'days late' },
  { invoices: z.number().int().min(1).max(120).default(6).describe('How many of the most recently issued invoices (issued by the as-of day) to look at.') },
);

export const paymentDelay = {
  id: 'paymentDelay',
  title: 'Payment delay (max)',
  description:
    'Maximum days late over the last N invoices issued by the as-of day: min(paid day, as-of day) − due day, at least 0, so an unpaid overdue invoice keeps growing ' +
    'and a later payment is not known yet. Paying late is a budget or priority signal from the buyer. No data for an account without invoices.',
  unit: 'days',
  riskDirection: 'higher',
  configSchema,
  sql: ({ config }) => sql`
    SELECT account_id, max(delay_days)::float8 AS value,
           jsonb_build_object('invoices', count(*), 'lastN', ${config.invoices}::int, 'lateInvoices', count(*) FILTER (WHERE delay_days > 0),
                              'unpaid', count(*) FILTER (WHERE NOT paid), 'maxDelayDays', max(delay_days)) AS detail
    FROM invoices_asof WHERE recency <= ${config.invoices}::int
    GROUP BY account_id`,
  explain: (value, detail) => {
    if (value === null) return 'no invoices issued yet';
    return `worst ${plural(value, 'day')} late over the last ${plural(num(detail, 'invoices'), 'invoice')} (${num(detail, 'lateInvoices')} late, ${num(detail, 'unpaid')} still unpaid)`;
  },
} as const satisfies IndicatorDefinition<typeof configSchema>;
