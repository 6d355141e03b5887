// The weekly report's figures, computed from query rows. Pure: no database, no clock, no formatting.
// Money stays integer cents; a rate with no denominator is null ("n/a"), never NaN.
import { brierScore, calibrationTable, rocAuc, type CalibrationBin } from '../../models/metrics.ts';
import type { AccountTaskStatus, AlertFunnelRow, RenewingAccountRow, ReportModelRow, ReportRenewalRow, SaveCaseRow, ScoredRenewalRow } from '../../sql/report.ts';
import type { Period } from './period.ts';

export type Tier = 'low' | 'medium' | 'high' | 'critical';
export const TIERS: readonly Tier[] = ['low', 'medium', 'high', 'critical'];

const ratio = (numerator: number, denominator: number): number | null => (denominator === 0 ? null : numerator / denominator);
const sum = <T>(items: readonly T[], value: (item: T) => number): number => items.reduce((total, item) => total + value(item), 0);

// ---- Renewals --------------------------------------------------------------------------------

export interface RenewalFigures {
  readonly period: Period;
  readonly decided: number;
  readonly renewed: number;
  readonly expanded: number;
  readonly downgraded: number;
  readonly churned: number;
  readonly arrBeforeCents: number;
  readonly arrAfterCents: number;
  readonly churnedCents: number;
  /** Σ (before − after) over downgrades. */
  readonly downgradeLossCents: number;
  /** Σ (after − before) over expansions. */
  readonly expansionCents: number;
  /** Σ ARR before over renewed or expanded renewals whose account had a delivered alert before the renewal. */
  readonly savedCents: number;
  readonly savedAccounts: number;
  /** (decided − churned) / decided. */
  readonly logoRenewalRate: number | null;
  /** (before − churned − downgrade losses) / before. */
  readonly grossRevenueRetention: number | null;
  /** (before − churned − downgrade losses + expansion) / before. */
  readonly netRevenueRetention: number | null;
}

export function renewalFigures(period: Period, all: readonly ReportRenewalRow[]): RenewalFigures {
  const rows = all.filter((row) => row.decidedOn >= period.from && row.decidedOn <= period.to);
  const of = (outcome: ReportRenewalRow['outcome']) => rows.filter((row) => row.outcome === outcome);
  const churned = of('churned');
  const downgraded = of('downgraded');
  const expanded = of('expanded');
  const saved = rows.filter((row) => (row.outcome === 'renewed' || row.outcome === 'expanded') && row.alerted);
  const arrBeforeCents = sum(rows, (row) => row.arrBeforeCents);
  const churnedCents = sum(churned, (row) => row.arrBeforeCents);
  const downgradeLossCents = sum(downgraded, (row) => row.arrBeforeCents - row.arrAfterCents);
  const expansionCents = sum(expanded, (row) => row.arrAfterCents - row.arrBeforeCents);
  const kept = arrBeforeCents - churnedCents - downgradeLossCents;
  return {
    period,
    decided: rows.length,
    renewed: of('renewed').length,
    expanded: expanded.length,
    downgraded: downgraded.length,
    churned: churned.length,
    arrBeforeCents,
    arrAfterCents: sum(rows, (row) => row.arrAfterCents),
    churnedCents,
    downgradeLossCents,
    expansionCents,
    savedCents: sum(saved, (row) => row.arrBeforeCents),
    savedAccounts: saved.length,
    logoRenewalRate: ratio(rows.length - churned.length, rows.length),
    grossRevenueRetention: ratio(kept, arrBeforeCents),
    netRevenueRetention: ratio(kept + expansionCents, arrBeforeCents),
  };
}

// ---- At-risk ARR -------------------------------------------------------------------------------

export interface TierBucket {
  readonly tier: Tier | 'unscored';
  readonly accounts: number;
  readonly arrCents: number;
}

export interface SegmentBucket {
  readonly segment: string;
  readonly accounts: number;
  readonly renewingCents: number;
  readonly atRiskAccounts: number;
  readonly atRiskCents: number;
  /** atRisk / renewing. */
  readonly atRiskShare: number | null;
}

export interface AtRiskSnapshot {
  readonly asOf: string;
  readonly accounts: number;
  /** Renewing accounts with a risk score dated on or before asOf; 0 means at-risk figures are unknown, not zero. */
  readonly scoredAccounts: number;
  readonly renewingCents: number;
  readonly atRiskAccounts: number;
  readonly atRiskCents: number;
  /** Σ round(ARR × probability) over scored renewing accounts. */
  readonly expectedLossCents: number;
  readonly byTier: readonly TierBucket[];
  readonly bySegment: readonly SegmentBucket[];
}

