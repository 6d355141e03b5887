// Overdue amount: money owed past its due day as of D.
import { sql } from 'kysely';
import { indicatorConfig } from './config.ts';
import { money, num, plural } from './format.ts';
import { detailFields } from './detail.ts';
import type { IndicatorDefinition } from './types.ts';

const configSchema = indicatorConfig('higher', { warning: 100_000, critical: 1_000_000, unit: 'cents' }, {});

const detail = detailFields({ invoices: 'number', overdueInvoices: 'number', overdueCents: 'number' });

export const overdueAmount = {
  id: 'overdueAmount',
  title: 'Overdue amount',
  description:
    'Sum in cents of invoices past their due day and unpaid at the end of the as-of day (in the invoices\' currencies, not converted). ' +
    'Large open balances precede non-renewal and write-offs. No data for an account without invoices.',
  unit: 'cents',
  riskDirection: 'higher',
  configSchema,
  detail,
  invoices: {
    aggregates: ({ d }) => {
      const overdue = sql`NOT paid AND due_on < ${d}`;
      return {
        oa_invoices: sql`count(*)`,
        oa_overdue: sql`count(*) FILTER (WHERE ${overdue})`,
        oa_overdue_cents: sql`sum(amount_cents) FILTER (WHERE ${overdue})`,
      };
    },
  },
  sql: () => sql`
    SELECT account_id, coalesce(oa_overdue_cents, 0)::float8 AS value,
           ${detail.pack({ invoices: sql`oa_invoices`, overdueInvoices: sql`oa_overdue`, overdueCents: sql`coalesce(oa_overdue_cents, 0)` })} AS detail_values
    FROM invoice_stats`,
  explain: (value, detail) => {
    if (value === null) return 'no invoices issued yet';
    if (value === 0) return 'nothing overdue';
    return `${money(value)} overdue on ${plural(num(detail, 'overdueInvoices'), 'invoice')}`;
  },
} as const satisfies IndicatorDefinition<typeof configSchema>;
