// Payment delay: the worst lateness over the most recent invoices, as of D.
import { sql } from 'kysely';
import { indicatorConfig, recentInvoices } from './config.ts';
import { num, plural } from './format.ts';
import { detailFields } from './detail.ts';
import type { IndicatorDefinition } from './types.ts';

const configSchema = indicatorConfig(
  'higher',
  { warning: 10, critical: 30, unit: 'days late' },
  { invoices: recentInvoices(6, 'How many of the most recently issued invoices (issued by the as-of day) to look at.') },
);

const detail = detailFields({ invoices: 'number', lastN: 'number', lateInvoices: 'number', unpaid: 'number', maxDelayDays: 'number' });

export const paymentDelay = {
  id: 'paymentDelay',
  title: 'Payment delay (max)',
  description:
    'Maximum days late over the last N invoices issued by the as-of day: min(paid day, as-of day) − due day, at least 0, so an unpaid overdue invoice keeps growing ' +
    'and a later payment is not known yet. Paying late is a budget or priority signal from the buyer. No data for an account without invoices.',
  unit: 'days',
  riskDirection: 'higher',
  configSchema,
  detail,
  invoices: {
    aggregates: ({ config }) => {
      const recent = sql`recency <= ${config.invoices}::int`;
      return {
        pd_invoices: sql`count(*) FILTER (WHERE ${recent})`,
        pd_late: sql`count(*) FILTER (WHERE ${recent} AND delay_days > 0)`,
        pd_unpaid: sql`count(*) FILTER (WHERE ${recent} AND NOT paid)`,
        pd_max_delay: sql`max(delay_days) FILTER (WHERE ${recent})`,
      };
    },
  },
  sql: ({ config }) => sql`
    SELECT account_id, pd_max_delay::float8 AS value,
           ${detail.pack({
             invoices: sql`pd_invoices`, lastN: sql`${config.invoices}::int`, lateInvoices: sql`pd_late`,
             unpaid: sql`pd_unpaid`, maxDelayDays: sql`pd_max_delay`,
           })} AS detail_values
    FROM invoice_stats`,
  explain: (value, detail) => {
    if (value === null) return 'no invoices issued yet';
    return `worst ${plural(value, 'day')} late over the last ${plural(num(detail, 'invoices'), 'invoice')} (${num(detail, 'lateInvoices')} late, ${num(detail, 'unpaid')} still unpaid)`;
  },
} as const satisfies IndicatorDefinition<typeof configSchema>;