const isAtRisk = (row: RenewingAccountRow, atRiskTiers: readonly Tier[]) => row.tier !== null && atRiskTiers.includes(row.tier);

export function atRiskSnapshot(asOf: string, rows: readonly RenewingAccountRow[], segments: readonly string[], atRiskTiers: readonly Tier[]): AtRiskSnapshot {
  const atRisk = rows.filter((row) => isAtRisk(row, atRiskTiers));
  const buckets: (Tier | 'unscored')[] = [...TIERS, 'unscored'];
  const byTier = buckets.map((tier) => {
    const members = rows.filter((row) => (row.tier ?? 'unscored') === tier);
    return { tier, accounts: members.length, arrCents: sum(members, (row) => row.arrCents) };
  });
  const allSegments = [...new Set([...segments, ...rows.map((row) => row.segment)])].sort();
  const bySegment = allSegments.map((segment) => {
    const members = rows.filter((row) => row.segment === segment);
    const risky = members.filter((row) => isAtRisk(row, atRiskTiers));
    const renewingCents = sum(members, (row) => row.arrCents);
    const atRiskCents = sum(risky, (row) => row.arrCents);
    return { segment, accounts: members.length, renewingCents, atRiskAccounts: risky.length, atRiskCents, atRiskShare: ratio(atRiskCents, renewingCents) };
  });
  return {
    asOf,
    accounts: rows.length,
    scoredAccounts: rows.filter((row) => row.tier !== null).length,
    renewingCents: sum(rows, (row) => row.arrCents),
    atRiskAccounts: atRisk.length,
    atRiskCents: sum(atRisk, (row) => row.arrCents),
    expectedLossCents: sum(rows, (row) => (row.probability === null ? 0 : expectedLossCents(row.arrCents, row.probability))),
    byTier,
    bySegment,
  };
}

/** ARR × probability, rounded half up to a whole cent. */
export function expectedLossCents(arrCents: number, probability: number): number {
  return Math.round(arrCents * probability);
}

export interface TrendPoint {
  readonly week: string;
  readonly asOf: string;
  /** As in AtRiskSnapshot: 0 = no score known that day, so the point has no data. */
  readonly scoredAccounts: number;
  readonly atRiskCents: number;
  readonly atRiskAccounts: number;
}

// ---- Top accounts ------------------------------------------------------------------------------

export interface TopAccount {
  readonly accountId: number;
  readonly externalId: string;
  readonly name: string;
  readonly segment: string;
  readonly owner: string | null;
  readonly tier: Tier;
  readonly probability: number;
  readonly arrCents: number;
  readonly expectedLossCents: number;
  readonly renewalDate: string;
  readonly daysToRenewal: number;
  readonly tasks: { readonly total: number; readonly done: number; readonly overdue: number };
}

export function topAccounts(asOf: string, rows: readonly RenewingAccountRow[], tasks: ReadonlyMap<number, AccountTaskStatus>, limit: number, daysBetween: (from: string, to: string) => number): TopAccount[] {
  return rows
    .filter((row): row is RenewingAccountRow & { probability: number; tier: Tier } => row.probability !== null && row.tier !== null)
    .sort((a, b) => b.arrCents * b.probability - a.arrCents * a.probability || b.arrCents - a.arrCents || a.accountId - b.accountId)
    .slice(0, limit)
    .map((row) => {
      const status = tasks.get(row.accountId);
      return {
        accountId: row.accountId,
        externalId: row.externalId,
        name: row.name,
        segment: row.segment,
        owner: row.csmEmail,
        tier: row.tier,
        probability: row.probability,
        arrCents: row.arrCents,
        expectedLossCents: expectedLossCents(row.arrCents, row.probability),
        renewalDate: row.renewalDate,
        daysToRenewal: daysBetween(asOf, row.renewalDate),
        tasks: { total: status?.total ?? 0, done: status?.done ?? 0, overdue: status?.overdue ?? 0 },
      };
    });
}

// ---- Alert funnel and save rate ----------------------------------------------------------------

export interface FunnelFigures extends AlertFunnelRow {
  readonly period: Period;
  readonly alertedRenewals: number;
  readonly alertedSaved: number;
  readonly alertedSaveRate: number | null;
  readonly holdoutRenewals: number;
  readonly holdoutSaved: number;
  readonly holdoutSaveRate: number | null;
  /** alerted − holdout save rate, in rate units. */
  readonly lift: number | null;
}

