// Active days: how many days of the recent window had any activity. A day without a usage row had none.
import { sql } from 'kysely';
import { days, indicatorConfig } from './config.ts';
import { coversWindow } from './coverage.ts';
import { num } from './format.ts';
import { detailFields } from './detail.ts';
import type { IndicatorDefinition } from './types.ts';

const configSchema = indicatorConfig(
  'lower',
  { warning: 15, critical: 8, unit: 'days' },
  { recentDays: days(30, 'Window: the last N days up to and including the as-of day.') },
);

const detail = detailFields({ recentDays: 'number', reportedDays: 'number', activeDays: 'number', fullWindow: 'boolean' });

export const activeDays = {
  id: 'activeDays',
  title: 'Active days',
  description:
    'Days in the recent window with at least one active user or event. Few active days means the product is no longer part of the routine. ' +
    'A day without a usage row is a day without activity (sparse exports), so an account that went silent has 0 active days. ' +
    'No data when the account is not covered (indicators.coverageStart) from the first day of the window (a partial window would look inactive).',
  unit: 'days',
  riskDirection: 'lower',
  configSchema,
  detail,
  usage: {
    lookbackDays: (config) => config.recentDays,
    aggregates: ({ config, dayMinus }) => ({
      ad_reported: sql`count(*) FILTER (WHERE day > ${dayMinus(config.recentDays)})`,
      ad_active: sql`count(*) FILTER (WHERE day > ${dayMinus(config.recentDays)} AND (active_users > 0 OR events > 0))`,
    }),
  },
  sql: ({ config, dayMinus }) => {
    const fullWindow = coversWindow({ dayMinus }, 'usage_from', config.recentDays);
    return sql`
    SELECT s.account_id,
           CASE WHEN ${fullWindow} THEN coalesce(u.ad_active, 0)::float8 END AS value,
           ${detail.pack({
             recentDays: sql`${config.recentDays}::int`, reportedDays: sql`coalesce(u.ad_reported, 0)`,
             activeDays: sql`coalesce(u.ad_active, 0)`, fullWindow,
           })} AS detail_values
    FROM scope s LEFT JOIN usage_stats u USING (account_id)`;
  },
  explain: (value, detail, config) => {
    if (detail.fullWindow === false || value === null) return `not covered for all of the last ${config.recentDays} days (coverage started inside the window): window not complete`;
    return `active on ${value} of the last ${config.recentDays} days (${num(detail, 'reportedDays')} days reported usage)`;
  },
} as const satisfies IndicatorDefinition<typeof configSchema>;
