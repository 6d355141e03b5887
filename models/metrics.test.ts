import { describe, expect, it } from 'vitest';
import { brierScore, calibrationTable, logLoss, prAuc, precisionRecallAt, rocAuc } from './metrics.ts';

describe('rocAuc', () => {
  it('counts the share of positive–negative pairs ranked correctly', () => {
    // positives .35 and .8, negatives .1 and .4. Pairs: (.35>.1) yes, (.35>.4) no, (.8>.1) yes, (.8>.4) yes → 3/4.
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.75, 12);
  });

  it('counts a tie as half a correctly ranked pair (average ranks)', () => {
    // positives .5 and .9, negatives .5 and .2. Pairs: (.5 vs .5) ½, (.5>.2) 1, (.9>.5) 1, (.9>.2) 1 → 3.5/4.
    expect(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9])).toBeCloseTo(0.875, 12);
    // All scores tied: every pair is ½.
    expect(rocAuc([0, 1, 0, 1], [0.3, 0.3, 0.3, 0.3])).toBeCloseTo(0.5, 12);
  });

  it('is null when a class is missing or there is no data', () => {
    expect(rocAuc([1, 1], [0.2, 0.9])).toBeNull();
    expect(rocAuc([0, 0], [0.2, 0.9])).toBeNull();
    expect(rocAuc([], [])).toBeNull();
  });

  it('rejects mismatched lengths and non-binary labels', () => {
    expect(() => rocAuc([0, 1], [0.5])).toThrow(RangeError);
    expect(() => rocAuc([0, 2], [0.5, 0.6])).toThrow(RangeError);
  });
});

describe('prAuc (average precision)', () => {
  it('sums precision at each recall step', () => {
    // Descending: .8 (pos) P=1/1 R=.5 → .5·1; .4 (neg) R unchanged; .35 (pos) P=2/3 R=1 → .5·2/3; .1 (neg).
    // AP = .5 + .3333… = .8333…
    expect(prAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.5 + 1 / 3, 12);
  });

  it('treats tied scores as one threshold', () => {
    // .9 holds one pos and one neg: P=1/2 R=1/2 → .25; .1 (pos): P=2/3 R=1 → .5·2/3 = .3333; AP = .58333.
    expect(prAuc([1, 0, 1], [0.9, 0.9, 0.1])).toBeCloseTo(0.25 + 1 / 3, 12);
  });

  it('is null with one class', () => {
    expect(prAuc([0, 0, 0], [0.1, 0.2, 0.3])).toBeNull();
    expect(prAuc([1, 1], [0.1, 0.2])).toBeNull();
    expect(prAuc([], [])).toBeNull();
  });
});

describe('brierScore and logLoss', () => {
  it('brier is the mean squared error of the probabilities', () => {
    // (0.8 − 1)² = 0.04, (0.4 − 0)² = 0.16 → mean 0.1.
    expect(brierScore([1, 0], [0.8, 0.4])).toBeCloseTo(0.1, 12);
    expect(brierScore([], [])).toBeNull();
  });

  it('log loss is the mean negative log-likelihood', () => {
    // −(ln 0.8 + ln 0.6)/2 = (0.2231436 + 0.5108256)/2 = 0.3669846.
    expect(logLoss([1, 0], [0.8, 0.4])).toBeCloseTo(0.3669846, 6);
    expect(logLoss([], [])).toBeNull();
  });

  it('log loss stays finite for a confident miss', () => {
    // p clipped to 1e-15 → −ln(1e-15) = 34.539.
    expect(logLoss([1], [0])).toBeCloseTo(34.5388, 3);
  });
});

describe('calibrationTable', () => {
  it('groups rows by predicted probability into equal-count bins', () => {
    // Sorted: .1 (0), .2 (0) | .3 (1), .4 (1). Bin 1: mean .15, observed 0. Bin 2: mean .35, observed 1.
    const table = calibrationTable([1, 0, 1, 0], [0.4, 0.1, 0.3, 0.2], 2);
    expect(table).toEqual([
      { bin: 1, count: 2, minPredicted: 0.1, maxPredicted: 0.2, meanPredicted: expect.closeTo(0.15, 12), observedRate: 0 },
      { bin: 2, count: 2, minPredicted: 0.3, maxPredicted: 0.4, meanPredicted: expect.closeTo(0.35, 12), observedRate: 1 },
    ]);
  });

  it('makes deciles by default and skips empty bins on tiny inputs', () => {
    const probabilities = Array.from({ length: 100 }, (_, i) => i / 100);
    const labels = probabilities.map((p) => (p >= 0.9 ? 1 : 0));
    const deciles = calibrationTable(labels, probabilities)!;
    expect(deciles.map((b) => b.count)).toEqual(Array(10).fill(10));
    // Top decile holds .90 to .99: all positives, mean .945.
    expect(deciles[9]).toMatchObject({ observedRate: 1, meanPredicted: expect.closeTo(0.945, 12) });
    expect(calibrationTable([1, 0, 1], [0.2, 0.3, 0.9])!.length).toBe(3);
    expect(calibrationTable([], [])).toBeNull();
  });
});

describe('precisionRecallAt', () => {
  it('flags rows at or above each cut-off', () => {
    // Positives: .9, .4, .1 (3). At .5: flagged .9 and .6 → TP 1 → precision .5, recall 1/3.
    // At .95: nothing flagged → precision undefined (null), recall 0. At 0: all 5 → precision 3/5, recall 1.
    const result = precisionRecallAt([1, 0, 1, 0, 1], [0.9, 0.6, 0.4, 0.2, 0.1], [0.5, 0.95, 0]);
    expect(result).toEqual([
      { cutoff: 0.5, flagged: 2, truePositives: 1, precision: 0.5, recall: 1 / 3 },
      { cutoff: 0.95, flagged: 0, truePositives: 0, precision: null, recall: 0 },
      { cutoff: 0, flagged: 5, truePositives: 3, precision: 0.6, recall: 1 },
    ]);
  });

  it('reports recall as null when there are no positives', () => {
    expect(precisionRecallAt([0, 0], [0.7, 0.1], [0.5])).toEqual([{ cutoff: 0.5, flagged: 1, truePositives: 0, precision: 0, recall: null }]);
  });
});
