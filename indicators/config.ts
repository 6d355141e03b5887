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

/**
 * `segments`: per account segment, its own warning and critical (a 5-seat SMB and a 2,000-seat enterprise
 * do not decline alike). Optional, no default, so a config without it parses (and hashes) as before.
 */
const level = (name: string) => z.number().nullable().describe(`Flag "${name}" for accounts of this segment at or beyond this value in the risk direction; null disables.`);
export const segmentThresholdsSchema = z
  .record(z.string().min(1), z.object({ warning: level('warning'), critical: level('critical') }).strict())
  .optional()
  .describe('Per account segment (accounts.segment): its own warning and critical, used instead of the indicator-wide ones for accounts of that segment.');

/** Each segment's `critical` must lie beyond its `warning`, like the indicator-wide levels. */
export function checkSegmentThresholds(direction: RiskDirection, segments: Thresholds['segments'], ctx: z.RefinementCtx): void {
  for (const [segment, levels] of Object.entries(segments ?? {})) {
    const problem = thresholdOrderProblem(direction, levels);
    if (problem) ctx.addIssue({ code: 'custom', path: ['segments', segment, 'critical'], message: problem });
  }
}

/** An indicator's config section: its own keys plus `warning` and `critical` (null disables a level), and optional per-segment levels. */
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
      segments: segmentThresholdsSchema,
    })
    .strict()
    .superRefine((config, ctx) => {
      checkThresholdOrder(direction, config as Thresholds, ctx);
      checkSegmentThresholds(direction, (config as Thresholds).segments, ctx);
    });
}

/** `critical` must lie beyond `warning` in the risk direction (when both are set). */
export function checkThresholdOrder(direction: RiskDirection, thresholds: Thresholds, ctx: z.RefinementCtx): void {
  const problem = thresholdOrderProblem(direction, thresholds);
  if (problem) ctx.addIssue({ code: 'custom', path: ['critical'], message: problem });
}

function thresholdOrderProblem(direction: RiskDirection, { warning, critical }: Pick<Thresholds, 'warning' | 'critical'>): string | undefined {
  if (warning === null || critical === null) return undefined;
  if (direction === 'higher' && !(critical > warning)) return `must be greater than warning (${warning})`;
  if (direction === 'lower' && !(critical < warning)) return `must be less than warning (${warning}): lower values are riskier here`;
  return undefined;
}
