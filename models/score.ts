// Scoring as of a day: the accounts whose next renewal falls in (D, D + horizonDays] get a churn
// probability, a tier, the top three risk-raising drivers in words and the model's indicators that had
// no data, upserted into risk_scores per (account, day, model). Indicators come from the same SQL as
// training, evaluated as of D, so only facts known on D are used.
import type { Kysely } from 'kysely';
import type { RadarConfig } from '../config/schema.ts';
import { configuredIndicators, evaluateIndicators, handedDetail, parseDay, readDetailsForScoring, readValuesForScoring, scopeAccounts, type ScoringValues } from '../indicators/compute.ts';
import type { ConfiguredIndicator } from '../indicators/statement.ts';
import type { IndicatorDetail } from '../indicators/types.ts';
import { upsertRiskScores, type RiskScoreRow } from '../sql/models.ts';
import type { DB } from '../sql/schema.ts';
import { listSegments } from '../sql/report.ts';
import { accountSegments } from '../sql/tune.ts';
import { unknownSegmentProblems } from '../config/segments.ts';
import { recordTierChanges } from '../sql/webhooks.ts';
import { driverSentence, rankDrivers, withSegmentThresholds, type Driver, type RankedDriver } from './drivers.ts';
import { designMatrix, indicatorRows, type AccountIndicators, type IndicatorRow } from './features.ts';
import { matrixContributions, scorecardRows, tierFor, TIERS, type RadarModel, type Tier, type TierCutoffs } from './radar-model.ts';
import { predictProbabilities } from './predict.ts';
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

/** A score whose drivers are not yet in words (the sentences need the drivers' details only). */
export interface RankedScore extends Omit<AccountScore, 'drivers'> {
  readonly drivers: RankedDriver[];
}

/** Probability, tier, scorecard, the top three drivers (unworded) and missing indicators of each row (pure; details unused). */
export function rankRows(
  model: RadarModel,
  rows: readonly (IndicatorRow & { readonly accountId: number })[],
  indicators: readonly string[],
  tiers: TierCutoffs,
  segments: ReadonlyMap<number, string> = new Map(),
): RankedScore[] {
  // One design matrix for the probabilities and the drivers' contributions (was one more matrix per row).
  const matrix = designMatrix(rows, indicators, model.plan);
  const probabilities = predictProbabilities(model.fitted, matrix);
  const contributions = matrixContributions(model, matrix);
  const scorecard = scorecardRows(model, rows, indicators);
  const used = new Set([...model.plan.indicators, ...model.scorecard.indicators]);
  return rows.map((row, i) => {
    const probability = probabilities[i]!;
    return {
      accountId: row.accountId,
      probability,
      tier: tierFor(probability, tiers, segments.get(row.accountId) ?? null),
      scorecardProbability: scorecard[i]!,
      drivers: rankDrivers(contributions[i]!, 3),
      missingIndicators: indicators.filter((id, index) => used.has(id) && (row.values[index] === null || row.values[index] === undefined)),
    };
  });
}

