// Active days: how many days of the recent window had any activity.
import { sql } from 'kysely';
import { days, indicatorConfig } from './config.ts';
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
    'No data when no usage rows were reported in the window, or when the contract started inside the window (a partial window would look inactive).',
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
  sql: ({ config, dayMinus }) => sql`
    SELECT s.account_id,
           CASE WHEN s.contract_start <= ${dayMinus(config.recentDays - 1)} AND u.ad_reported > 0 THEN u.ad_active::float8 END AS value,
           ${detail.pack({
             recentDays: sql`${config.recentDays}::int`, reportedDays: sql`coalesce(u.ad_reported, 0)`,
             activeDays: sql`coalesce(u.ad_active, 0)`, fullWindow: sql`s.contract_start <= ${dayMinus(config.recentDays - 1)}`,
           })} AS detail_values
    FROM scope s LEFT JOIN usage_stats u USING (account_id)`,
  explain: (value, detail, config) => {
    if (detail.fullWindow === false) return `contract started within the last ${config.recentDays} days: window not complete`;
    if (value === null) return `no usage reported in the last ${config.recentDays} days`;
    return `active on ${value} of the last ${config.recentDays} days (${num(detail, 'reportedDays')} days reported usage)`;
  },
} as const satisfies IndicatorDefinition<typeof configSchema>;
