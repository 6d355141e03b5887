// Computing indicators as of a day: pick the configured indicators, run them as one statement in
// one transaction, and return what happened. Time is a parameter: nothing here reads the clock.
import type { Kysely } from 'kysely';
import type { RadarConfig } from '../config/schema.ts';
import { RadarError } from '../pipelines/errors.ts';
import { prepareIndicatorTransaction } from '../sql/indicators.ts';
import type { DB } from '../sql/schema.ts';
import { indicatorRegistry } from './registry.ts';
import {
  countComputedRows,
  inIndicatorShards,
  evaluateIndicatorValues,
  scopeAccountIds,
  writeIndicatorValues,
  type ComputedIndicatorValue,
  type ConfiguredIndicator,
  type IndicatorScope,
  type ScoringValues,
  type WriteSummary,
} from './statement.ts';
import { customIndicator } from './custom/definition.ts';
import type { IndicatorDefinition, Thresholds } from './types.ts';

export { handedDetail, readDetailsForScoring, readIndicatorValues, readValuesForScoring, type ScoringValues, type StoredIndicatorValue, type ComputedIndicatorValue, type IndicatorScope } from './statement.ts';

export interface ComputeIndicatorsOptions {
  /** The as-of day D, 'YYYY-MM-DD'. */
  readonly asOf: string;
  readonly config: RadarConfig;
  /** 'renewing': next renewal in (D, D + horizonDays]; 'all': every account active on D. */
  readonly scope: IndicatorScope;
  readonly horizonDays: number;
  readonly accountIds?: readonly number[];
  /**
   * Read-only runs (count, evaluate): split the accounts into this many shards computed at once on
   * separate pooled connections, all reading one exported snapshot (indicators/statement.ts inIndicatorShards).
   * Postgres server only, with at least this many free pool connections. Default 1.
   */
  readonly shards?: number;
}

export interface ComputeIndicatorsResult extends WriteSummary {
  readonly asOf: string;
  readonly indicators: number;
}

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** Checks a 'YYYY-MM-DD' string is a real calendar day (2024-02-29 yes, 2025-02-29 no). */
export function parseDay(text: string, what = 'date'): string {
  const match = ISO_DAY.exec(text);
  const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
  if (!match || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text) {
    throw new RadarError('usage', `${what} must be a calendar day as YYYY-MM-DD, got ${JSON.stringify(text)}`);
  }
  return text;
}

export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${parseDay(day)}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The days from `from` to `to` inclusive, every `stepDays`. */
export function dayRange(from: string, to: string, stepDays: number): string[] {
  if (!Number.isInteger(stepDays) || stepDays < 1) throw new RadarError('usage', `step must be a whole number of days ≥ 1, got ${stepDays}`);
  if (parseDay(from, 'from') > parseDay(to, 'to')) throw new RadarError('usage', `from (${from}) is after to (${to})`);
  const days: string[] = [];
  for (let day = from; day <= to; day = addDays(day, stepDays)) days.push(day);
  return days;
}

/** Every registered indicator with its section of the (already validated) config, then the custom ones it declares. */
export function configuredIndicators(config: RadarConfig): ConfiguredIndicator[] {
  const sections = config.indicators as unknown as Readonly<Record<string, Thresholds | undefined>>;
  const builtIn = indicatorRegistry.map((definition) => ({
    definition,
    config: sections[definition.id] ?? (definition.configSchema.parse({}) as Thresholds),
  }));
  return [...builtIn, ...config.indicators.custom.map((spec) => ({ definition: customIndicator(spec) as unknown as IndicatorDefinition, config: spec }))];
}

function specFor(options: ComputeIndicatorsOptions) {
  if (!Number.isInteger(options.horizonDays) || options.horizonDays < 1) throw new RadarError('usage', `horizonDays must be a positive whole number, got ${options.horizonDays}`);
  return {
    asOf: parseDay(options.asOf, 'as-of date'),
    indicators: configuredIndicators(options.config),
    scope: options.scope,
    horizonDays: options.horizonDays,
    accountIds: options.accountIds,
    coverageStart: options.config.indicators.coverageStart,
  };
}

/**
 * Computes every indicator for the in-scope accounts as of `asOf` and upserts indicator_values in one
 * transaction. Idempotent: a second run for the same day and data changes no row.
 */
export async function computeIndicators(db: Kysely<DB>, options: ComputeIndicatorsOptions): Promise<ComputeIndicatorsResult> {
  const { result } = await computeIndicatorsInScope(db, options);
  return result;
}

/**
 * computeIndicators, plus the ids of the accounts it computed (ascending): the daily run hands them to
 * scoring, which then scores exactly these accounts without working out the scope a second time. With
 * `scoringValues`, also the values and flags just written (ScoringValues), so scoring need not read them back.
 */
export async function computeIndicatorsInScope(
  db: Kysely<DB>,
  options: ComputeIndicatorsOptions & { readonly scoringValues?: boolean },
): Promise<{ result: ComputeIndicatorsResult; accountIds: number[]; scoring?: ScoringValues }> {
  const spec = specFor(options);
  const { accountIds, scoring, ...summary } = await db.transaction().execute(async (trx) => {
    await prepareIndicatorTransaction(trx);
    return writeIndicatorValues(trx, spec, { scoringValues: options.scoringValues ?? false });
  });
  return { result: { asOf: spec.asOf, indicators: spec.indicators.length, ...summary }, accountIds, ...(scoring ? { scoring } : {}) };
}

/** The computation alone, counted in the database without shipping or writing rows (benchmarks). */
export async function countIndicatorRows(db: Kysely<DB>, options: ComputeIndicatorsOptions): Promise<number> {
  const counts = await inIndicatorShards(db, specFor(options), options.shards ?? 1, countComputedRows);
  return counts.reduce((sum, count) => sum + count, 0);
}

/** The same computation without writing: for `radar indicators explain` and previews. Ordered by account, then indicator. */
export async function evaluateIndicators(db: Kysely<DB>, options: ComputeIndicatorsOptions): Promise<ComputedIndicatorValue[]> {
  const parts = await inIndicatorShards(db, specFor(options), options.shards ?? 1, evaluateIndicatorValues);
  return parts.flat();
}

/** The ids of the accounts in scope as of the day (∩ options.accountIds), ascending: accounts and renewals only, a few ms. */
export async function scopeAccounts(db: Kysely<DB>, options: ComputeIndicatorsOptions): Promise<number[]> {
  return scopeAccountIds(db, specFor(options));
}
