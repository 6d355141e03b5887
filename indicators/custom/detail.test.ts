import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { customDetailFields, detailKeys, packCustomDetail, unpackCustomDetail } from './detail.ts';
import { CUSTOM_KINDS } from './schema.ts';

describe('custom indicator details, packed', () => {
  it('reads each kind back by the tag in front, whatever kind the reader was made for', () => {
    // change is CUSTOM_KINDS[1]: recentDays, baselineDays, enoughHistory (1/0), recent, baseline.
    expect(CUSTOM_KINDS[1]).toBe('change');
    const change = [1, 10, 20, 1, 0.6, 2];
    const expected = { recentDays: 10, baselineDays: 20, enoughHistory: true, recent: 0.6, baseline: 2 };
    expect(unpackCustomDetail(change)).toEqual(expected);
    // A reader for a level indicator (the id's kind changed in config since) still reads the change row as one.
    expect(customDetailFields('level').unpack(change, null)).toEqual(expected);
  });

  it('gives dates as days and timestamps to the second, as the jsonb details did', () => {
    // daysSince (5): lastSeen 19_807 days after 1970-01-01 = 2024-03-25. latestChange (7): two observations.
    expect(unpackCustomDetail([5, 30, 30, 19_807])).toEqual({ windowDays: 30, coveredDays: 30, lastSeen: '2024-03-25' });
    expect(unpackCustomDetail([5, 30, 30, null])).toEqual({ windowDays: 30, coveredDays: 30, lastSeen: null });
    // 23:59:59.9996 stays in its second (as to_char cut it), not rounded to the next day's 00:00:00.
    expect(unpackCustomDetail([6, 1_711_929_599.9996])).toEqual({ observedAt: '2024-03-31T23:59:59Z' });
    expect(unpackCustomDetail([7, 2, 6, 1_711_929_599.25, 1_710_064_800])).toEqual({
      latest: 2, previous: 6, observedAt: '2024-03-31T23:59:59Z', previousObservedAt: '2024-03-10T10:00:00Z',
    });
  });

  it('leaves what is not a tagged row to the stored jsonb (rows written before packing)', () => {
    const stored = { windowDays: 30, total: 4 };
    expect(unpackCustomDetail([])).toBeUndefined();
    expect(unpackCustomDetail([0, 30, 30])).toBeUndefined(); // level has four fields, not two
    expect(unpackCustomDetail([42, 1])).toBeUndefined(); // no kind 42
    expect(customDetailFields('level').unpack([], stored)).toEqual(stored);
  });

  it('keeps the stored order: kinds by position, each kind\'s fields (stored rows read by position)', () => {
    expect(CUSTOM_KINDS).toEqual(['level', 'change', 'trend', 'ratio', 'share', 'daysSince', 'latest', 'latestChange', 'average']);
    expect(Object.fromEntries(CUSTOM_KINDS.map((kind) => [kind, detailKeys(kind).join(' ')]))).toEqual({
      level: 'windowDays coveredDays total perDenominator',
      change: 'recentDays baselineDays enoughHistory recent baseline',
      trend: 'windowDays coveredDays mean slopePer30Days',
      ratio: 'windowDays coveredDays numeratorTotal denominatorTotal floor',
      share: 'windowDays coveredDays activeDays',
      daysSince: 'windowDays coveredDays lastSeen',
      latest: 'observedAt',
      latestChange: 'latest previous observedAt previousObservedAt',
      average: 'windowDays observations observedAt',
    });
  });

  it('names the fields when a kind hands the wrong ones to pack', () => {
    expect(() => packCustomDetail('share', { windowDays: sql`1`, coveredDays: sql`1` })).toThrow(
      'custom share detail fields [windowDays, coveredDays] are not [windowDays, coveredDays, activeDays]',
    );
    expect(detailKeys('share')).toEqual(['windowDays', 'coveredDays', 'activeDays']);
  });
});
