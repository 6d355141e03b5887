// Many features (issue 14): custom indicators as features with their unit's transform, near-duplicates
// dropped with the reason, `l2: auto` chosen by cross-validation, and each coefficient's spread across folds.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.ts';
import { planFeatures, requestedIndicators, type IndicatorRow } from './features.ts';
import { chooseL2, coefficientStability, crossValidate, fitRadarModel } from './radar-model.ts';
import { seededNormal, seededRandom } from './synthetic-data.ts';

const row = (values: (number | null)[]): IndicatorRow => ({ values, flags: values.map(() => 'ok' as const) });

describe('feature planning with custom indicators', () => {
  it('takes every indicator, custom ones included, for model.features auto (and an empty list), minus the default exclusions', () => {
    const all = ['usageDecline', 'daysToRenewal', 'reportsChange', 'nps'];
    expect(requestedIndicators({ features: 'auto' }, all)).toEqual(['usageDecline', 'reportsChange', 'nps']);
    expect(requestedIndicators({ features: [] }, all)).toEqual(['usageDecline', 'reportsChange', 'nps']);
    expect(requestedIndicators({ features: ['nps'] }, all)).toEqual(['nps']);
  });

  it("transforms a custom indicator by its unit: count → log1p, value (a signal) → as is, ratio → log ratio", () => {
    const rows = [row([3, -20, 0.5]), row([8, 40, -0.5])];
    const plan = planFeatures(rows, ['reports', 'nps', 'reportsChange'], ['reports', 'nps', 'reportsChange'], {
      missingFlags: false,
      units: { reports: 'count', nps: 'value', reportsChange: 'ratio' },
    });
    expect(plan.transforms).toEqual(['log1p', 'identity', 'logRatio']);
    expect(plan.imputation[0]).toBeCloseTo((Math.log(4) + Math.log(9)) / 2, 12);
    expect(plan.imputation[1]).toBe(10); // (−20 + 40) / 2: a negative NPS stays negative
    expect(plan.imputation[2]).toBeCloseTo((Math.log(1.5) + Math.log(0.5)) / 2, 12);
  });

  it('drops the later of two near-duplicate features, with the reason, and keeps uncorrelated ones', () => {
    // a = 0.1 … 0.4; twin = 1 − a (r = −1); other: deviations (.5, −.5, −.5, .5) against a's (−.15, −.05, .05, .15): Σ = 0, r = 0.
    const ids = ['seatUtilisation', 'twin', 'other'];
    const rows = [row([0.1, 0.9, 1]), row([0.2, 0.8, 0]), row([0.3, 0.7, 0]), row([0.4, 0.6, 1])];
    const options = { missingFlags: false, units: { twin: 'fraction', other: 'fraction' } as const };
    const plan = planFeatures(rows, ids, ids, { ...options, maxCorrelation: 0.9 });
    expect(plan.indicators).toEqual(['seatUtilisation', 'other']);
    expect(plan.imputation).toEqual([0.25, 0.5]);
    expect(plan.dropped).toEqual([{ indicator: 'twin', reason: 'near-duplicate of seatUtilisation (correlation -1.000, beyond model.maxFeatureCorrelation 0.9)' }]);
    // A bound of 1 keeps all.
    expect(planFeatures(rows, ids, ids, { ...options, maxCorrelation: 1 }).indicators).toEqual(ids);
  });

  it('of two near-duplicates keeps the one more correlated with churn in the training rows', () => {
    // a = (.1, .2, .3, .4), b = (.1, .2, .4, .3): deviations (−.15, −.05, .05, .15) and (−.15, −.05, .15, .05):
    // Σab = .0225 + .0025 + .0075 + .0075 = .04, Σa² = Σb² = .05: r = 0.8. Labels (0, 0, 1, 0), deviations
    // (−.25, −.25, .75, −.25): Σ(a·label) = .05, Σ(b·label) = .15, so b tells more about churn and a goes, though it comes first.
    const ids = ['a', 'b'];
    const rows = [row([0.1, 0.1]), row([0.2, 0.2]), row([0.3, 0.4]), row([0.4, 0.3])];
    const units = { a: 'fraction', b: 'fraction' } as const;
    const plan = planFeatures(rows, ids, ids, { missingFlags: false, units, maxCorrelation: 0.7, labels: [0, 0, 1, 0] });
    expect(plan.indicators).toEqual(['b']);
    expect(plan.dropped).toEqual([{ indicator: 'a', reason: 'near-duplicate of b (correlation 0.800, beyond model.maxFeatureCorrelation 0.7)' }]);
    // Without labels the later one goes.
    expect(planFeatures(rows, ids, ids, { missingFlags: false, units, maxCorrelation: 0.7 }).indicators).toEqual(['a']);
  });

  it('compares near-duplicates after imputation: a feature that equals another where known still correlates', () => {
    // b equals a on three rows and is missing on the fourth, imputed with its mean (0.2):
    // a = (0.1, 0.2, 0.3, 0.4), b = (0.1, 0.2, 0.3, 0.2): deviations a (−.15, −.05, .05, .15), b (−.1, 0, .1, 0):
    // Σab = .015 + 0 + .005 + 0 = .02; Σa² = .05; Σb² = .02; r = .02 / √(.001) = 0.632 — kept under 0.9, dropped under 0.6.
    const ids = ['a', 'b'];
    const rows = [row([0.1, 0.1]), row([0.2, 0.2]), row([0.3, 0.3]), row([0.4, null])];
    const base = { missingFlags: false, units: { a: 'fraction', b: 'fraction' } as const };
    expect(planFeatures(rows, ids, ids, { ...base, maxCorrelation: 0.9 }).indicators).toEqual(['a', 'b']);
    expect(planFeatures(rows, ids, ids, { ...base, maxCorrelation: 0.6 }).dropped).toEqual([
      { indicator: 'b', reason: 'near-duplicate of a (correlation 0.632, beyond model.maxFeatureCorrelation 0.6)' },
    ]);
  });
});

