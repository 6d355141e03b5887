import { describe, expect, it } from 'vitest';
import { tuneConfigSchema } from '../config/tune.ts';
import { roundSignificant, tuneIndicator, valueBands, type TuneRow } from './tune.ts';

// Ten renewals: values 1…9 and one without data; churners at 5, 7, 8, 9; the churner at 9 is worth 400, the rest 100.
const churners = new Set([5, 7, 8, 9]);
const fixture: TuneRow[] = [
  ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((value) => ({ value, label: churners.has(value) ? (1 as const) : (0 as const), arrCents: value === 9 ? 400 : 100 })),
  { value: null, label: 0, arrCents: 100 },
];
const rule = tuneConfigSchema.parse({ minFlagged: 2, bands: 3 });

describe('tuneIndicator', () => {
  const tuning = tuneIndicator(fixture, 'higher', { warning: 3, critical: 8 }, rule);

  it('counts the base rate over every renewal, no-data ones included', () => {
    expect(tuning).toMatchObject({ renewals: 10, churned: 4, withValue: 9, baseRate: 0.4 });
  });

  it('ranks churners by the value alone: 19 of the 20 churner/retained pairs are ordered right', () => {
    expect(tuning.auc).toBeCloseTo(0.95, 12);
    expect(tuning.separation).toBe('separates');
  });

  it('bands the values in equal-count bands, no-data last', () => {
    // 9 values in 3 bands: cuts at the 4th and 7th smallest value.
    expect(tuning.bands).toEqual([
      { from: 1, to: 3, renewals: 3, churned: 0, churnRate: 0 },
      { from: 4, to: 6, renewals: 3, churned: 1, churnRate: 1 / 3 },
      { from: 7, to: 9, renewals: 3, churned: 3, churnRate: 1 },
      { from: null, to: null, renewals: 1, churned: 0, churnRate: 0 },
    ]);
  });

  it('tabulates flagged share, precision, recall, lift and ARR recall at every candidate', () => {
    const at = (threshold: number) => tuning.thresholds.find((row) => row.threshold === threshold)!;
    expect(tuning.thresholds.map((row) => row.threshold)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(at(1)).toMatchObject({ flagged: 9, flaggedShare: 0.9, churnedFlagged: 4, recall: 1, arrRecall: 1 });
    expect(at(1).precision).toBeCloseTo(4 / 9, 12);
    expect(at(1).lift).toBeCloseTo(4 / 9 / 0.4, 12);
    expect(at(4)).toMatchObject({ flagged: 6, churnedFlagged: 4 });
    expect(at(4).lift).toBeCloseTo(2 / 3 / 0.4, 12); // 1.667
    expect(at(6)).toMatchObject({ flagged: 4, flaggedShare: 0.4, churnedFlagged: 3, precision: 0.75, recall: 0.75 });
    expect(at(6).arrRecall).toBeCloseTo(600 / 700, 12);
    expect(at(8)).toMatchObject({ flagged: 2, precision: 1, recall: 0.5, lift: 2.5 });
    expect(at(8).arrRecall).toBeCloseTo(500 / 700, 12);
    expect(at(9)).toMatchObject({ flagged: 1, churnedFlagged: 1, recall: 0.25 });
  });

  it('marks the current levels and suggests by the rule: least extreme with lift ≥ 1.5, then beyond it with lift ≥ 2.5', () => {
    // 3 has lift 1.43 (< 1.5); 4 has 1.67. Beyond 4: 5 has 2.0, 6 has 1.875, 7 has 1.0/0.4 = 2.5.
    expect(tuning.suggested).toEqual({ warning: 4, critical: 7 });
    expect(tuning.thresholds.filter((row) => row.current.length > 0).map((row) => [row.threshold, row.current])).toEqual([
      [3, ['warning']],
      [8, ['critical']],
    ]);
    expect(tuning.thresholds.filter((row) => row.suggested.length > 0).map((row) => [row.threshold, row.suggested])).toEqual([
      [4, ['warning']],
      [7, ['critical']],
    ]);
  });

  it('never suggests a threshold flagging fewer than minFlagged renewals', () => {
    const strict = tuneIndicator(fixture, 'higher', { warning: 3, critical: 8 }, { ...rule, minFlagged: 4 });
    // 7 flags only 3 renewals now; 8 and 9 fewer: no critical candidate is left.
    expect(strict.suggested).toEqual({ warning: 4, critical: null });
    expect(strict.reason).toContain('critical is disabled');
  });

  it('lists an indicator that does not separate churn, and one that separates the wrong way, without a suggestion', () => {
    // Churners at 1 and 4, retained at 2 and 3: 2 of 4 pairs ordered right, AUC exactly 0.5.
    const flat: TuneRow[] = [1, 2, 3, 4].map((value) => ({ value, label: value === 1 || value === 4 ? 1 : 0, arrCents: 1 }));
    const none = tuneIndicator(flat, 'higher', { warning: 2, critical: 3 }, rule);
    expect(none).toMatchObject({ auc: 0.5, separation: 'does-not-separate', suggested: null });
    expect(none.reason).toContain('does not separate churn');
    const reversed = tuneIndicator(fixture, 'lower', { warning: 3, critical: 1 }, rule);
    expect(reversed.auc).toBeCloseTo(0.05, 12);
    expect(reversed).toMatchObject({ separation: 'reversed', suggested: null });
  });

  it('reads "lower is riskier" indicators from the bottom: thresholds flag values at or below them', () => {
    // Mirror the fixture: value v → 10 − v, so the churners sit at 5, 3, 2, 1.
    const mirrored = fixture.map((row) => ({ ...row, value: row.value === null ? null : 10 - row.value }));
    const tuned = tuneIndicator(mirrored, 'lower', { warning: 7, critical: 2 }, rule);
    expect(tuned.suggested).toEqual({ warning: 6, critical: 3 });
    expect(tuned.thresholds[0]).toMatchObject({ threshold: 9, flagged: 9 });
  });
});

describe('valueBands', () => {
  it('never splits tied values across bands', () => {
    const rows: TuneRow[] = [0, 0, 0, 0, 1, 2].map((value, index) => ({ value, label: index === 5 ? 1 : 0, arrCents: 1 }));
    expect(valueBands(rows, 3)).toEqual([
      { from: 0, to: 0, renewals: 4, churned: 0, churnRate: 0 },
      { from: 1, to: 2, renewals: 2, churned: 1, churnRate: 0.5 },
    ]);
  });
});

describe('roundSignificant', () => {
  it('keeps three significant digits', () => {
    expect(roundSignificant(1234567)).toBe(1230000);
    expect(roundSignificant(0.012345)).toBe(0.0123);
    expect(roundSignificant(-0.4567)).toBe(-0.457);
    expect(roundSignificant(0)).toBe(0);
  });
});
