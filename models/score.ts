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
import { listSegments } from '../sql/report.ts';
import { accountSegments } from '../sql/tune.ts';
import { unknownSegmentProblems } from '../config/segments.ts';
import { recordTierChanges } from '../sql/webhooks.ts';
import { driverSentence, topDrivers, withSegmentThresholds, type Driver } from './drivers.ts';
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

/**
 * Scores indicator rows with a model (pure). `configured`: the indicators with their config sections
 * (custom ones word their own drivers). `segments`: account id → segment, for the segment's own tier
 * cut-offs (model.tiers.segments) and to name the segment whose thresholds flag a driver's indicator.
 */
export function scoreRows(
  model: RadarModel,
  rows: readonly AccountIndicators[],
  indicators: readonly string[],
  tiers: TierCutoffs,
  configured: readonly ConfiguredIndicator[] = [],
  segments: ReadonlyMap<number, string> = new Map(),
): AccountScore[] {
  const byId = new Map(configured.map((item) => [item.definition.id, item]));
  const probabilities = predictRows(model, rows, indicators);
  const scorecard = scorecardRows(model, rows, indicators);
  return rows.map((row, i) => {
    const parts = indicatorContributions(model, row, indicators);
    const segment = segments.get(row.accountId) ?? null;
    const describe = (id: string) => {
      const index = indicators.indexOf(id);
      const sentence = driverSentence(id, row.values[index] ?? null, row.details[index] ?? {}, byId.get(id));
      return withSegmentThresholds(sentence, byId.get(id), segment);
    };
    const used = new Set([...model.plan.indicators, ...model.scorecard.indicators]);
    const missingIndicators = indicators.filter((id, index) => used.has(id) && (row.values[index] === null || row.values[index] === undefined));
    const probability = probabilities[i]!;
    return {
      accountId: row.accountId,
      probability,
      tier: tierFor(probability, tiers, segment),
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
  // Segments matter only when some levels or cut-offs are per segment: skip the read otherwise.
  const perSegment = config.model.tiers.segments !== undefined || configured.some((item) => item.config.segments !== undefined);
  const segments = perSegment ? await accountSegments(db, rows.map((row) => row.accountId)) : new Map<number, string>();
  // A per-segment entry whose segment no account has matches nothing: say so on every run (radar config check --data fails on it).
  if (perSegment) warnings.push(...unknownSegmentProblems(config, await listSegments(db)));
  const scores = scoreRows(stored.model, rows, indicators, config.model.tiers, configured, segments);
  const rowsToWrite = scores.map(
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
  );
  // The scores and their tier.changed webhook events (docs/api.md#webhooks) commit together.
  const written = await db.transaction().execute(async (trx) => {
    const count = await upsertRiskScores(trx, rowsToWrite);
    await recordTierChanges(trx, config.webhooks, { asOf, modelVersion: stored.version, accountIds: options.accountIds });
    return count;
  });
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