/** Seeded rows: `signal` informative features (log-odds 1.5·x each), `noise` pure-noise ones, one row per account. */
function dataset(rows: number, signal: number, noise: number, seed: number) {
  const normal = seededNormal(seed);
  const uniform = seededRandom(seed + 1);
  const ids = Array.from({ length: signal + noise }, (_, j) => `f${j + 1}`);
  const data = Array.from({ length: rows }, (_, i) => {
    const values = ids.map(() => normal());
    const logOdds = -1 + values.slice(0, signal).reduce((sum, x) => sum + 1.5 * x, 0);
    const label = (uniform() < 1 / (1 + Math.exp(-logOdds)) ? 1 : 0) as 0 | 1;
    return { ...row(values), label, accountId: i + 1 };
  });
  return { ids, data };
}

describe('model.l2: auto and coefficient stability', () => {
  const configWith = (model: Record<string, unknown>) => parseConfig({ model: { missingFlags: false, ...model } }).config;

  it('keeps a weak penalty when the features carry signal, and picks the strongest when they are noise', () => {
    const informative = dataset(400, 3, 0, 7);
    const grid = { l2: 'auto', l2Grid: [0.01, 100_000], cvFolds: 4 };
    const search = chooseL2(informative.data, informative.ids, configWith(grid));
    expect(search.grid.map((entry) => entry.l2)).toEqual([0.01, 100_000]);
    expect(search.chosen).toBe(0.01);
    expect(search.grid[0]!.rocAuc!).toBeGreaterThan(search.grid[1]!.rocAuc! - 1e-9);
    // Labels independent of 12 noise features on 120 rows: the unpenalised fit overfits, the penalty wins.
    const noise = dataset(120, 0, 12, 11);
    expect(chooseL2(noise.data, noise.ids, configWith({ ...grid, l2Grid: [0, 100_000] })).chosen).toBe(100_000);
  });

  it('is deterministic, and the fit records the chosen strength', () => {
    const { ids, data } = dataset(300, 2, 4, 3);
    const config = configWith({ l2: 'auto', l2Grid: [0.1, 10, 1000], cvFolds: 3 });
    const first = chooseL2(data, ids, config);
    expect(chooseL2(data, ids, config)).toEqual(first);
    const best = Math.min(...first.grid.map((entry) => entry.logLoss!));
    expect(first.grid.find((entry) => entry.logLoss === best)?.l2).toBe(first.chosen);
    expect(fitRadarModel(data, ids, config).fitted.l2).toBe(first.chosen);
  });

  it("reports each coefficient beside its mean and spread over the cross-validation folds", () => {
    const { ids, data } = dataset(400, 1, 1, 5);
    const config = configWith({ l2: 1 });
    const cv = crossValidate(data, ids, config, { folds: 4, seed: 1 });
    const final = fitRadarModel(data, ids, config);
    const stability = coefficientStability(final, cv);
    expect(stability.map((entry) => [entry.feature, entry.folds])).toEqual([['f1', 4], ['f2', 4]]);
    const [signal, noise] = stability;
    // The informative feature's coefficient is large and stable; the noise feature's is near 0.
    expect(signal!.coefficient).toBeGreaterThan(1);
    expect(signal!.foldSd!).toBeLessThan(signal!.coefficient / 4);
    expect(Math.abs(noise!.coefficient)).toBeLessThan(0.3);
    // The mean is the mean of the folds' own coefficients.
    const folds = cv.foldCoefficients.map((fold) => fold.f1!);
    expect(signal!.foldMean!).toBeCloseTo(folds.reduce((sum, value) => sum + value, 0) / 4, 12);
  });
});
