import { describe, expect, it } from 'vitest';
import { monthStart, retentionCutoff } from './partitions.ts';

describe('month arithmetic of the partition maintenance', () => {
  it('gives the first day of the month, offset across year ends', () => {
    expect(monthStart('2025-06-15')).toBe('2025-06-01');
    expect(monthStart('2025-01-31')).toBe('2025-01-01');
    expect(monthStart('2025-11-30', 3)).toBe('2026-02-01');
    expect(monthStart('2024-02-29', 12)).toBe('2025-02-01');
    expect(monthStart('2025-01-01', -1)).toBe('2024-12-01');
    expect(monthStart('2025-03-31', -27)).toBe('2022-12-01');
  });

  it('puts the retention cutoff N months before the as-of month, or nowhere when off', () => {
    // As of 2026-11-28 with 25 months: months before 2024-10 are detached.
    expect(retentionCutoff('2026-11-28', 25)).toBe('2024-10-01');
    expect(retentionCutoff('2026-01-01', 1)).toBe('2025-12-01');
    expect(retentionCutoff('2026-01-01', null)).toBeUndefined();
  });
});
