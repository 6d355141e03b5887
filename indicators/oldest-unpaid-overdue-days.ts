// Oldest unpaid overdue invoice: how long the oldest open debt has been overdue as of D.
import { sql } from 'kysely';
import { indicatorConfig } from './config.ts';
import { num, plural } from './format.ts';
import { detailFields } from './detail.ts';
import type { IndicatorDefinition } from './types.ts';

const configSchema = indicatorConfig('higher', { warning: 15, critical: 45, unit: 'days overdue' }, {});

const detail = detailFields({ invoices: 'number', overdueInvoices: 'number', oldestDueOn: 'date' });

export const oldestUnpaidOverdueDays = {
  id: 'oldestUnpaidOverdueDays',
  title: 'Oldest unpaid overdue invoice',
  description:
    'Days the oldest invoice that is unpaid at the end of the as-of day has been past its due day (as-of day − due day; 0 when nothing is overdue). ' +
    'A debt left open for weeks often means the buyer is disputing value or preparing to leave. No data for an account without invoices.',
  unit: 'days',
  riskDirection: 'higher',
  configSchema,
  detail,
  invoices: {
    aggregates: ({ d }) => {
      const overdue = sql`NOT paid AND due_on < ${d}`;
      return {
        ou_invoices: sql`count(*)`,
        ou_overdue: sql`count(*) FILTER (WHERE ${overdue})`,
        ou_oldest_due: sql`min(due_on) FILTER (WHERE ${overdue})`,
      };
    },
  },
  sql: ({ d }) => sql`
    SELECT account_id, coalesce(${d} - ou_oldest_due, 0)::float8 AS value,
           ${detail.pack({ invoices: sql`ou_invoices`, overdueInvoices: sql`ou_overdue`, oldestDueOn: sql`ou_oldest_due` })} AS detail_values
    FROM invoice_stats`,
  explain: (value, detail) => {
    if (value === null) return 'no invoices issued yet';
    if (value === 0) return `nothing overdue (${plural(num(detail, 'invoices'), 'invoice')} issued)`;
    return `${plural(num(detail, 'overdueInvoices'), 'invoice')} unpaid past due; the oldest was due ${String(detail.oldestDueOn)}, ${plural(value, 'day')} ago`;
  },
} as const satisfies IndicatorDefinition<typeof configSchema>;
