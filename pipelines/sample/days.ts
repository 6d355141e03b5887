// Calendar arithmetic on whole UTC days. A Day is the number of days since 1970-01-01, so ranges
// and differences are plain integer maths; an Instant is seconds since the epoch. Nothing here
// reads the clock: the generator's "now" is always the `end` it was given.

export type Day = number;
export type Instant = number;

const MS_PER_DAY = 86_400_000;
export const SECONDS_PER_DAY = 86_400;

/** Parses a strict `YYYY-MM-DD` that names a real calendar day; returns undefined otherwise. */
export function parseDay(text: string): Day | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const ms = Date.parse(`${text}T00:00:00Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text) return undefined;
  return ms / MS_PER_DAY;
}

const formattedDays = new Map<Day, string>();

/** Memoised: the usage file formats the same few hundred days millions of times. */
export function formatDay(day: Day): string {
  let text = formattedDays.get(day);
  if (text === undefined) {
    text = new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
    formattedDays.set(day, text);
  }
  return text;
}

const twoDigits = (n: number) => (n < 10 ? `0${n}` : String(n));

/** ISO 8601 with `Z`, whole seconds. From the memoised day: the event export formats millions of these. */
export function formatInstant(instant: Instant): string {
  const seconds = Math.floor(instant);
  const day = Math.floor(seconds / SECONDS_PER_DAY);
  const inDay = seconds - day * SECONDS_PER_DAY;
  return `${formatDay(day)}T${twoDigits(Math.floor(inDay / 3600))}:${twoDigits(Math.floor((inDay % 3600) / 60))}:${twoDigits(inDay % 60)}Z`;
}

export function instantOf(day: Day, secondsIntoDay = 0): Instant {
  return day * SECONDS_PER_DAY + secondsIntoDay;
}

export function dayOf(instant: Instant): Day {
  return Math.floor(instant / SECONDS_PER_DAY);
}

/** 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function weekdayOf(day: Day): number {
  return (((day + 4) % 7) + 7) % 7;
}

export function isWeekend(day: Day): boolean {
  const weekday = weekdayOf(day);
  return weekday === 0 || weekday === 6;
}

/** Same day of month `months` later; the 31st becomes the month's last day when it has fewer. */
export function addMonths(day: Day, months: number): Day {
  const date = new Date(day * MS_PER_DAY);
  const monthIndex = date.getUTCFullYear() * 12 + date.getUTCMonth() + months;
  const year = Math.floor(monthIndex / 12);
  const month = monthIndex - year * 12;
  const lastDayOfMonth = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return Date.UTC(year, month, Math.min(date.getUTCDate(), lastDayOfMonth)) / MS_PER_DAY;
}

/** Contract anniversaries: 29 February falls back to 28 February in common years. */
export function addYears(day: Day, years: number): Day {
  return addMonths(day, years * 12);
}
