import { describe, expect, it } from 'vitest';
import { DuplicateKeyTracker } from './duplicate-keys.ts';

describe('DuplicateKeyTracker', () => {
  it('notices a repeated key', () => {
    const tracker = new DuplicateKeyTracker();
    tracker.add('1\u00012025-01-01');
    tracker.add('1\u00012025-01-02');
    expect(tracker.repeated).toBe(false);
    tracker.add('1\u00012025-01-01');
    expect(tracker.repeated).toBe(true);
  });
  it('keeps 300,000 distinct keys apart while its table grows, and notices the first repeat after them', () => {
    const tracker = new DuplicateKeyTracker();
    for (let account = 0; account < 1000; account++) for (let day = 0; day < 300; day++) tracker.add(`${account}\u0001${day}`);
    expect(tracker.repeated).toBe(false);
    tracker.add('999\u0001299');
    expect(tracker.repeated).toBe(true);
  });
  it('assumes repeats once it has seen more keys than its limit', () => {
    const tracker = new DuplicateKeyTracker(3);
    for (const key of ['a', 'b', 'c']) tracker.add(key);
    expect(tracker.repeated).toBe(false);
    tracker.add('d');
    expect(tracker.repeated).toBe(true);
  });
});
