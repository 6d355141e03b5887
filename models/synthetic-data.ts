// Seeded synthetic logistic data for tests and the benchmark: correlated features on different scales
// and offsets (so standardisation matters) and an imbalanced outcome drawn from a known logistic model.
import type { DenseMatrix } from './dense-matrix.ts';

/** mulberry32: a small, fast, seedable PRNG; reproducible across machines. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function seededNormal(seed: number): () => number {
  const uniform = seededRandom(seed);
  return () => {
    // Box–Muller; 1 − u keeps the logarithm finite.
    const u = 1 - uniform();
    const v = uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

export interface SyntheticDataset {
  features: DenseMatrix;
  labels: Uint8Array;
  /** The raw-scale slopes and intercept the labels were drawn from. */
  trueIntercept: number;
  trueSlopes: number[];
}

export function syntheticLogisticData(rows: number, columns: number, seed: number, baseLogOdds = -2): SyntheticDataset {
  const normal = seededNormal(seed);
  const uniform = seededRandom(seed ^ 0x5bd1e995);
  const scales = Array.from({ length: columns }, (_, j) => [1, 10, 0.1, 250, 3][j % 5]!);
  const offsets = Array.from({ length: columns }, (_, j) => [0, 50, -3, 1000, 7][j % 5]!);
  // Standardised effects from −0.8 to 0.8 with a zero one in the middle; converted to raw slopes below.
  const effects = Array.from({ length: columns }, (_, j) => (columns === 1 ? 0.8 : -0.8 + (1.6 * j) / (columns - 1)));
  const data = new Float64Array(rows * columns);
  const labels = new Uint8Array(rows);
  const latent = new Float64Array(columns);
  for (let i = 0; i < rows; i++) {
    const shared = normal();
    let logit = baseLogOdds;
    for (let j = 0; j < columns; j++) {
      // Neighbouring features share a factor: correlation ≈ 0.5 between standardised columns.
      latent[j] = (normal() + shared) / Math.SQRT2;
      logit += effects[j]! * latent[j]!;
      data[i * columns + j] = offsets[j]! + scales[j]! * latent[j]!;
    }
    labels[i] = uniform() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  }
  const trueSlopes = effects.map((e, j) => e / scales[j]!);
  const trueIntercept = baseLogOdds - trueSlopes.reduce((sum, a, j) => sum + a * offsets[j]!, 0);
  return { features: { rows, columns, data }, labels, trueIntercept, trueSlopes };
}
