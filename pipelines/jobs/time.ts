// Clock arithmetic for scheduled jobs. Pure: the instant is always a parameter.

/** The calendar day of an instant in an IANA time zone, 'YYYY-MM-DD'. */
export function dayInZone(instantMs: number, timezone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(instantMs));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** The wall-clock minute of an instant in a zone, '2026-11-21T06.00' (no ':' — BullMQ reserves it in job ids). */
export function minuteInZone(instantMs: number, timezone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(instantMs));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}T${part('hour')}.${part('minute')}`;
}

/** Throws a RangeError naming the zone when Intl does not know it. */
export function checkTimezone(timezone: string): string {
  new Intl.DateTimeFormat('en-CA', { timeZone: timezone });
  return timezone;
}
