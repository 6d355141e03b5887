// Pure parts of the renewal calendar: the cadence, splitting a long digest within Slack's 50 blocks,
// the trend sentence, and the config rule on milestones.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.ts';
import { cadenceOf } from './calendar.ts';
import { chunkCalendar, trendText } from './calendar-view.ts';

describe('renewal calendar (pure)', () => {
  it('orders the cadence largest first and pairs each milestone with the one before it', () => {
    expect(cadenceOf([{ daysBefore: 30 }, { daysBefore: 90 }, { daysBefore: 60 }])).toEqual([
      { daysBefore: 90, previousDaysBefore: null },
      { daysBefore: 60, previousDaysBefore: 90 },
      { daysBefore: 30, previousDaysBefore: 60 },
    ]);
  });

  it('splits a digest within 50 blocks: header and footer 2, a milestone heading 1, an account 1', () => {
    const entries = (days: number, count: number) => Array.from({ length: count }, (_, index) => ({ milestone: { daysBefore: days }, index }));
    // 2 + (1 + 47) = 50 fits in one message; one more account opens a second.
    expect(chunkCalendar(entries(90, 47)).map((chunk) => chunk.length)).toEqual([47]);
    expect(chunkCalendar(entries(90, 48)).map((chunk) => chunk.length)).toEqual([47, 1]);
    // Two milestones: 2 + (1 + 30) + (1 + 16) = 50; the 17th T−30 account goes to a second message.
    expect(chunkCalendar([...entries(30, 17), ...entries(90, 30)]).map((chunk) => chunk.map((entry) => entry.milestone.daysBefore).join(','))).toEqual([
      [...Array(30).fill(90), ...Array(16).fill(30)].join(','),
      '30',
    ]);
  });

  it('says how the score moved since the previous milestone', () => {
    const previous = { title: 'T−90', day: '2026-01-01', score: { asOf: '2025-12-30', probability: 0.3, tier: 'medium' } };
    expect(trendText({ previous: null, now: null })).toBe('First milestone of this renewal');
    expect(trendText({ previous, now: { asOf: '2026-01-31', probability: 0.3, tier: 'medium' } })).toBe(':left_right_arrow: 0 pts since T−90 (was Medium (30%) on 2025-12-30)');
    expect(trendText({ previous, now: null })).toBe('Not scored since T−90 (was Medium (30%) on 2025-12-30)');
    expect(trendText({ previous: { ...previous, title: '<!here>' }, now: { asOf: '2026-01-31', probability: 0.12, tier: 'low' } })).toBe(
      ':arrow_down_small: -18 pts since &lt;!here&gt;, tier medium → low (was Medium (30%) on 2025-12-30)',
    );
  });

  it('rejects a milestone given twice, naming the key', () => {
    expect(() => parseConfig({ calendar: { milestones: [{ daysBefore: 30 }, { daysBefore: 30 }] } })).toThrow(/calendar\.milestones\.1\.daysBefore.*duplicate milestone: 30 days before/s);
  });
});
