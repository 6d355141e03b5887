// Failed payments: failed collection attempts on recently issued invoices.
import { sql } from 'kysely';
import { days, indicatorConfig } from './config.ts';
import { num, plural } from './format.ts';
import { detailFields } from './detail.ts';
import type { IndicatorDefinition } from './types.ts';

const configSchema = indicatorConfig(
  'higher',
  { warning: 2, critical: 4, unit: 'failed attempts' },
  { windowDays: days(90, 'Invoices issued in the last N days up to and including the as-of day.') },
);

const detail = detailFields({ windowDays: 'number', invoicesInWindow: 'number', invoicesWithFailures: 'number' });

export const failedPayments = {
  id: 'failedPayments',
  title: 'Failed payments',
  description:
    'Failed payment attempts on invoices issued in the window. Expired cards and declined charges are involuntary churn in the making. ' +
    'Caveat: invoices.failed_attempts is a running counter without timestamps, so attempts made after the as-of day on those invoices are counted too. ' +
    'No data for an account without invoices.',
  unit: 'count',
  riskDirection: 'higher',
  configSchema,
  detail,
  invoices: {
    aggregates: ({ config, dayMinus }) => {
      const inWindow = sql`issued_on > ${dayMinus(config.windowDays)}`;
      return {
        fp_invoices: sql`count(*) FILTER (WHERE ${inWindow})`,
        fp_with_failures: sql`count(*) FILTER (WHERE ${inWindow} AND failed_attempts > 0)`,
        fp_attempts: sql`sum(failed_attempts) FILTER (WHERE ${inWindow})`,
      };
    },
  },
  sql: ({ config }) => sql`
    SELECT account_id, coalesce(fp_attempts, 0)::float8 AS value,
           ${detail.pack({ windowDays: sql`${config.windowDays}::int`, invoicesInWindow: sql`fp_invoices`, invoicesWithFailures: sql`fp_with_failures` })} AS detail_values
    FROM invoice_stats`,
  explain: (value, detail, config) => {
    if (value === null) return 'no invoices issued yet';
    return `${plural(value, 'failed payment attempt')} on ${plural(num(detail, 'invoicesInWindow'), 'invoice')} issued in the last ${config.windowDays} days`;
  },
} as const satisfies IndicatorDefinition<typeof configSchema>;
