// `radar tune`: the rule that turns the threshold table into suggested warning and critical levels.
import { z } from 'zod';

export const tuneConfigSchema = z
  .object({
    warningLift: z.number().min(1).default(1.5).describe('Suggest as warning the least extreme candidate whose flagged renewals churn at least this many times the base rate.'),
    criticalLift: z.number().min(1).default(2.5).describe('Suggest as critical the least extreme candidate beyond warning whose flagged renewals churn at least this many times the base rate.'),
    minFlagged: z.number().int().min(1).default(10).describe('A candidate threshold must flag at least this many renewals to be suggested (fewer is noise).'),
    minSegmentRenewals: z.number().int().min(1).default(50).describe('`radar tune --segment` suggests thresholds only for a segment with at least this many decided renewals in the range.'),
    separationMargin: z
      .number()
      .min(0)
      .max(0.5)
      .default(0.02)
      .describe('An indicator whose value alone ranks churners with an AUC within this of 0.5 does not separate churn: no suggestion.'),
    bands: z.number().int().min(2).max(20).default(5).describe('Equal-count value bands of the churn-rate table and chart.'),
  })
  .strict()
  .superRefine((tune, ctx) => {
    if (tune.criticalLift < tune.warningLift) ctx.addIssue({ code: 'custom', path: ['criticalLift'], message: `must be at least warningLift (${tune.warningLift})` });
  });

export type TuneConfig = z.infer<typeof tuneConfigSchema>;
