// Scoring as of a day: the accounts whose next renewal falls in (D, D + horizonDays] get a churn
// probability, a tier, the top three risk-raising drivers in words and the model's indicators that had
// no data, upserted into risk_scores per (account, day, model). Indicators come from the same SQL as
// training, evaluated as of D, so only facts known on D are used.
import type { Kysely } from 'kysely';
import type { RadarConfig } from '../config/schema.ts';
import { configuredIndicators, evaluateIndicators, parseDay, readValuesForScoring, scopeAccounts, type ComputedIndicatorValue } from '../indicators/compute.ts';
import type { ConfiguredIndicator } from '../indicators/statement.ts';
import { upsertRiskScores, type RiskScoreRow } from '../sql/models.ts';
import type { DB } from '../sql/schema.ts';
import { driverSentence, topDrivers, type Driver } from './drivers.ts';
import { indicatorRows, type AccountIndicators } from './features.ts';
import { indicatorContributions, predictRows, scorecardRows, tierFor, TIERS, type RadarModel, type Tier, type TierCutoffs } from './radar-model.ts';
import { loadModel, modelForScoring, type StoredModel } from './registry.ts';

export interface AccountScore {
  readonly accountId: number;
  readonly probability: number;
  readonly tier: Tier;
  readonly scorecardProbability: number;
  readonly drivers: Driver[];
  /** The model's indicators that had no data (imputed with the training mean). */
  readonly missingIndicators: string[];
}

/** Scores indicator rows with a model (pure). `configured`: definitions that word their own drivers (custom indicators). */
export function scoreRows(
  model: RadarModel,
  rows: readonly AccountIndicators[],
  indicators: readonly string[],
  tiers: TierCutoffs,
  configured: readonly ConfiguredIndicator[] = [],
): AccountScore[] {
  const byId = new Map(configured.map((item) => [item.definition.id, item]));
  const probabilities = predictRows(model, rows, indicators);
  const scorecard = scorecardRows(model, rows, indicators);
  return rows.map((row, i) => {
    const parts = indicatorContributions(model, row, indicators);
    const describe = (id: string) => {
      const index = indicators.indexOf(id);
      return driverSentence(id, row.values[index] ?? null, row.details[index] ?? {}, byId.get(id));
    };
    const used = new Set([...model.plan.indicators, ...model.scorecard.indicators]);
    const missingIndicators = indicators.filter((id, index) => used.has(id) && (row.values[index] === null || row.values[index] === undefined));
    const probability = probabilities[i]!;
    return {
      accountId: row.accountId,
      probability,
      tier: tierFor(probability, tiers),
      scorecardProbability: scorecard[i]!,
      drivers: topDrivers(parts, describe, 3),
      missingIndicators,
    };
  });
}

export interface ScoreOptions {
  readonly config: RadarConfig;
  readonly asOf: string;
  /** A stored model version; default the promoted model, else the newest (with a warning). */
  readonly modelVersion?: string | undefined;
  readonly accountIds?: readonly number[] | undefined;
  /**
   * 'evaluate' (default) computes the indicators again; 'stored' reads the indicator_values the
   * indicators step wrote for the day in one pass (the daily run: the same values, without a second
   * computation), evaluating only in-scope accounts that have none stored.
   */
  readonly indicatorSource?: 'evaluate' | 'stored' | undefined;
}

export interface ScoreResult {
  readonly asOf: string;
  readonly modelVersion: string;
  /** False when no model is promoted and the newest was used. */
  readonly promoted: boolean;
  readonly warnings: string[];
  readonly accounts: number;
  readonly written: number;
  readonly tiers: Record<Tier, number>;
  readonly withMissingData: number;
  readonly scores: AccountScore[];
}

/** The in-scope accounts' stored values (ordered by account), plus evaluated ones for accounts with none stored. */
async function storedValues(db: Kysely<DB>, scope: Parameters<typeof evaluateIndicators>[1], wanted: ReadonlySet<string>): Promise<ComputedIndicatorValue[]> {
  const ids = await scopeAccounts(db, scope);
  if (ids.length === 0) return [];
  const stored = await readValuesForScoring(db, scope.asOf, ids, [...wanted]);
  const have = new Set(stored.map((value) => value.accountId));
  const missing = ids.filter((id) => !have.has(id));
  const evaluated = missing.length > 0 ? await evaluateIndicators(db, { ...scope, accountIds: missing }) : [];
  const values: ComputedIndicatorValue[] = [...stored, ...evaluated];
  return evaluated.length > 0 ? values.sort((a, b) => a.accountId - b.accountId || a.indicator.localeCompare(b.indicator)) : values;
}

export async function scoreAccounts(db: Kysely<DB>, options: ScoreOptions): Promise<ScoreResult> {
  const { config } = options;
  const asOf = parseDay(options.asOf, 'as-of date');
  const stored: StoredModel = options.modelVersion ? await loadModel(db, options.modelVersion) : await modelForScoring(db);
  const warnings: string[] = [];
  if (!options.modelVersion && !stored.promoted) warnings.push(`no model is promoted: scoring with the newest, ${stored.version} (radar model promote VERSION)`);
  if (stored.leadDays !== config.leadDays) warnings.push(`model ${stored.version} was trained with leadDays ${stored.leadDays}, the config says ${config.leadDays}`);
  const configured = configuredIndicators(config);
  const indicators = configured.map((item) => item.definition.id);
  const scope = { asOf, config, scope: 'renewing', horizonDays: config.horizonDays, accountIds: options.accountIds } as const;
  const values = options.indicatorSource === 'stored' ? await storedValues(db, scope, new Set(indicators)) : await evaluateIndicators(db, scope);
  const rows = indicatorRows(values, indicators);
  const scores = scoreRows(stored.model, rows, indicators, config.model.tiers, configured);
  const written = await upsertRiskScores(
    db,
    scores.map(
      (score): RiskScoreRow => ({
        accountId: score.accountId,
        asOf,
        modelVersion: stored.version,
        probability: score.probability,
        tier: score.tier,
        drivers: score.drivers.map((driver) => ({ ...driver })),
        missingIndicators: score.missingIndicators,
        scorecardProbability: score.scorecardProbability,
      }),
    ),
  );
  const tiers = Object.fromEntries(TIERS.map((tier) => [tier, scores.filter((score) => score.tier === tier).length])) as Record<Tier, number>;
  return {
    asOf,
    modelVersion: stored.version,
    promoted: stored.promoted,
    warnings,
    accounts: scores.length,
    written,
    tiers,
    withMissingData: scores.filter((score) => score.missingIndicators.length > 0).length,
    scores,
  };
}
