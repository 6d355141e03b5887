// Usage decline: average daily events in the recent window vs the baseline window before it,
// per licensed seat when both windows report seats (so a seat reduction is not read as a decline).
// Sparse days: a covered day without a row counts as zero events, so an account that went silent shows as
// a 100% decline, not as missing data.
import { sql } from 'kysely';
import { days, indicatorConfig } from './config.ts';
import { coveredDays, coversWindow } from './coverage.ts';
import { fmt, num, pct } from './format.ts';
import { detailFields } from './detail.ts';
import type { IndicatorDefinition } from './types.ts';

const configSchema = indicatorConfig(
  'lower',
  { warning: -0.3, critical: -0.5, unit: 'relative change, -0.3 = 30% fewer events' },
  {
    recentDays: days(30, 'Recent window: the last N days up to and including the as-of day.'),
    baselineDays: days(90, 'Baseline window: the N days just before the recent window.'),
  },
);

const detail = detailFields({ recentDays: 'number', baselineDays: 'number', enoughHistory: 'boolean', perSeat: 'boolean', recentReportedDays: 'number', baselineReportedDays: 'number',
  recentEventsPerDay: 'number', baselineEventsPerDay: 'number', recentSeats: 'number', baselineSeats: 'number' });

export const usageDecline = {
  id: 'usageDecline',
  title: 'Usage decline',
  description:
    'Relative change of average daily events (per licensed seat when seats are known in both windows) in the recent window vs the baseline window before it. ' +
    'Averages are over every day of each window: a day without a usage row counts as zero events (sparse exports), so an account that went silent is a 100% decline. ' +
    'Seats are averaged over the days that report them. A falling product usage is the most common early sign of churn. ' +
    'No data when the baseline had no events, or the account is covered (indicators.coverageStart) for less than recent+baseline days (a brand-new account is never "declining").',
  unit: 'ratio',
  riskDirection: 'lower',
  configSchema,
  detail,
  usage: {
    lookbackDays: (config) => config.recentDays + config.baselineDays,
    aggregates: ({ config, dayMinus }) => {
      const recent = sql`day > ${dayMinus(config.recentDays)}`;
      const baseline = sql`day <= ${dayMinus(config.recentDays)} AND day > ${dayMinus(config.recentDays + config.baselineDays)}`;
      return {
        ud_recent_days: sql`count(*) FILTER (WHERE ${recent})`,
        ud_recent_events: sql`sum(events) FILTER (WHERE ${recent})`,
        ud_recent_seats: sql`avg(licensed_seats) FILTER (WHERE ${recent} AND licensed_seats > 0)`,
        ud_base_days: sql`count(*) FILTER (WHERE ${baseline})`,
        ud_base_events: sql`sum(events) FILTER (WHERE ${baseline})`,
        ud_base_seats: sql`avg(licensed_seats) FILTER (WHERE ${baseline} AND licensed_seats > 0)`,
      };
    },
  },
  sql: ({ config, dayMinus }) => {
    const window = config.recentDays + config.baselineDays;
    return sql`
    SELECT account_id,
           CASE WHEN enough_history AND base_rate > 0 THEN recent_rate / base_rate - 1 END AS value,
           ${detail.pack({
             recentDays: sql`${config.recentDays}::int`, baselineDays: sql`${config.baselineDays}::int`,
             enoughHistory: sql`enough_history`, perSeat: sql`per_seat`,
             recentReportedDays: sql`coalesce(recent_days, 0)`, baselineReportedDays: sql`coalesce(base_days, 0)`,
             recentEventsPerDay: sql`recent_epd`, baselineEventsPerDay: sql`base_epd`,
             recentSeats: sql`recent_seats`, baselineSeats: sql`base_seats`,
           })} AS detail_values
    FROM (
      SELECT *,
             recent_epd / CASE WHEN per_seat THEN recent_seats ELSE 1 END AS recent_rate,
             base_epd / CASE WHEN per_seat THEN base_seats ELSE 1 END AS base_rate
      FROM (
        SELECT s.account_id,
               ${coversWindow({ dayMinus }, 'usage_from', window)} AS enough_history,
               u.ud_recent_days AS recent_days, u.ud_base_days AS base_days,
               coalesce(u.ud_recent_events, 0)::float8 / nullif(${coveredDays({ dayMinus }, 'usage_from', config.recentDays)}, 0) AS recent_epd,
               coalesce(u.ud_base_events, 0)::float8 / nullif(${coveredDays({ dayMinus }, 'usage_from', config.baselineDays, config.recentDays)}, 0) AS base_epd,
               u.ud_recent_seats::float8 AS recent_seats, u.ud_base_seats::float8 AS base_seats,
               coalesce(u.ud_recent_seats IS NOT NULL AND u.ud_base_seats IS NOT NULL, false) AS per_seat
        FROM scope s LEFT JOIN usage_stats u USING (account_id)
      ) facts
    ) rates`;
  },
  explain: (value, detail, config) => {
    const recent = num(detail, 'recentEventsPerDay');
    const base = num(detail, 'baselineEventsPerDay');
    if (detail.enoughHistory === false) return `covered for less than ${config.recentDays + config.baselineDays} days: not enough history to compare`;
    if (recent === null || base === null) return `no usage coverage in the last ${config.recentDays + config.baselineDays} days`;
    const sentence = `avg ${fmt(recent)} events/day in the last ${config.recentDays} days vs ${fmt(base)} in the ${config.baselineDays} before`;
    if (value === null) return `${sentence}: no baseline activity to compare with`;
    const seats = detail.perSeat === true ? ` (per licensed seat: ${fmt(num(detail, 'recentSeats'))} seats vs ${fmt(num(detail, 'baselineSeats'))})` : '';
    return `${sentence}${seats}: ${pct(value)}`;
  },
} as const satisfies IndicatorDefinition<typeof configSchema>;
