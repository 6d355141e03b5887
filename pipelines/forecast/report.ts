// The weekly report's "Next quarter" figures: the forecast as of the report's Sunday (the stored one when
// the daily run made it; computed, not stored, otherwise: a report only reads), and every closed month's
// forecast made at its start beside what happened.
import type { Kysely } from 'kysely';
import type { RadarConfig } from '../../config/schema.ts';
import type { DB } from '../../sql/schema.ts';
import { computeForecast, forecastChecks, latestForecast, type ForecastCheck, type ForecastFigures } from './run.ts';
import { upcomingPeriods } from './periods.ts';

export interface ReportForecast {
  readonly figures: ForecastFigures;
  /** Read from `forecasts` (made by the daily run that day) rather than computed for the report. */
  readonly stored: boolean;
}

export interface ForecastReportFigures {
  readonly asOf: string;
  readonly topContributors: number;
  /** The next quarter, then each of the next three months. */
  readonly upcoming: readonly ReportForecast[];
  /** Closed months, oldest first. */
  readonly checks: readonly ForecastCheck[];
  /** Closed months whose renewals are all decided, and how many ended inside each interval. */
  readonly calibration: { readonly months: number; readonly inside80: number; readonly inside95: number };
}

export async function forecastReportFigures(db: Kysely<DB>, options: { asOf: string; config: RadarConfig }): Promise<ForecastReportFigures> {
  const upcoming: ReportForecast[] = [];
  for (const period of upcomingPeriods(options.asOf)) {
    const stored = await latestForecast(db, period.id, options.asOf);
    upcoming.push(stored && stored.asOf === options.asOf ? { figures: stored.figures, stored: true } : { figures: await computeForecast(db, { ...options, period }), stored: false });
  }
  const checks = await forecastChecks(db, { asOf: options.asOf, kind: 'month' });
  const known = checks.filter((check) => check.inside80 !== null);
  return {
    asOf: options.asOf,
    topContributors: options.config.forecast.topContributors,
    upcoming,
    checks,
    calibration: { months: known.length, inside80: known.filter((check) => check.inside80).length, inside95: known.filter((check) => check.inside95).length },
  };
}
