// Parsing of the text a company's export holds into our typed values. Each parser returns either a
// value or a reason a person can act on (`"2026-13-01" is not a date (expected YYYY-MM-DD)`).
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

export type DateFormat = 'iso' | 'YYYY-MM-DD' | 'DD/MM/YYYY' | 'MM/DD/YYYY' | 'DD.MM.YYYY' | 'YYYY/MM/DD' | 'epoch-seconds' | 'epoch-millis';

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });

/** Characters of a value a reason quotes: a 1 MB cell must not make a 1 MB reason. */
export const QUOTE_LIMIT = 200;

/**
 * A value as a reason quotes it: in double quotes with control characters escaped (JSON rules, so a NUL
 * or a terminal escape prints as \u0000, \u001b), cut to QUOTE_LIMIT characters with the full length said.
 */
export function quote(value: string): string {
  if (value.length <= QUOTE_LIMIT) return JSON.stringify(value);
  return `${JSON.stringify(value.slice(0, QUOTE_LIMIT))}… (${value.length} characters)`;
}
const fail = (reason: string): Parsed<never> => ({ ok: false, reason });

const DATE_PATTERNS: Record<string, { regex: RegExp; order: [number, number, number] }> = {
  'YYYY-MM-DD': { regex: /^(\d{4})-(\d{2})-(\d{2})$/, order: [1, 2, 3] },
  'YYYY/MM/DD': { regex: /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/, order: [1, 2, 3] },
  'DD/MM/YYYY': { regex: /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/, order: [3, 2, 1] },
  'MM/DD/YYYY': { regex: /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/, order: [3, 1, 2] },
  'DD.MM.YYYY': { regex: /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/, order: [3, 2, 1] },
};

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isRealDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1 || year < 1900 || year > 2200) return false;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= DAYS_IN_MONTH[month - 1]! + (leap ? 1 : 0);
}

