// Seat utilisation: average active users over average licensed seats in the recent window. Active users
// are averaged over the covered days (a day without a row had none); seats over the days that report them.
import { sql } from 'kysely';
import { days, indicatorConfig } from './config.ts';
import { coveredDays } from './coverage.ts';
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
    'Average daily active users over the covered days of the recent window (a day without a usage row has none) divided by the average licensed seats over the days that report seats. ' +
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
        su_users: sql`sum(active_users) FILTER (WHERE day > ${dayMinus(config.recentDays)})`,
        su_seats: sql`sum(licensed_seats) FILTER (WHERE ${withSeats})`,
      };
    },
  },
  sql: ({ config, dayMinus }) => sql`
    SELECT account_id, avg_users / avg_seats AS value,
           ${detail.pack({
             recentDays: sql`${config.recentDays}::int`, daysWithSeats: sql`days_with_seats`,
             avgActiveUsers: sql`avg_users`, avgLicensedSeats: sql`avg_seats`,
           })} AS detail_values
    FROM (
      SELECT s.account_id, coalesce(u.su_days, 0) AS days_with_seats,
             coalesce(u.su_users, 0)::float8 / nullif(${coveredDays({ dayMinus }, 'usage_from', config.recentDays)}, 0) AS avg_users,
             u.su_seats::float8 / nullif(u.su_days, 0) AS avg_seats
      FROM scope s LEFT JOIN usage_stats u USING (account_id)
    ) seats`,
  explain: (value, detail, config) => {
    if (value === null) return `no licensed seats reported in the last ${config.recentDays} days`;
    return `avg ${fmt(num(detail, 'avgActiveUsers'))} active users a day on ${fmt(num(detail, 'avgLicensedSeats'))} licensed seats (${num(detail, 'daysWithSeats')} days reported seats): ${fmt(value * 100)}% of seats used`;
  },
} as const satisfies IndicatorDefinition<typeof configSchema>;
