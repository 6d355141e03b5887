// Payment delay (average): typical lateness over the most recent invoices, as of D.
import { sql } from 'kysely';
import { indicatorConfig, recentInvoices } from './config.ts';
import { fmt, num, plural } from './format.ts';
import { detailFields } from './detail.ts';
import type { IndicatorDefinition } from './types.ts';

const configSchema = indicatorConfig(
  'higher',
  { warning: 5, critical: 15, unit: 'days late' },
  { invoices: recentInvoices(6, 'How many of the most recently issued invoices (issued by the as-of day) to average.') },
);

const detail = detailFields({ invoices: 'number', lastN: 'number', totalDelayDays: 'number' });

export const paymentDelayAverage = {
  id: 'paymentDelayAverage',
  title: 'Payment delay (average)',
  description:
    'Average days late over the last N invoices issued by the as-of day (same lateness rule as paymentDelay; on-time invoices count as 0). ' +
    'A habit of paying late, unlike one slip, says the vendor is low on the buyer\'s list. No data for an account without invoices.',
  unit: 'days',
  riskDirection: 'higher',
  configSchema,
  detail,
  invoices: {
    aggregates: ({ config }) => {
      const recent = sql`recency <= ${config.invoices}::int`;
      return {
        pda_invoices: sql`count(*) FILTER (WHERE ${recent})`,
        pda_total_delay: sql`sum(delay_days) FILTER (WHERE ${recent})`,
      };
    },
  },
  // The average as avg() computes it for integers: the exact sum over the count, in numeric.
  sql: ({ config }) => sql`
    SELECT account_id, (pda_total_delay::numeric / nullif(pda_invoices, 0)::numeric)::float8 AS value,
           ${detail.pack({ invoices: sql`pda_invoices`, lastN: sql`${config.invoices}::int`, totalDelayDays: sql`pda_total_delay` })} AS detail_values
    FROM invoice_stats`,
  explain: (value, detail) => {
    if (value === null) return 'no invoices issued yet';
    return `${fmt(num(detail, 'totalDelayDays'), 0)} days late in total over the last ${plural(num(detail, 'invoices'), 'invoice')}: ${fmt(value)} days on average`;
  },
} as const satisfies IndicatorDefinition<typeof configSchema>;
