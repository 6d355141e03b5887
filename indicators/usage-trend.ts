// Usage trend: the least-squares slope of daily events over the trend window, scaled to the change
// over 30 days and divided by the mean — "usage falls by 18% of its average per month".
import { sql } from 'kysely';
import { z } from 'zod';
import { days, indicatorConfig } from './config.ts';
import { fmt, num, pct } from './format.ts';
import { detailFields } from './detail.ts';
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

const detail = detailFields({ days: 'number', minDays: 'number', reportedDays: 'number', meanEventsPerDay: 'number', slopePerDay: 'number' });

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
  detail,
  usage: {
    lookbackDays: (config) => config.days,
    // Exact sums (x = day − D, a whole number of days ≤ 0) so parallel partial aggregation cannot change
    // the last bits: slope = (nΣxy − ΣxΣy) / (nΣx² − (Σx)²), mean = Σy / n, evaluated once per account.
    aggregates: ({ config, d, dayMinus }) => {
      const inWindow = sql`day > ${dayMinus(config.days)}`;
      return {
        ut_days: sql`count(*) FILTER (WHERE ${inWindow})`,
        ut_sum_y: sql`sum(events) FILTER (WHERE ${inWindow})`,
        ut_sum_x: sql`sum(day - ${d}) FILTER (WHERE ${inWindow})`,
        ut_sum_xx: sql`sum((day - ${d}) * (day - ${d})) FILTER (WHERE ${inWindow})`,
        ut_sum_xy: sql`sum((day - ${d})::int8 * events) FILTER (WHERE ${inWindow})`,
      };
    },
  },
  sql: ({ config }) => sql`
    SELECT account_id,
           CASE WHEN reported_days >= ${config.minDays}::int AND mean > 0 THEN slope * 30 / mean END AS value,
           ${detail.pack({
             days: sql`${config.days}::int`, minDays: sql`${config.minDays}::int`, reportedDays: sql`reported_days`,
             meanEventsPerDay: sql`mean`, slopePerDay: sql`slope`,
           })} AS detail_values
    FROM (
      SELECT s.account_id, coalesce(u.ut_days, 0) AS reported_days,
             u.ut_sum_y::float8 / nullif(u.ut_days, 0) AS mean,
             (u.ut_days * u.ut_sum_xy - u.ut_sum_x::numeric * u.ut_sum_y)::float8
               / nullif(u.ut_days * u.ut_sum_xx::numeric - u.ut_sum_x::numeric * u.ut_sum_x, 0)::float8 AS slope
      FROM scope s LEFT JOIN usage_stats u USING (account_id)
    ) fit`,
  explain: (value, detail, config) => {
    const reported = num(detail, 'reportedDays') ?? 0;
    const mean = num(detail, 'meanEventsPerDay');
    const slope = num(detail, 'slopePerDay');
    if (reported < config.minDays) return `only ${reported} of the last ${config.days} days reported usage (need ${config.minDays}) to fit a trend`;
    if (value === null || slope === null) return `no events in the last ${config.days} days: no trend`;
    return `least-squares trend over ${reported} reported days in the last ${config.days}: ${fmt(slope * 30)} events/day per 30 days against a mean of ${fmt(mean)} events/day: ${pct(value)} per month`;
  },
} as const satisfies IndicatorDefinition<typeof configSchema>;
