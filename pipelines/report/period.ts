// ISO weeks and the report's periods. Pure: "today" is a parameter, only the CLI shell reads the clock.
import { RadarError } from '../errors.ts';

const DAY_MS = 86_400_000;
const WEEK = /^(\d{4})-W(\d{2})$/;

export interface Period {
  /** First day, inclusive, 'YYYY-MM-DD'. */
  readonly from: string;
  /** Last day, inclusive. */
  readonly to: string;
}

export interface ReportPeriods {
  /** '2026-W47'. */
  readonly week: string;
  /** Monday … Sunday of the week. */
  readonly thisWeek: Period;
  /** First day of the calendar quarter holding the week's Sunday … that Sunday. */
  readonly quarterToDate: Period;
  /** The 365 days (366 over a 29 February) ending on the week's Sunday: the day after the same date a year earlier … Sunday. */
  readonly trailing12Months: Period;
}

const toDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const fromDay = (day: string): number => Date.parse(`${day}T00:00:00Z`);

export function addDays(day: string, days: number): string {
  return toDay(fromDay(day) + days * DAY_MS);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((fromDay(to) - fromDay(from)) / DAY_MS);
}

/** Monday of ISO week 1: the week holding 4 January. */
function isoWeekOneMonday(year: number): number {
  const jan4 = Date.UTC(year, 0, 4);
  const weekday = (new Date(jan4).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return jan4 - weekday * DAY_MS;
}

/** The ISO week holding a day, as '2026-W47'. */
export function isoWeekOf(day: string): string {
  const ms = fromDay(day);
  const weekday = (new Date(ms).getUTCDay() + 6) % 7;
  const thursday = ms + (3 - weekday) * DAY_MS; // the ISO year is the year of the week's Thursday
  const year = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - isoWeekOneMonday(year)) / (7 * DAY_MS)) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** Monday and Sunday of an ISO week; a usage error names the expected form. */
export function parseIsoWeek(text: string): Period & { week: string } {
  const match = WEEK.exec(text);
  const year = match ? Number(match[1]) : NaN;
  const week = match ? Number(match[2]) : NaN;
  if (!match || week < 1 || week > 53) throw new RadarError('usage', `--week must look like 2026-W47 (ISO year and week), got ${JSON.stringify(text)}`);
  const monday = isoWeekOneMonday(year) + (week - 1) * 7 * DAY_MS;
  const from = toDay(monday);
  if (isoWeekOf(from) !== text) throw new RadarError('usage', `${year} has no ISO week ${week}`);
  return { week: text, from, to: addDays(from, 6) };
}

/** The last ISO week that ended before `today` (a Monday's answer is the week that ended the day before). */
export function lastCompleteIsoWeek(today: string): string {
  const weekday = (new Date(fromDay(today)).getUTCDay() + 6) % 7;
  return isoWeekOf(addDays(today, -weekday - 1)); // the Sunday before this week's Monday
}

export function reportPeriods(week: string): ReportPeriods {
  const { from, to } = parseIsoWeek(week);
  const end = new Date(fromDay(to));
  const quarterStart = Date.UTC(end.getUTCFullYear(), Math.floor(end.getUTCMonth() / 3) * 3, 1);
  const yearEarlier = Date.UTC(end.getUTCFullYear() - 1, end.getUTCMonth(), end.getUTCDate());
  return {
    week,
    thisWeek: { from, to },
    quarterToDate: { from: toDay(quarterStart), to },
    trailing12Months: { from: toDay(yearEarlier + DAY_MS), to },
  };
}
