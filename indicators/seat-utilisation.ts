// Seat utilisation: average active users over average licensed seats in the recent window.
import { sql } from 'kysely';
import { days, indicatorConfig } from './config.ts';
import { fmt, num } from './format.ts';
import { detailFields } from './detail.ts';
import type { IndicatorDefinition } from './types.ts';

const configSchema = indicatorConfig(
  'lower',
  { warning: 0.5, critical: 0.3, unit: 'fraction of licensed seats' },
  { recentDays: days(30, 'Window: the last N days up to and including the as-of day.') },
);

const detail = detailFields({ recentDays: 'number', daysWithSeats: 'number', avgActiveUsers: 'number', avgLicensedSeats: 'number' });

export const seatUtilisation = {
  id: 'seatUtilisation',
  title: 'Seat utilisation',
  description:
    'Average daily active users divided by average licensed seats, over the days of the recent window that report seats. ' +
    'Paid-for seats nobody uses are the first thing cut at renewal (downgrade) or the sign of a failed roll-out. No data when no day in the window reports seats.',
  unit: 'fraction',
  riskDirection: 'lower',
  configSchema,
  detail,
  usage: {
    lookbackDays: (config) => config.recentDays,
    aggregates: ({ config, dayMinus }) => {
      const withSeats = sql`day > ${dayMinus(config.recentDays)} AND licensed_seats > 0`;
      return {
        su_days: sql`count(*) FILTER (WHERE ${withSeats})`,
        su_users: sql`sum(active_users) FILTER (WHERE ${withSeats})`,
        su_seats: sql`sum(licensed_seats) FILTER (WHERE ${withSeats})`,
      };
    },
  },
  sql: ({ config }) => sql`
    SELECT s.account_id,
           u.su_users::float8 / nullif(u.su_seats, 0) AS value,
           ${detail.pack({
             recentDays: sql`${config.recentDays}::int`, daysWithSeats: sql`coalesce(u.su_days, 0)`,
             avgActiveUsers: sql`u.su_users::float8 / nullif(u.su_days, 0)`, avgLicensedSeats: sql`u.su_seats::float8 / nullif(u.su_days, 0)`,
           })} AS detail_values
    FROM scope s LEFT JOIN usage_stats u USING (account_id)`,
  explain: (value, detail, config) => {
    if (value === null) return `no licensed seats reported in the last ${config.recentDays} days`;
    return `avg ${fmt(num(detail, 'avgActiveUsers'))} active users on ${fmt(num(detail, 'avgLicensedSeats'))} licensed seats over ${num(detail, 'daysWithSeats')} days: ${fmt(value * 100)}% of seats used`;
  },
} as const satisfies IndicatorDefinition<typeof configSchema>;
