import { describe, expect, it } from 'vitest';
import type { FittedModel } from './fitted-model.ts';
import { syntheticLogisticData } from './synthetic-data.ts';
import { contributions, predictProbabilities, predictProbability, trainLogistic, type TrainOptions } from './train.ts';

const options: TrainOptions = { engine: 'irls', l2: 0, classWeighting: 'none', maxIterations: 100, learningRate: 0.5, tolerance: 1e-10 };

/** A model written by hand, so the expected numbers below can be worked out on paper. */
const handModel: FittedModel = {
  featureNames: ['logins', 'tickets'],
  scaling: { featureNames: ['logins', 'tickets'], means: [10, 0], sds: [2, 4], constantFeatures: [] },
  intercept: -1,
  coefficients: [0.5, -2],
  engine: 'irls',
  l2: 0,
  classWeighting: 'none',
  classWeights: null,
  trainingRows: 0,
  positives: 0,
  iterations: 0,
  converged: true,
  lossHistory: [],
  loss: 0,
  warnings: [],
};

describe('predictProbability and contributions', () => {
  it('computes 1/(1+exp(−(b0 + Σ βⱼ·zⱼ))) on standardised values', () => {
    // Row [14, 2]: z = [(14−10)/2, (2−0)/4] = [2, 0.5]; η = −1 + 0.5·2 + (−2)·0.5 = −1; p = 1/(1+e) = 0.2689414.
    expect(predictProbability(handModel, [14, 2])).toBeCloseTo(1 / (1 + Math.E), 12);
    expect(predictProbability(handModel, [14, 2])).toBeCloseTo(0.2689414, 7);
  });

  it('gives each feature its standardised value × coefficient', () => {
    // logins: 2 × 0.5 = 1; tickets: 0.5 × −2 = −1.
    expect(contributions(handModel, [14, 2])).toEqual([
      { feature: 'logins', value: 14, standardised: 2, contribution: 1 },
      { feature: 'tickets', value: 2, standardised: 0.5, contribution: -1 },
    ]);
  });

  it('scores a whole matrix exactly as row by row', () => {
    const data = syntheticLogisticData(500, 5, 3);
    const model = trainLogistic(data.features, data.labels, options);
    const bulk = predictProbabilities(model, data.features);
    for (const i of [0, 17, 499]) expect(bulk[i]).toBeCloseTo(predictProbability(model, data.features.data.subarray(i * 5, i * 5 + 5)), 12);
  });
});

describe('trainLogistic', () => {
  const data = syntheticLogisticData(20_000, 4, 11, -2.5);
  const positives = data.labels.reduce((s, v) => s + v, 0);
  const negatives = data.labels.length - positives;

  it('recovers the slopes the data were drawn from', () => {
    const model = trainLogistic(data.features, data.labels, options);
    // Raw slope = standardised coefficient / SD. Standard error here ≈ 0.03 per unit of feature SD
    // (n = 20,000, ~12% positives, correlated features), so allow 3 SE, scaled to each feature's units.
    model.coefficients.forEach((b, j) => expect(Math.abs(b - data.trueSlopes[j]! * model.scaling.sds[j]!)).toBeLessThan(0.1));
  });

  it('balanced weighting raises the intercept by about log(negatives/positives) and leaves slopes alone', () => {
    expect(positives / data.labels.length).toBeLessThan(0.2);
    const plain = trainLogistic(data.features, data.labels, options);
    const balanced = trainLogistic(data.features, data.labels, { ...options, classWeighting: 'balanced' });
    // For a well-specified logistic model, class weights w₁/w₀ only shift the intercept by log(w₁/w₀)
    // = log(n₀/n₁); here the model is well specified, so the shift matches up to sampling noise.
    expect(balanced.intercept - plain.intercept).toBeCloseTo(Math.log(negatives / positives), 1);
    balanced.coefficients.forEach((b, j) => expect(Math.abs(b - plain.coefficients[j]!)).toBeLessThan(0.05));
    // Exact consequence of the intercept's score equation Σwᵢ(πᵢ − yᵢ) = 0: the weighted mean prediction is ½.
    const predictions = predictProbabilities(balanced, data.features);
    let weighted = 0;
    data.labels.forEach((y, i) => (weighted += predictions[i]! * (y === 1 ? balanced.classWeights!.positive : balanced.classWeights!.negative)));
    expect(weighted / data.labels.length).toBeCloseTo(0.5, 8);
  });

  it('fixes a constant feature at 0 and says so', () => {
    const rows = Array.from({ length: 300 }, (_, i) => [i % 7, 5, (i * 13) % 11]);
    const labels = rows.map((r) => (r[0]! + r[2]! > 8 ? 1 : 0));
    const model = trainLogistic(rows, labels, { ...options, l2: 1, featureNames: ['a', 'flat', 'c'] });
    expect(model.coefficients[1]).toBe(0);
    expect(model.scaling.constantFeatures).toEqual(['flat']);
    expect(model.warnings.join(' ')).toMatch(/constant.*flat/);
  });

  it('warm-starts from a model fitted on other data as the same function of the raw features', () => {
    const earlier = trainLogistic(syntheticLogisticData(5000, 4, 12, -2.5).features, syntheticLogisticData(5000, 4, 12, -2.5).labels, options);
    const cold = trainLogistic(data.features, data.labels, options);
    const warm = trainLogistic(data.features, data.labels, { ...options, initial: earlier });
    expect(warm.lossHistory[0]).toBeLessThan(cold.lossHistory[0]!);
    expect(warm.intercept).toBeCloseTo(cold.intercept, 6);
  });

  it('refuses data with one class, mismatched labels, or non-binary labels', () => {
    expect(() => trainLogistic([[1], [2]], [0, 0], options)).toThrow(/both classes/);
    expect(() => trainLogistic([[1], [2]], [0], options)).toThrow(/labels/);
    expect(() => trainLogistic([[1], [2]], [0, 2], options)).toThrow(/expected 0 or 1/);
  });
});