/** Puts ranked drivers in words from each row's value and detail of the driver's indicator (pure; rows in the order of `ranked`). */
export function describeScores(
  ranked: readonly RankedScore[],
  rows: readonly AccountIndicators[],
  indicators: readonly string[],
  configured: readonly ConfiguredIndicator[] = [],
  segments: ReadonlyMap<number, string> = new Map(),
): AccountScore[] {
  const byId = new Map(configured.map((item) => [item.definition.id, item]));
  return ranked.map((score, i) => {
    const row = rows[i]!;
    const segment = segments.get(row.accountId) ?? null;
    const drivers = score.drivers.map((driver): Driver => {
      const index = indicators.indexOf(driver.indicator);
      const sentence = driverSentence(driver.indicator, row.values[index] ?? null, row.details[index] ?? {}, byId.get(driver.indicator));
      return { ...driver, sentence: withSegmentThresholds(sentence, byId.get(driver.indicator), segment) };
    });
    return { ...score, drivers };
  });
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
  return describeScores(rankRows(model, rows, indicators, tiers, segments), rows, indicators, configured, segments);
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
  /**
   * With 'stored': the in-scope accounts as the indicators step computed them for the day (the daily run
   * hands them over), scored as given instead of working the scope out again. Default: read the scope.
   */
  readonly scopedAccountIds?: readonly number[] | undefined;
  /**
   * With 'stored': the values and flags the indicators step has just written (the daily run hands them
   * over with the scope), used instead of reading them back when they are of the same day and the same
   * indicators in the same order; otherwise ignored. Their packed details give the drivers' details (no read).
   */
  readonly storedValues?: ScoringValues | undefined;
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

/**
 * The in-scope accounts' rows from their stored values, without details (ordered by account), plus rows
 * evaluated (with details) for accounts with none stored; `stored`: the accounts whose details are still to fetch.
 */
async function storedRows(
  db: Kysely<DB>,
  scope: Parameters<typeof evaluateIndicators>[1],
  indicators: readonly string[],
  scoped: readonly number[] | undefined,
  handed: ScoringValues | undefined,
): Promise<{ rows: AccountIndicators[]; stored: ReadonlySet<number>; packed: ReadonlyMap<number, ScoringValues['rows'][number]['packedDetails']> }> {
  const ids = scoped ?? (await scopeAccounts(db, scope));
  if (ids.length === 0) return { rows: [], stored: new Set(), packed: new Map() };
  const noDetails = new Array<IndicatorDetail>(indicators.length).fill({});
  // Handed rows carry their packed details: their drivers' details need no read (`stored` stays empty for them).
  const usable = handed && usableHandoff(handed, scope.asOf, indicators) ? inScope(handed.rows, ids) : undefined;
  const values = usable ?? (await readValuesForScoring(db, scope.asOf, ids, indicators));
  const rows: AccountIndicators[] = values.map((row) => ({ accountId: row.accountId, values: row.values, flags: row.flags, details: noDetails }));
  const have = new Set(rows.map((row) => row.accountId));
  const packed = new Map(usable?.map((row) => [row.accountId, row.packedDetails]));
  const stored = usable ? new Set<number>() : have;
  const missing = ids.filter((id) => !have.has(id));
  if (missing.length === 0) return { rows, stored, packed };
  const evaluated = indicatorRows(await evaluateIndicators(db, { ...scope, accountIds: missing }), indicators);
  return { rows: [...rows, ...evaluated].sort((a, b) => a.accountId - b.accountId), stored, packed };
}

/** The rows of handed accounts with their drivers' details unpacked from what the indicator write handed over. */
function withHandedDetails(
  rows: readonly AccountIndicators[],
  ranked: readonly RankedScore[],
  indicators: readonly string[],
  packed: ReadonlyMap<number, ScoringValues['rows'][number]['packedDetails']>,
): AccountIndicators[] {
  return rows.map((row, i) => {
    const details = packed.get(row.accountId);
    if (!details || ranked[i]!.drivers.length === 0) return row;
    const filled = [...row.details];
    for (const driver of ranked[i]!.drivers) {
      const index = indicators.indexOf(driver.indicator);
      filled[index] = handedDetail(driver.indicator, details[index]);
    }
    return { ...row, details: filled };
  });
}

/** Handed values stand for the stored ones only when written for the same day and the same indicators, in order. */
function usableHandoff(handed: ScoringValues, asOf: string, indicators: readonly string[]): boolean {
  return handed.asOf === asOf && handed.indicators.length === indicators.length && handed.indicators.every((id, i) => id === indicators[i]);
}

/** The handed rows of the accounts to score (the same accounts in the daily run; a subset otherwise). */
function inScope<R extends { readonly accountId: number }>(rows: readonly R[], ids: readonly number[]): R[] {
  const wanted = new Set(ids);
  return rows.filter((row) => wanted.has(row.accountId));
}

/** The rows of `stored` accounts with the stored details of their drivers' indicators filled in (the only details a sentence reads). */
async function withDriverDetails(
  db: Kysely<DB>,
  asOf: string,
  rows: readonly AccountIndicators[],
  ranked: readonly RankedScore[],
  indicators: readonly string[],
  stored: ReadonlySet<number>,
): Promise<AccountIndicators[]> {
  const pairs = ranked.flatMap((score) => (stored.has(score.accountId) ? score.drivers.map((driver) => ({ accountId: score.accountId, indicator: driver.indicator })) : []));
  const details = await readDetailsForScoring(db, asOf, pairs);
  return rows.map((row, i) => {
    if (!stored.has(row.accountId) || ranked[i]!.drivers.length === 0) return row;
    const filled = [...row.details];
    for (const driver of ranked[i]!.drivers) filled[indicators.indexOf(driver.indicator)] = details.get(`${row.accountId}:${driver.indicator}`) ?? {};
    return { ...row, details: filled };
  });
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
  const read =
    options.indicatorSource === 'stored'
      ? await storedRows(db, scope, indicators, options.scopedAccountIds, options.storedValues)
      : { rows: indicatorRows(await evaluateIndicators(db, scope), indicators), stored: new Set<number>(), packed: new Map() };
  const { rows } = read;
  // Segments matter only when some levels or cut-offs are per segment: skip the read otherwise.
  const perSegment = config.model.tiers.segments !== undefined || configured.some((item) => item.config.segments !== undefined);
  const segments = perSegment ? await accountSegments(db, rows.map((row) => row.accountId)) : new Map<number, string>();
  // A per-segment entry whose segment no account has matches nothing: say so on every run (radar config check --data fails on it).
  if (perSegment) warnings.push(...unknownSegmentProblems(config, await listSegments(db)));
  // Stored values come without details: rank first, then read the details of the drivers only (3 of 16 at most).
  const ranked = rankRows(stored.model, rows, indicators, config.model.tiers, segments);
  const handedDetails = read.packed.size > 0 ? withHandedDetails(rows, ranked, indicators, read.packed) : rows;
  const described = read.stored.size > 0 ? await withDriverDetails(db, asOf, handedDetails, ranked, indicators, read.stored) : handedDetails;
  const scores = describeScores(ranked, described, indicators, configured, segments);
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
