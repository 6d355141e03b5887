// Forecast periods: calendar quarters ('2027-Q1') and months ('2027-01'). Pure: "today" is a parameter.
import { RadarError } from '../errors.ts';
import { addDays } from '../report/period.ts';

export interface ForecastPeriod {
  /** '2027-Q1' or '2027-01'. */
  readonly id: string;
  readonly kind: 'quarter' | 'month';
  /** First and last day, inclusive. */
  readonly from: string;
  readonly to: string;
}

const QUARTER = /^(\d{4})-Q([1-4])$/;
const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

const day = (year: number, monthIndex: number) => new Date(Date.UTC(year, monthIndex, 1)).toISOString().slice(0, 10);

function span(id: string, kind: ForecastPeriod['kind'], year: number, firstMonth: number, months: number): ForecastPeriod {
  return { id, kind, from: day(year, firstMonth), to: addDays(day(year, firstMonth + months), -1) };
}

export function parseForecastPeriod(text: string): ForecastPeriod {
  const quarter = QUARTER.exec(text);
  if (quarter) return span(text, 'quarter', Number(quarter[1]), (Number(quarter[2]) - 1) * 3, 3);
  const month = MONTH.exec(text);
  if (month) return span(text, 'month', Number(month[1]), Number(month[2]) - 1, 1);
  throw new RadarError('usage', `--period must be a quarter like 2027-Q1 or a month like 2027-01, got ${JSON.stringify(text)}`);
}

/** The period (of the given kind) holding a day. */
export function periodOf(dayText: string, kind: ForecastPeriod['kind']): ForecastPeriod {
  const year = Number(dayText.slice(0, 4));
  const month = Number(dayText.slice(5, 7));
  return kind === 'month' ? parseForecastPeriod(`${year}-${String(month).padStart(2, '0')}`) : parseForecastPeriod(`${year}-Q${Math.ceil(month / 3)}`);
}

/** The period of the same kind starting the day after `period` ends. */
export function nextPeriod(period: ForecastPeriod): ForecastPeriod {
  return periodOf(addDays(period.to, 1), period.kind);
}

/** What a forecast as of `asOf` covers: the next calendar quarter and each of the next three months. */
export function upcomingPeriods(asOf: string): ForecastPeriod[] {
  const month1 = nextPeriod(periodOf(asOf, 'month'));
  const month2 = nextPeriod(month1);
  return [nextPeriod(periodOf(asOf, 'quarter')), month1, month2, nextPeriod(month2)];
}
