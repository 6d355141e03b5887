// Usage trend: the least-squares slope of daily events over the trend window, scaled to the change
// over 30 days and divided by the mean — "usage falls by 18% of its average per month".
import { sql } from 'kysely';
import { z } from 'zod';
import { days, indicatorConfig } from './config.ts';
import { fmt, num, pct } from './format.ts';
import type { IndicatorDefinition } from './types.ts';

const configSchema = indicatorConfig(
  'lower',
  { warning: -0.15, critical: -0.3, unit: 'fitted change per 30 days as a fraction of the mean' },
  {
    days: days(90, 'Trend window: the last N days up to and including the as-of day.'),
    minDays: z.number().int().min(2).max(1095).default(14).describe('Fewer reported days than this in the window gives no data.'),
  },
).superRefine((config, ctx) => {
  if (config.minDays > config.days) ctx.addIssue({ code: 'custom', path: ['minDays'], message: `must be at most days (${config.days})` });
});

export const usageTrend = {
  id: 'usageTrend',
  title: 'Usage trend',
  description:
    'Least-squares slope of daily events against the day over the trend window (days that reported usage), times 30, divided by the mean daily events: ' +
    'the fitted change per 30 days as a fraction of average usage (−0.2 = usage falls by 20% of its mean per month). ' +
    'Catches a steady slide that a two-window comparison can miss. No data with fewer than minDays reported days or zero mean.',
  unit: 'ratio',
  riskDirection: 'lower',
  configSchema,
  usage: {
    lookbackDays: (config) => config.days,
    aggregates: ({ config, d, dayMinus }) => {
      const inWindow = sql`day > ${dayMinus(config.days)}`;
      return {
        ut_days: sql`count(*) FILTER (WHERE ${inWindow})`,
        ut_mean: sql`avg(events::float8) FILTER (WHERE ${inWindow})`,
        ut_slope: sql`regr_slope(events::float8, (day - ${d})::float8) FILTER (WHERE ${inWindow})`,
      };
    },
  },
  sql: ({ config }) => sql`
    SELECT s.account_id,
           CASE WHEN u.ut_days >= ${config.minDays}::int AND u.ut_mean > 0 THEN u.ut_slope * 30 / u.ut_mean END AS value,
           jsonb_build_object('days', ${config.days}::int, 'minDays', ${config.minDays}::int, 'reportedDays', coalesce(u.ut_days, 0),
                              'meanEventsPerDay', u.ut_mean, 'slopePerDay', u.ut_slope) AS detail
    FROM scope s LEFT JOIN usage_stats u USING (account_id)`,
  explain: (value, detail, config) => {
    const reported = num(detail, 'reportedDays') ?? 0;
    const mean = num(detail, 'meanEventsPerDay');
    const slope = num(detail, 'slopePerDay');
    if (reported < config.minDays) return `only ${reported} of the last ${config.days} days reported usage (need ${config.minDays}) to fit a trend`;
    if (value === null || slope === null) return `no events in the last ${config.days} days: no trend`;
    return `least-squares trend over ${reported} reported days in the last ${config.days}: ${fmt(slope * 30)} events/day per 30 days against a mean of ${fmt(mean)} events/day: ${pct(value)} per month`;
  },
} as const satisfies IndicatorDefinition<typeof configSchema>;
