// The ziggurat's draws against the exponential distribution they stand for.
import { describe, expect, it } from 'vitest';
import { Random } from '../sample/random.ts';
import { ExponentialDraws } from './exponential.ts';

describe('ExponentialDraws', () => {
  const n = 400_000;
  const draws = (seed: number) => {
    const out = new Float64Array(n);
    new ExponentialDraws(new Random([seed, 1, 2, 3]), new Random([seed, 4, 5, 6])).fill(out);
    return out;
  };

  it('follows Exp(1): Kolmogorov–Smirnov distance, mean, variance and the tail beyond the last layer', () => {
    const sample = draws(42).sort();
    let distance = 0;
    sample.forEach((x, i) => {
      const cdf = 1 - Math.exp(-x);
      distance = Math.max(distance, Math.abs(cdf - i / n), Math.abs(cdf - (i + 1) / n));
    });
    // 1.95/√n is the KS test's 0.1% critical value: a wrong layer table or wedge test shows far above it.
    expect(distance).toBeLessThan(1.95 / Math.sqrt(n));
    const mean = sample.reduce((a, b) => a + b, 0) / n;
    const variance = sample.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
    expect(Math.abs(mean - 1)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(variance - 1)).toBeLessThan(5 * Math.sqrt(8 / n)); // Var of (E − 1)² is 8
    expect(sample[0]).toBeGreaterThanOrEqual(0);
    // Beyond R ≈ 7.70 the ziggurat draws from its tail branch: P(E > 7.7) = e^−7.7 ≈ 4.5e-4, about 181 of 400,000.
    const tail = sample.filter((x) => x > 7.7).length;
    const expected = n * Math.exp(-7.7);
    expect(Math.abs(tail - expected)).toBeLessThan(5 * Math.sqrt(expected));
    // Deep in the tail, too: P(E > 10) ≈ 4.5e-5, about 18.
    expect(sample.filter((x) => x > 10).length).toBeGreaterThan(3);
  });

  it('a seed reproduces its draws, whatever the block sizes they are drawn in; another seed gives others', () => {
    const inBlocks = new ExponentialDraws(new Random([7, 1, 2, 3]), new Random([7, 4, 5, 6]));
    const blocks = [1, 999, 5000, 3].map((size) => {
      const block = new Float64Array(size);
      inBlocks.fill(block);
      return [...block];
    });
    expect(blocks.flat()).toEqual([...draws(7).subarray(0, 6003)]);
    expect([...draws(7).subarray(0, 1000)]).toEqual([...draws(7).subarray(0, 1000)]);
    expect([...draws(8).subarray(0, 1000)]).not.toEqual([...draws(7).subarray(0, 1000)]);
  });
});