/** Digits of `text` from `start` to `end` as a number, or -1 if any is not a digit. */
function digitsAt(text: string, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * The common case of a big load, without a regex or allocations: an already canonical 'YYYY-MM-DD' that
 * is a real day comes back as itself. Anything else returns undefined and takes the general path.
 */
function canonicalDay(text: string): string | undefined {
  if (text.length !== 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return undefined;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 7);
  const day = digitsAt(text, 8, 10);
  return year >= 0 && month >= 0 && day >= 0 && isRealDate(year, month, day) ? text : undefined;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const formatDay = (year: number, month: number, day: number) => `${pad(year, 4)}-${pad(month)}-${pad(day)}`;

/** Offset of `zone` from UTC at the given instant, in minutes (Intl, so DST is right). */
function zoneOffsetMinutes(zone: string, utcMillis: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(utcMillis));
  const get = (type: string) => Number(parts.find((part) => part.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - utcMillis) / 60_000);
}

/** Interprets a wall-clock time in `zone` as an instant (the offset is resolved twice for DST edges). */
function wallClockToUtc(year: number, month: number, day: number, hour: number, minute: number, second: number, millis: number, zone: string): number {
  const naive = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  if (zone === 'UTC' || zone === 'Etc/UTC') return naive;
  const first = naive - zoneOffsetMinutes(zone, naive) * 60_000;
  return naive - zoneOffsetMinutes(zone, first) * 60_000;
}

/** A calendar day as 'YYYY-MM-DD'. Timestamps are accepted and reduced to their day in `zone`. */
export function parseDay(text: string, format: DateFormat, zone = 'UTC'): Parsed<string> {
  if (format === 'iso' || format === 'YYYY-MM-DD') {
    const canonical = canonicalDay(text);
    if (canonical !== undefined) return { ok: true, value: canonical };
  }
  const trimmed = text.trim();
  if (format === 'epoch-seconds' || format === 'epoch-millis') {
    const instant = parseInstant(trimmed, format, zone);
    if (!instant.ok) return instant;
    return ok(dayInZone(instant.value, zone));
  }
  const pattern = format === 'iso' ? DATE_PATTERNS['YYYY-MM-DD']! : DATE_PATTERNS[format]!;
  const match = pattern.regex.exec(trimmed);
  if (!match) {
    if (format === 'iso' && /^\d{4}-\d{2}-\d{2}[T ]/.test(trimmed)) {
      const instant = parseInstant(trimmed, 'iso', zone);
      return instant.ok ? ok(dayInZone(instant.value, zone)) : instant;
    }
    return fail(`${quote(trimmed)} is not a date (expected ${format === 'iso' ? 'YYYY-MM-DD' : format})`);
  }
  const [y, m, d] = pattern.order.map((index) => Number(match[index]));
  if (!isRealDate(y!, m!, d!)) return fail(`${quote(trimmed)} is not a date (no such day)`);
  return ok(formatDay(y!, m!, d!));
}

export function dayInZone(instant: Date, zone: string): string {
  const local = instant.getTime() + zoneOffsetMinutes(zone, instant.getTime()) * 60_000;
  const date = new Date(local);
  return formatDay(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate());
}

const ISO_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** An instant. Without an explicit offset, the source's time zone applies. */
export function parseInstant(text: string, format: DateFormat, zone = 'UTC'): Parsed<Date> {
  const trimmed = text.trim();
  if (format === 'epoch-seconds' || format === 'epoch-millis') {
    if (!/^-?\d+(\.\d+)?$/.test(trimmed)) return fail(`${quote(trimmed)} is not a Unix timestamp (${format})`);
    const millis = Number(trimmed) * (format === 'epoch-seconds' ? 1000 : 1);
    const date = new Date(millis);
    if (Number.isNaN(date.getTime()) || date.getUTCFullYear() < 1900 || date.getUTCFullYear() > 2200) return fail(`${quote(trimmed)} is out of range as ${format}`);
    return ok(date);
  }
  if (format !== 'iso') {
    // Day-first/month-first formats may carry a time after the date: "31/01/2026 14:05".
    const [datePart = '', timePart] = trimmed.split(/\s+/, 2);
    const day = parseDay(datePart, format, zone);
    if (!day.ok) return day;
    return parseInstant(timePart ? `${day.value}T${timePart}` : day.value, 'iso', zone);
  }
  const match = ISO_TIMESTAMP.exec(trimmed);
  if (!match) return fail(`${quote(trimmed)} is not a timestamp (expected ISO 8601, e.g. 2026-01-31T14:05:00Z)`);
  const [, ys, ms, ds, hs = '0', mins = '0', ss = '0', fraction = '0', offset] = match;
  const [y, m, d, h, mi, s] = [ys, ms, ds, hs, mins, ss].map(Number) as [number, number, number, number, number, number];
  if (!isRealDate(y, m, d) || h > 23 || mi > 59 || s > 60) return fail(`${quote(trimmed)} is not a timestamp (no such time)`);
  const millis = Math.round(Number(`0.${fraction}`) * 1000);
  if (offset) {
    const utc = Date.UTC(y, m - 1, d, h, mi, s, millis);
    if (offset.toUpperCase() === 'Z') return ok(new Date(utc));
    const sign = offset.startsWith('-') ? -1 : 1;
    const digits = offset.slice(1).replace(':', '');
    const offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
    return ok(new Date(utc - offsetMinutes * 60_000));
  }
  return ok(new Date(wallClockToUtc(y, m, d, h, mi, s, millis, zone)));
}

/** Whole number, tolerating "12.0" from spreadsheets but not "12.5". */
export function parseWholeNumber(text: string): Parsed<number> {
  // Plain digits (the usual case) without a regex; 15 digits always fit a safe integer.
  if (text.length > 0 && text.length <= 15) {
    const value = digitsAt(text, 0, text.length);
    if (value >= 0) return { ok: true, value };
  }
  const trimmed = text.trim();
  if (!/^[+-]?\d+(\.0+)?$/.test(trimmed)) return fail(`${quote(trimmed)} is not a whole number`);
  const value = Number(trimmed);
  if (!Number.isSafeInteger(value)) return fail(`${quote(trimmed)} is too large`);
  return ok(value === 0 ? 0 : value);
}

/**
 * Money as integer cents. `decimal` accepts "1250", "1250.5", "1,250.50" and "-3.00" (sign kept; the
 * schema decides whether negatives are allowed); it is exact: the digits are shifted, never multiplied as floats.
 */
export function parseMoneyCents(text: string, unit: 'cents' | 'decimal'): Parsed<number> {
  const trimmed = text.trim().replace(/^\$|^€|^£/, '');
  if (unit === 'cents') return parseWholeNumber(trimmed);
  const match = /^([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?$/.exec(trimmed);
  if (!match) return fail(`${quote(text.trim())} is not an amount (expected e.g. 1250.00)`);
  const [, sign, whole = '0', fraction = ''] = match;
  const cents = Number(whole.replaceAll(',', '')) * 100 + Number(fraction.padEnd(2, '0'));
  if (!Number.isSafeInteger(cents)) return fail(`${quote(text.trim())} is too large`);
  return ok(sign === '-' && cents !== 0 ? -cents : cents);
}
