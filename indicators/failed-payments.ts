// Failed payments: failed collection attempts on recently issued invoices.
import { sql } from 'kysely';
import { days, indicatorConfig } from './config.ts';
import { num, plural } from './format.ts';
import type { IndicatorDefinition } from './types.ts';

const configSchema = indicatorConfig(
  'higher',
  { warning: 2, critical: 4, unit: 'failed attempts' },
  { windowDays: days(90, 'Invoices issued in the last N days up to and including the as-of day.') },
);

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
  sql: ({ config, dayMinus }) => sql`
    SELECT account_id,
           coalesce(sum(failed_attempts) FILTER (WHERE issued_on > ${dayMinus(config.windowDays)}), 0)::float8 AS value,
           jsonb_build_object('windowDays', ${config.windowDays}::int,
                              'invoicesInWindow', count(*) FILTER (WHERE issued_on > ${dayMinus(config.windowDays)}),
                              'invoicesWithFailures', count(*) FILTER (WHERE issued_on > ${dayMinus(config.windowDays)} AND failed_attempts > 0)) AS detail
    FROM invoices_asof
    GROUP BY account_id`,
  explain: (value, detail, config) => {
    if (value === null) return 'no invoices issued yet';
    return `${plural(value, 'failed payment attempt')} on ${plural(num(detail, 'invoicesInWindow'), 'invoice')} issued in the last ${config.windowDays} days`;
  },
} as const satisfies IndicatorDefinition<typeof configSchema>;
