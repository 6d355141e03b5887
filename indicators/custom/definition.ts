// An indicator declared under `indicators.custom` becomes an IndicatorDefinition like a built-in one: the
// same registry path, the same composed statement (its aggregates join the shared usage and metric
// passes), the same flags, explain and model features.
import type { RawBuilder } from 'kysely';
import type { IndicatorDefinition, IndicatorLateralRow, IndicatorSqlContext, IndicatorSqlRow, IndicatorUnit } from '../types.ts';
import { averageSql } from './average.ts';
import { changeSql } from './change.ts';
import { daysSinceSql } from './days-since.ts';
import { latestSql } from './latest.ts';
import { levelSql } from './level.ts';
import { kindLateral, kindLateralJoins, kindSelect, metricSource, PassAggregates, type KindParts } from './metric.ts';
import { ratioSql } from './ratio.ts';
import { customIndicatorSchema, metricsOf, type CustomIndicatorSpec } from './schema.ts';
import { shareSql } from './share.ts';
import { trendSql } from './trend.ts';
import { customDetailFields } from './detail.ts';
import { driverCustom, explainCustom } from './words.ts';

/** How the model transforms each kind (models/features.ts transformForUnit). */
const UNITS: Readonly<Record<CustomIndicatorSpec['kind'], IndicatorUnit>> = {
  level: 'count',
  change: 'ratio',
  trend: 'ratio',
  ratio: 'count',
  share: 'fraction',
  daysSince: 'days',
  latest: 'value',
  latestChange: 'value',
  average: 'value',
};

const DESCRIPTIONS: Readonly<Record<CustomIndicatorSpec['kind'], string>> = {
  level: 'A metric over the window per covered day, per active-user day or per licensed seat (days without a row count as zero).',
  change: 'The level in the recent window vs the baseline window just before it, relative (recent / baseline − 1).',
  trend: 'The least-squares slope of the daily metric over the covered days of the window, times 30, divided by the mean.',
  ratio: 'Σ numerator ÷ max(Σ denominator, floor) over the window.',
  share: 'The share of the covered days of the window with the metric above zero.',
  daysSince: 'Days since the metric last occurred (or the signal was last observed), looking back the window.',
  latest: "The signal's latest value known on the as-of day.",
  latestChange: "The signal's latest value minus the one before it.",
  average: "The mean of the signal's observations in the window.",
};

/** Days of usage ending at D a kind reads. */
function lookbackDays(spec: CustomIndicatorSpec): number {
  if (spec.kind === 'change') return spec.recentDays + spec.baselineDays;
  return 'windowDays' in spec ? spec.windowDays : 0;
}

function kindSql(spec: CustomIndicatorSpec, context: IndicatorSqlContext<unknown>, aggregates: PassAggregates): KindParts {
  switch (spec.kind) {
    case 'level':
      return levelSql(spec, context, aggregates);
    case 'change':
      return changeSql(spec, context, aggregates);
    case 'trend':
      return trendSql(spec, context, aggregates);
    case 'ratio':
      return ratioSql(spec, context, aggregates);
    case 'share':
      return shareSql(spec, context, aggregates);
    case 'daysSince':
      return daysSinceSql(spec, context, aggregates);
    case 'latest':
    case 'latestChange':
      return latestSql(spec, context, aggregates);
    case 'average':
      return averageSql(spec, context, aggregates);
  }
}

/** The statement parts and the shared-pass aggregates of a spec as of one day (built together, so they agree). */
function build(spec: CustomIndicatorSpec, context: IndicatorSqlContext<unknown>): { parts: KindParts; aggregates: PassAggregates } {
  const aggregates = new PassAggregates(spec.id, context);
  return { parts: kindSql(spec, context, aggregates), aggregates };
}

export function customIndicator(spec: CustomIndicatorSpec): IndicatorDefinition<typeof customIndicatorSchema> {
  const passes = new Set(metricsOf(spec).map((name) => metricSource(name).pass));
  if ('per' in spec && spec.per !== 'day') passes.add('usage');
  return {
    id: spec.id,
    title: spec.label,
    description: `${DESCRIPTIONS[spec.kind]} Declared in config (indicators.custom, kind ${spec.kind}).`,
    unit: UNITS[spec.kind],
    riskDirection: spec.direction,
    configSchema: customIndicatorSchema,
    detail: customDetailFields(spec.kind),
    ...(passes.has('usage') ? { usage: { lookbackDays: () => lookbackDays(spec), aggregates: (context) => build(spec, context).aggregates.usage } } : {}),
    ...(passes.has('metrics')
      ? { metrics: { lookbackDays: () => lookbackDays(spec), aggregates: (context) => build(spec, context).aggregates.metrics } }
      : {}),
    sql: (context) => kindSelect(spec.kind, build(spec, context).parts, context) as RawBuilder<IndicatorSqlRow>,
    lateral: (context) => kindLateral(spec.kind, build(spec, context).parts) as RawBuilder<IndicatorLateralRow>,
    lateralJoins: (context) => kindLateralJoins(build(spec, context).parts, context),
    explain: (value, details) => explainCustom(spec, value, details),
    driver: (value, details) => driverCustom(spec, value, details),
  };
}

