// Usage trend: the least-squares slope of daily events over the trend window, scaled to the change
// over 30 days and divided by the mean — "usage falls by 18% of its average per month". Every covered day
// of the window is a point; a day without a row is a point at zero events (sparse exports).
import { sql } from 'kysely';
import { z } from 'zod';
import { days, indicatorConfig } from './config.ts';
import { coveredDays } from './coverage.ts';
import { leastSquaresSql } from './least-squares.ts';
import { fmt, num, pct } from './format.ts';
import { detailFields } from './detail.ts';
import type { IndicatorDefinition } from './types.ts';

const configSchema = indicatorConfig(
  'lower',
  { warning: -0.15, critical: -0.3, unit: 'fitted change per 30 days as a fraction of the mean' },
  {
    days: days(90, 'Trend window: the last N days up to and including the as-of day.'),
    minDays: z.number().int().min(2).max(1095).default(14).describe('Fewer covered days than this in the window gives no data.'),
  },
).superRefine((config, ctx) => {
  if (config.minDays > config.days) ctx.addIssue({ code: 'custom', path: ['minDays'], message: `must be at most days (${config.days})` });
});

const detail = detailFields({ days: 'number', minDays: 'number', coveredDays: 'number', meanEventsPerDay: 'number', slopePerDay: 'number' });

export const usageTrend = {
  id: 'usageTrend',
  title: 'Usage trend',
  description:
    'Least-squares slope of daily events against the day over the covered days of the trend window (a day without a usage row is a day with zero events), times 30, divided by the mean daily events: ' +
    'the fitted change per 30 days as a fraction of average usage (−0.2 = usage falls by 20% of its mean per month). ' +
    'Catches a steady slide that a two-window comparison can miss. No data with fewer than minDays covered days or no events in the whole window (zero mean).',
  unit: 'ratio',
  riskDirection: 'lower',
  configSchema,
  detail,
  usage: {
    lookbackDays: (config) => config.days,
    // Exact sums (x = day − D, a whole number of days ≤ 0) so parallel partial aggregation cannot change
    // the last bits; the x sums over the covered days come in closed form (least-squares.ts).
    aggregates: ({ config, d, dayMinus }) => {
      const inWindow = sql`day > ${dayMinus(config.days)}`;
      return {
        ut_sum_y: sql`sum(events) FILTER (WHERE ${inWindow})`,
        ut_sum_xy: sql`sum((day - ${d})::int8 * events) FILTER (WHERE ${inWindow})`,
      };
    },
  },
  sql: ({ config, dayMinus }) => {
    const fit = leastSquaresSql({ n: sql`covered_days`, sumY: sql`coalesce(u.ut_sum_y, 0)`, sumXY: sql`coalesce(u.ut_sum_xy, 0)` });
    return sql`
    SELECT account_id,
           CASE WHEN covered_days >= ${config.minDays}::int AND mean > 0 THEN slope * 30 / mean END AS value,
           ${detail.pack({
             days: sql`${config.days}::int`, minDays: sql`${config.minDays}::int`, coveredDays: sql`covered_days`,
             meanEventsPerDay: sql`mean`, slopePerDay: sql`slope`,
           })} AS detail_values
    FROM (
      SELECT s.account_id, covered_days, ${fit.mean} AS mean, ${fit.slope} AS slope
      FROM scope s LEFT JOIN usage_stats u USING (account_id)
      CROSS JOIN LATERAL (SELECT ${coveredDays({ dayMinus }, 'usage_from', config.days)} AS covered_days) c
    ) fit`;
  },
  explain: (value, detail, config) => {
    const covered = num(detail, 'coveredDays') ?? 0;
    const mean = num(detail, 'meanEventsPerDay');
    const slope = num(detail, 'slopePerDay');
    if (covered < config.minDays) return `only ${covered} of the last ${config.days} days covered (need ${config.minDays}) to fit a trend`;
    if (value === null || slope === null) return `no events in the last ${config.days} days: no trend`;
    return `least-squares trend over ${covered} covered days in the last ${config.days}: ${fmt(slope * 30)} events/day per 30 days against a mean of ${fmt(mean)} events/day: ${pct(value)} per month`;
  },
} as const satisfies IndicatorDefinition<typeof configSchema>;
