import { describe, expect, it } from 'vitest';
import { checkTimezone, dayInZone, minuteInZone } from './time.ts';

describe('job clock arithmetic', () => {
  const instant = Date.parse('2026-11-21T03:30:00Z');
  it('takes the day in the configured zone, not UTC', () => {
    expect(dayInZone(instant, 'UTC')).toBe('2026-11-21');
    expect(dayInZone(instant, 'America/New_York')).toBe('2026-11-20');
    expect(dayInZone(instant, 'Asia/Tokyo')).toBe('2026-11-21');
  });
  it('formats the minute without colons, on a 24-hour clock', () => {
    expect(minuteInZone(instant, 'UTC')).toBe('2026-11-21T03.30');
    expect(minuteInZone(Date.parse('2026-11-21T00:05:00Z'), 'UTC')).toBe('2026-11-21T00.05');
    expect(minuteInZone(instant, 'Europe/Paris')).toBe('2026-11-21T04.30');
  });
  it('handles a DST change: 06:00 in New York is 10:00 UTC in summer and 11:00 UTC in winter', () => {
    expect(minuteInZone(Date.parse('2026-07-01T10:00:00Z'), 'America/New_York')).toBe('2026-07-01T06.00');
    expect(minuteInZone(Date.parse('2026-12-01T11:00:00Z'), 'America/New_York')).toBe('2026-12-01T06.00');
  });
  it('rejects an unknown zone', () => {
    expect(() => checkTimezone('Mars/Olympus')).toThrow(RangeError);
  });
});
