import { z } from 'zod';

const cutoff = (tier: string, fallback: number) => z.number().gt(0).lt(1).default(fallback).describe(`Churn probability from which an account is ${tier} risk.`);

/** high above medium, critical above high; issues name the key under `path`. */
function checkTierOrder(tiers: { medium: number; high: number; critical: number }, ctx: z.RefinementCtx, path: readonly (string | number)[] = []): void {
  if (tiers.high <= tiers.medium) ctx.addIssue({ code: 'custom', path: [...path, 'high'], message: `must be greater than medium (${tiers.medium})` });
  if (tiers.critical <= tiers.high) ctx.addIssue({ code: 'custom', path: [...path, 'critical'], message: `must be greater than high (${tiers.high})` });
}

/** A segment names all three cut-offs (no defaults: half a segment entry is more likely a mistake than a wish). */
const segmentCutoff = (tier: string) => z.number().gt(0).lt(1).describe(`Churn probability from which an account of this segment is ${tier} risk.`);
const segmentCutoffs = z.object({ medium: segmentCutoff('medium'), high: segmentCutoff('high'), critical: segmentCutoff('critical') }).strict();

const tierCutoffs = z
  .object({
    medium: cutoff('medium', 0.15),
    high: cutoff('high', 0.3),
    critical: cutoff('critical', 0.5),
    segments: z
      .record(z.string().min(1), segmentCutoffs)
      .optional()
      .describe('Per account segment (accounts.segment): its own medium/high/critical cut-offs, used instead of the ones above when scoring accounts of that segment. All three keys are required.'),
  })
  .strict()
  .superRefine((tiers, ctx) => {
    checkTierOrder(tiers, ctx);
    for (const [segment, levels] of Object.entries(tiers.segments ?? {})) checkTierOrder(levels, ctx, ['segments', segment]);
  });

export const modelConfigSchema = z
  .object({
    engine: z.enum(['library', 'irls']).default('irls').describe('library: ml-logistic-regression (gradient descent); irls: exact Newton/IRLS solver.'),
    features: z
      .union([z.literal('auto'), z.array(z.string().min(1))])
      .default('auto')
      .describe('Indicator ids (built-in or custom) used as features; auto (or an empty list) takes every indicator with data in training, custom ones included, except the few excluded by default.'),
    l2: z
      .union([z.number().min(0), z.literal('auto')])
      .default(30)
      .describe('L2 penalty on standardised coefficients (the intercept is not penalised); the penalty is not divided by the row count, so it matters less as data grows. 30 was chosen by 4-fold cross-validation on the sample company (best calibration, same AUC as 1–100). auto: chosen at each training by cross-validation over l2Grid (deterministic folds by account).'),
    l2Grid: z.array(z.number().min(0)).min(2).max(12).default([1, 3, 10, 30, 100, 300]).describe('The L2 strengths `l2: auto` tries.'),
    cvFolds: z.number().int().min(2).max(10).default(4).describe('Folds (by account, deterministic from holdout.seed) for `l2: auto` and the coefficient stability report.'),
    maxFeatureCorrelation: z
      .number()
      .gt(0)
      .max(1)
      .default(0.9)
      .describe('Of two features whose training values correlate beyond this (|Pearson r|, after transform and imputation), the one less correlated with churn in the training rows is dropped, with the reason printed; 1 keeps all.'),
    classWeighting: z.enum(['balanced', 'none']).default('balanced').describe('balanced weights each class by the inverse of its share, so rare churn is not ignored.'),
    missingFlags: z
      .boolean()
      .default(false)
      .describe('Add a 0/1 "<indicator>:missing" feature for indicators missing in at least 1% of training rows (missing values are always imputed with the training mean). Off by default: on the sample company the flags did not raise cross-validated AUC.'),
    holdout: z
      .object({
        share: z.number().gt(0).lt(1).default(0.25).describe('Share of accounts held out (all their renewals) to measure the metrics stored with a model.'),
        seed: z.number().int().default(20251121).describe('Seed of the account split, so metrics are reproducible.'),
      })
      .strict()
      .default({ share: 0.25, seed: 20251121 })
      .describe('The held-out split by account used for model metrics.'),
    downgradeCountsAsChurn: z.boolean().default(false).describe('Whether a downgrade at renewal is labelled as churn for training.'),
    maxIterations: z.number().int().positive().default(200).describe('Iteration cap for the solver.'),
    learningRate: z.number().positive().default(0.5).describe('Step size for the library (gradient descent) engine.'),
    tolerance: z.number().positive().default(1e-7).describe('Stop when the relative loss change falls below this.'),
    tiers: tierCutoffs.default({ medium: 0.15, high: 0.3, critical: 0.5 }).describe('Probability cut-offs of the risk tiers.'),
    scorecard: z
      .object({
        warningPoints: z.number().min(0).default(1).describe('Points a warning flag adds to the rule scorecard.'),
        criticalPoints: z.number().min(0).default(3).describe('Points a critical flag adds to the rule scorecard.'),
      })
      .strict()
      .default({ warningPoints: 1, criticalPoints: 3 })
      .describe('The rule scorecard baseline, scored from the indicator flags.'),
  })
  .strict();

export type ModelConfig = z.infer<typeof modelConfigSchema>;
