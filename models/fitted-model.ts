import type { Scaling } from './standardise.ts';

export type EngineName = 'library' | 'irls';
export type ClassWeighting = 'balanced' | 'none';

/** A trained model: plain JSON, stored in the `models` table and read back for scoring. */
export interface FittedModel {
  featureNames: string[];
  scaling: Scaling;
  /** On the standardised scale: logit = intercept + Σ coefficients[j]·(x[j] − mean[j]) / sd[j]. */
  intercept: number;
  coefficients: number[];
  engine: EngineName;
  l2: number;
  classWeighting: ClassWeighting;
  /** Weight given to each row of a class (they sum to the row count); null when unweighted. */
  classWeights: { negative: number; positive: number } | null;
  trainingRows: number;
  positives: number;
  iterations: number;
  converged: boolean;
  /** Objective per unit of weight, as the engine reports it (IRLS: every iteration; library: start and end). */
  lossHistory: number[];
  /** The exact penalised objective J/Σw at the returned coefficients, the same for both engines. */
  loss: number;
  warnings: string[];
}
