// Building blocks for indicator config sections: windows and thresholds with defaults and
// descriptions, and the rule that `critical` lies beyond `warning` in the risk direction.
import { z } from 'zod';
import type { RiskDirection, Thresholds } from './types.ts';

/** A window length in days (a window of N days as of D is the days D−N+1 … D). */
export function days(defaultValue: number, description: string) {
  return z.number().int().min(1).max(1095).default(defaultValue).describe(description);
}

/** How many of the most recently issued invoices (issued by the as-of day) an indicator reads. */
export function recentInvoices(defaultValue: number, description: string) {
  return z.number().int().min(1).max(120).default(defaultValue).describe(description);
}

/** An indicator's config section: its own keys plus `warning` and `critical` (null disables a level). */
export function indicatorConfig<Shape extends z.ZodRawShape>(
  direction: RiskDirection,
  defaults: { warning: number | null; critical: number | null; unit: string },
  shape: Shape,
) {
  const word = direction === 'higher' ? 'at or above' : 'at or below';
  return z
    .object({
      ...shape,
      warning: z.number().nullable().default(defaults.warning).describe(`Flag "warning" when the value is ${word} this (${defaults.unit}); null disables.`),
      critical: z.number().nullable().default(defaults.critical).describe(`Flag "critical" when the value is ${word} this (${defaults.unit}); null disables.`),
    })
    .strict()
    .superRefine((config, ctx) => checkThresholdOrder(direction, config as Thresholds, ctx));
}

/** `critical` must lie beyond `warning` in the risk direction (when both are set). */
export function checkThresholdOrder(direction: RiskDirection, { warning, critical }: Thresholds, ctx: z.RefinementCtx): void {
  if (warning === null || critical === null) return;
  if (direction === 'higher' && !(critical > warning)) {
    ctx.addIssue({ code: 'custom', path: ['critical'], message: `must be greater than warning (${warning})` });
  }
  if (direction === 'lower' && !(critical < warning)) {
    ctx.addIssue({ code: 'custom', path: ['critical'], message: `must be less than warning (${warning}): lower values are riskier here` });
  }
}
