// The config of indicators declared under `indicators.custom`: one zod schema per kind, discriminated by
// `kind`. What this file checks needs no other config; the rules that do (a metric some source feeds, ids
// unique against the built-ins) live in config/schema.ts, next to the sources they read.
import { z } from 'zod';
import { checkSegmentThresholds, checkThresholdOrder, segmentThresholdsSchema } from '../config.ts';
import { unknownPlaceholders } from './words.ts';

// Append only: a stored custom detail names its kind by its position here (detail.ts).
export const CUSTOM_KINDS = ['level', 'change', 'trend', 'ratio', 'share', 'daysSince', 'latest', 'latestChange', 'average'] as const;
export type CustomKind = (typeof CUSTOM_KINDS)[number];

/** camelCase, like the built-ins; lower-cased it names SQL columns, so it is checked, never quoted from config. */
export const CUSTOM_ID = /^[a-z][a-zA-Z0-9]{0,39}$/;
/** The names usage_metrics_daily and account_signals accept (their CHECK constraints). */
const NAME = /^[a-z][a-z0-9_]{0,62}$/;

const windowDays = (defaultValue: number, description: string) =>
  z
    .number({ error: 'must be a whole number of days from 1 to 1095' })
    .int('must be a whole number of days from 1 to 1095')
    .min(1, 'must be a whole number of days from 1 to 1095')
    .max(1095, 'must be a whole number of days from 1 to 1095')
    .default(defaultValue)
    .describe(description);

const metric = z.string().regex(NAME, 'must be a metric name: lower-case letters, digits and _ (as in usage_metrics_daily)');
const signal = z.string().regex(NAME, 'must be a signal name: lower-case letters, digits and _ (as in account_signals)');
const per = z
  .enum(['day', 'activeUser', 'seat'])
  .default('day')
  .describe('day: the metric per covered day; activeUser: per active-user day (÷ Σ active_users); seat: per day per licensed seat (÷ average seats on days reporting seats).');

const common = {
  id: z.string().regex(CUSTOM_ID, 'must be camelCase: a lower-case letter, then letters and digits (at most 40)').describe('Stable id: the key in indicator_values, model.features and playbook drivers.'),
  label: z.string().min(1).max(80).describe('What a person reads: "Reports per active user".'),
  direction: z.enum(['higher', 'lower']).describe('Which way is risky: higher = larger values are worse; lower = smaller values are worse.'),
  warning: z.number().nullable().default(null).describe('Flag "warning" at or beyond this value in the risk direction; null disables.'),
  critical: z.number().nullable().default(null).describe('Flag "critical" at or beyond this value in the risk direction; null disables.'),
  segments: segmentThresholdsSchema,
  explain: z
    .string()
    .min(1)
    .max(300)
    .optional()
    .describe('The explain sentence; {value}, {label} and the detail fields in braces ({windowDays}, {total}, …) are filled in. Default: one per kind.'),
};

const kinds = [
  z.object({ kind: z.literal('level'), metric, per, windowDays: windowDays(30, 'The last N days up to and including the as-of day.'), ...common }).strict(),
  z.object({
    kind: z.literal('change'),
    metric,
    per,
    recentDays: windowDays(30, 'Recent window: the last N days up to and including the as-of day.'),
    baselineDays: windowDays(90, 'Baseline window: the N days just before the recent window.'),
    ...common,
  }).strict(),
  z.object({
    kind: z.literal('trend'),
    metric,
    windowDays: windowDays(90, 'The last N days up to and including the as-of day.'),
    minDays: windowDays(14, 'Fewer covered days than this in the window gives no data.'),
    ...common,
  }).strict(),
  z.object({
    kind: z.literal('ratio'),
    numerator: metric,
    denominator: metric,
    windowDays: windowDays(30, 'The last N days up to and including the as-of day.'),
    floor: z.number().min(0).default(1).describe('The denominator is at least this, so a handful of events does not make a huge ratio; 0 with a zero denominator gives no data.'),
    ...common,
  }).strict(),
  z.object({ kind: z.literal('share'), metric, windowDays: windowDays(30, 'The last N days up to and including the as-of day.'), ...common }).strict(),
  z.object({
    kind: z.literal('daysSince'),
    metric: metric.optional(),
    signal: signal.optional(),
    windowDays: windowDays(365, 'How far back to look for the metric; never seen in the window gives the covered days of the window.'),
    ...common,
  }).strict(),
  z.object({ kind: z.literal('latest'), signal, ...common }).strict(),
  z.object({ kind: z.literal('latestChange'), signal, ...common }).strict(),
  z.object({ kind: z.literal('average'), signal, windowDays: windowDays(90, 'The observations of the last N days up to and including the as-of day.'), ...common }).strict(),
] as const;

export const customIndicatorSchema = z
  .discriminatedUnion('kind', kinds, {
    error: (issue) => (issue.code === 'invalid_union' ? `must be one of ${CUSTOM_KINDS.join(', ')}` : undefined),
  })
  .superRefine((spec, ctx) => {
    checkThresholdOrder(spec.direction, spec, ctx);
    checkSegmentThresholds(spec.direction, spec.segments, ctx);
    if (spec.kind === 'daysSince' && (spec.metric === undefined) === (spec.signal === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['metric'], message: 'give exactly one of metric or signal' });
    }
    const unknown = spec.explain === undefined ? [] : unknownPlaceholders(spec.kind, spec.explain);
    if (unknown.length > 0) ctx.addIssue({ code: 'custom', path: ['explain'], message: `unknown placeholder${unknown.length > 1 ? 's' : ''} ${unknown.map((name) => `{${name}}`).join(', ')} for kind ${spec.kind}` });
    if (spec.kind === 'trend' && spec.minDays > spec.windowDays) {
      ctx.addIssue({ code: 'custom', path: ['minDays'], message: `must be at most windowDays (${spec.windowDays})` });
    }
  });

export type CustomIndicatorSpec = z.output<typeof customIndicatorSchema>;
export type CustomSpecOf<K extends CustomKind> = Extract<CustomIndicatorSpec, { kind: K }>;

/** The usage metrics a custom indicator reads (usage_daily columns or usage_metrics_daily names). */
export function metricsOf(spec: CustomIndicatorSpec): string[] {
  if (spec.kind === 'ratio') return [spec.numerator, spec.denominator];
  if ('metric' in spec && spec.metric !== undefined) return [spec.metric];
  return [];
}

/** The account signals a custom indicator reads. */
export function signalsOf(spec: CustomIndicatorSpec): string[] {
  return 'signal' in spec && spec.signal !== undefined ? [spec.signal] : [];
}