export function funnelFigures(period: Period, funnel: AlertFunnelRow, cases: readonly SaveCaseRow[]): FunnelFigures {
  const saved = (row: SaveCaseRow) => row.outcome === 'saved' || row.outcome === 'expanded';
  const alerted = cases.filter((row) => !row.holdout);
  const holdout = cases.filter((row) => row.holdout);
  const alertedSaveRate = ratio(alerted.filter(saved).length, alerted.length);
  const holdoutSaveRate = ratio(holdout.filter(saved).length, holdout.length);
  return {
    period,
    ...funnel,
    alertedRenewals: alerted.length,
    alertedSaved: alerted.filter(saved).length,
    alertedSaveRate,
    holdoutRenewals: holdout.length,
    holdoutSaved: holdout.filter(saved).length,
    holdoutSaveRate,
    lift: alertedSaveRate === null || holdoutSaveRate === null ? null : alertedSaveRate - holdoutSaveRate,
  };
}

// ---- Model health ------------------------------------------------------------------------------

export interface StoredModelComparison {
  readonly version: string;
  readonly promoted: boolean;
  /** Held-out (k-fold by account) ROC AUC recorded at training, from models.metrics. */
  readonly modelRocAuc: number | null;
  readonly scorecardRocAuc: number | null;
}

export interface ModelHealth {
  readonly period: Period;
  readonly leadDays: number;
  readonly decided: number;
  /** Renewals with a score: at the lead point, or (fallback) the latest before the decision. */
  readonly scored: number;
  readonly fromLead: number;
  readonly fromLatest: number;
  readonly unscored: number;
  readonly churned: number;
  readonly rocAuc: number | null;
  readonly brier: number | null;
  readonly calibration: readonly CalibrationBin[] | null;
  /** The rule scorecard's ROC AUC on the same renewals, from the scorecard probability stored with each score. */
  readonly scorecardRocAuc: number | null;
  /** Renewals whose score row carries a scorecard probability (scores written before it was stored do not). */
  readonly scorecardScored: number;
  readonly scorecardNote: string;
  readonly models: readonly StoredModelComparison[];
}

const numberAt = (value: unknown, ...path: string[]): number | null => {
  let current: unknown = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return null;
    current = (current as Record<string, unknown>)[key];
  }
  return typeof current === 'number' && Number.isFinite(current) ? current : null;
};

export function modelHealth(period: Period, leadDays: number, rows: readonly ScoredRenewalRow[], models: readonly ReportModelRow[], bins: number): ModelHealth {
  const scored = rows
    .map((row) => ({
      row,
      probability: row.leadProbability ?? row.latestProbability,
      scorecard: row.leadProbability !== null ? row.leadScorecardProbability : row.latestScorecardProbability,
      lead: row.leadProbability !== null,
    }))
    .filter((entry): entry is { row: ScoredRenewalRow; probability: number; scorecard: number | null; lead: boolean } => entry.probability !== null);
  // The scorecard is compared on exactly the renewals where both probabilities exist.
  const compared = scored.filter((entry): entry is typeof entry & { scorecard: number } => entry.scorecard !== null);
  const labels = scored.map((entry) => (entry.row.outcome === 'churned' ? 1 : 0));
  const probabilities = scored.map((entry) => entry.probability);
  return {
    period,
    leadDays,
    decided: rows.length,
    scored: scored.length,
    fromLead: scored.filter((entry) => entry.lead).length,
    fromLatest: scored.filter((entry) => !entry.lead).length,
    unscored: rows.length - scored.length,
    churned: sum(labels, (label) => label),
    rocAuc: rocAuc(labels, probabilities),
    brier: brierScore(labels, probabilities),
    calibration: calibrationTable(labels, probabilities, bins),
    scorecardRocAuc: rocAuc(
      compared.map((entry) => (entry.row.outcome === 'churned' ? 1 : 0)),
      compared.map((entry) => entry.scorecard),
    ),
    scorecardScored: compared.length,
    scorecardNote:
      compared.length === scored.length
        ? 'the rule scorecard scored on the same renewals from the same score rows'
        : `the rule scorecard on the ${compared.length} of ${scored.length} renewals whose scores carry its probability (older scores do not)`,
    models: models.map((model) => ({
      version: model.version,
      promoted: model.isPromoted,
      modelRocAuc: numberAt(model.metrics, 'model', 'rocAuc'),
      scorecardRocAuc: numberAt(model.metrics, 'scorecard', 'rocAuc'),
    })),
  };
}

/** Model versions behind the scores used, most used first. */
export function versionsUsed(rows: readonly ScoredRenewalRow[]): string[] {
  const counts = new Map<string, number>();
  for (const row of rows) {
    const version = row.leadProbability !== null ? row.leadModelVersion : row.latestModelVersion;
    if (version) counts.set(version, (counts.get(version) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([version]) => version);
}
