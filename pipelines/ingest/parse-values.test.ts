import { describe, expect, it } from 'vitest';
import { parseDay, parseInstant, parseMoneyCents, parseWholeNumber } from './parse-values.ts';

describe('parseDay', () => {
  it('reads each declared format into YYYY-MM-DD', () => {
    expect(parseDay('2024-02-29', 'iso')).toEqual({ ok: true, value: '2024-02-29' });
    expect(parseDay('29/02/2024', 'DD/MM/YYYY')).toEqual({ ok: true, value: '2024-02-29' });
    expect(parseDay('2/29/2024', 'MM/DD/YYYY')).toEqual({ ok: true, value: '2024-02-29' });
    expect(parseDay('31.01.2026', 'DD.MM.YYYY')).toEqual({ ok: true, value: '2026-01-31' });
    expect(parseDay('2026/1/5', 'YYYY/MM/DD')).toEqual({ ok: true, value: '2026-01-05' });
  });
  it('refuses days that do not exist, with the reason', () => {
    expect(parseDay('2026-13-01', 'iso')).toEqual({ ok: false, reason: '"2026-13-01" is not a date (no such day)' });
    expect(parseDay('2025-02-29', 'iso')).toEqual({ ok: false, reason: '"2025-02-29" is not a date (no such day)' });
    expect(parseDay('01/31/2026', 'DD/MM/YYYY')).toEqual({ ok: false, reason: '"01/31/2026" is not a date (no such day)' });
    expect(parseDay('yesterday', 'iso')).toEqual({ ok: false, reason: '"yesterday" is not a date (expected YYYY-MM-DD)' });
    // Century rules on the allocation-free path: 1900 and 2100 are not leap years, 2000 is.
    expect(['1900-02-29', '2000-02-29', '2100-02-29', '2026-04-31', '2026-12-31', ' 2026-12-31'].map((text) => parseDay(text, 'YYYY-MM-DD').ok)).toEqual([false, true, false, false, true, true]);
  });
  it('reduces a timestamp to its day in the source time zone', () => {
    // 2026-03-01T23:30Z is already 2 March in Berlin (UTC+1 in winter).
    expect(parseDay('2026-03-01T23:30:00Z', 'iso', 'Europe/Berlin')).toEqual({ ok: true, value: '2026-03-02' });
    // 1,767,225,600 s = 2026-01-01T00:00:00Z, still 31 Dec in New York (UTC−5).
    expect(parseDay('1767225600', 'epoch-seconds', 'America/New_York')).toEqual({ ok: true, value: '2025-12-31' });
  });
});

describe('parseInstant', () => {
  it('honours explicit offsets and applies the zone to naive times, DST included', () => {
    expect(parseInstant('2026-01-31T14:05:00+02:00', 'iso')).toEqual({ ok: true, value: new Date('2026-01-31T12:05:00Z') });
    // Berlin is UTC+2 in July (summer time) and UTC+1 in January.
    expect(parseInstant('2026-07-01 09:00', 'iso', 'Europe/Berlin')).toEqual({ ok: true, value: new Date('2026-07-01T07:00:00Z') });
    expect(parseInstant('2026-01-01 09:00', 'iso', 'Europe/Berlin')).toEqual({ ok: true, value: new Date('2026-01-01T08:00:00Z') });
    expect(parseInstant('31/01/2026 14:05', 'DD/MM/YYYY', 'UTC')).toEqual({ ok: true, value: new Date('2026-01-31T14:05:00Z') });
    expect(parseInstant('1700000000000', 'epoch-millis')).toEqual({ ok: true, value: new Date(1_700_000_000_000) });
  });
  it('names what is wrong', () => {
    expect(parseInstant('2026-01-31T25:00:00Z', 'iso')).toEqual({ ok: false, reason: '"2026-01-31T25:00:00Z" is not a timestamp (no such time)' });
    expect(parseInstant('soon', 'epoch-seconds')).toEqual({ ok: false, reason: '"soon" is not a Unix timestamp (epoch-seconds)' });
  });
});

describe('numbers and money', () => {
  it('reads whole numbers, tolerating a spreadsheet ".0"', () => {
    expect(parseWholeNumber('42')).toEqual({ ok: true, value: 42 });
    expect(parseWholeNumber('42.0')).toEqual({ ok: true, value: 42 });
    expect(parseWholeNumber('4.5')).toEqual({ ok: false, reason: '"4.5" is not a whole number' });
    // The digits-only fast path and the general path agree at their edges.
    expect(['007', '0', '999999999999999', '1234567890123456', '-3', ' 12 ', '12a'].map((text) => parseWholeNumber(text))).toEqual([
      { ok: true, value: 7 },
      { ok: true, value: 0 },
      { ok: true, value: 999_999_999_999_999 },
      { ok: true, value: 1_234_567_890_123_456 },
      { ok: true, value: -3 },
      { ok: true, value: 12 },
      { ok: false, reason: '"12a" is not a whole number' },
    ]);
  });
  it('converts decimal amounts to cents exactly', () => {
    // 0.29 * 100 is 28.999999999999996 in floating point; the digit shift gives 29.
    expect(parseMoneyCents('0.29', 'decimal')).toEqual({ ok: true, value: 29 });
    expect(parseMoneyCents('1,250.5', 'decimal')).toEqual({ ok: true, value: 125_050 });
    expect(parseMoneyCents('$99', 'decimal')).toEqual({ ok: true, value: 9_900 });
    expect(parseMoneyCents('-3.00', 'decimal')).toEqual({ ok: true, value: -300 });
    expect(parseMoneyCents('12.345', 'decimal')).toEqual({ ok: false, reason: '"12.345" is not an amount (expected e.g. 1250.00)' });
    expect(parseMoneyCents('125050', 'cents')).toEqual({ ok: true, value: 125_050 });
  });
});
