// The training set: one row per past renewal with a known outcome, its features being the indicator
// values of that account as of (renewal date − leadDays), computed by the same indicator SQL as scoring
// (evaluateIndicators, scope 'all', restricted to the accounts renewing on that date: one statement per
// distinct as-of day). The label is churn (a downgrade too when model.downgradeCountsAsChurn).
import type { Kysely } from 'kysely';
import type { RadarConfig } from '../config/schema.ts';
import { addDays, configuredIndicators, evaluateIndicators } from '../indicators/compute.ts';
import type { IndicatorDetail } from '../indicators/types.ts';
import { contractStarts, listDecidedRenewals, type DecidedRenewal, type RenewalOutcome } from '../sql/models.ts';
import type { DB } from '../sql/schema.ts';
import { indicatorRows, type IndicatorRow } from './features.ts';
import { SkipTally, type TrainingSkips } from './training-skips.ts';

export interface TrainingRow extends IndicatorRow {
  readonly renewalId: number;
  readonly accountId: number;
  readonly renewalDate: string;
  /** renewalDate − leadDays: the day the features describe. */
  readonly asOf: string;
  /** ISO timestamp: when the outcome became known. */
  readonly decidedAt: string;
  readonly outcome: RenewalOutcome;
  readonly label: 0 | 1;
  readonly arrBeforeCents: number;
  /** Indicator details, in the order of TrainingSet.indicators (for drivers and explanations). */
  readonly details: readonly IndicatorDetail[];
}

export interface TrainingSet {
  /** Every registered indicator id; rows' values, flags and details follow this order. */
  readonly indicators: readonly string[];
  readonly leadDays: number;
  readonly rows: readonly TrainingRow[];
  /** Decided renewals that yield no row, by reason (and, in `byReason`, how many of them were churners). */
  readonly skipped: { readonly notActiveAtAsOf: number; readonly asOfNotBeforeCutoff: number } & TrainingSkips;
}

export interface BuildTrainingSetOptions {
  readonly config: RadarConfig;
  /** Only renewals decided before midnight UTC starting this day (and whose as-of day is before it). */
  readonly decidedBefore?: string | undefined;
  /** Only renewals decided at or after midnight UTC starting this day (radar tune's range). */
  readonly decidedFrom?: string | undefined;
  /** As-of days evaluated at once (a server pool runs them in parallel; PGlite serialises them anyway). */
  readonly concurrency?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export function isChurn(outcome: RenewalOutcome, downgradeCountsAsChurn: boolean): 0 | 1 {
  return outcome === 'churned' || (downgradeCountsAsChurn && outcome === 'downgraded') ? 1 : 0;
}

/** Groups renewals by their as-of day (renewal date − leadDays). */
export function groupByAsOf(renewals: readonly DecidedRenewal[], leadDays: number): Map<string, DecidedRenewal[]> {
  const groups = new Map<string, DecidedRenewal[]>();
  for (const renewal of renewals) {
    const asOf = addDays(renewal.renewalDate, -leadDays);
    const group = groups.get(asOf);
    if (group) group.push(renewal);
    else groups.set(asOf, [renewal]);
  }
  return groups;
}

export async function buildTrainingSet(db: Kysely<DB>, options: BuildTrainingSetOptions): Promise<TrainingSet> {
  const { config } = options;
  const indicators = configuredIndicators(config).map((item) => item.definition.id);
  const fromMs = options.decidedFrom === undefined ? Number.NEGATIVE_INFINITY : Date.parse(`${options.decidedFrom}T00:00:00Z`);
  const renewals = (await listDecidedRenewals(db, { decidedBefore: options.decidedBefore })).filter((renewal) => Date.parse(renewal.decidedAt) >= fromMs);
  const groups = [...groupByAsOf(renewals, config.leadDays)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const labelOf = (renewal: DecidedRenewal) => isChurn(renewal.outcome, config.model.downgradeCountsAsChurn);
  const tally = new SkipTally();
  let asOfNotBeforeCutoff = 0;
  const work = groups.filter(([asOf, group]) => {
    if (options.decidedBefore !== undefined && asOf >= options.decidedBefore) {
      asOfNotBeforeCutoff += group.length;
      for (const renewal of group) tally.count(labelOf(renewal), 'outside_training_window');
      return false;
    }
    return true;
  });
  const inactive: { renewal: DecidedRenewal; asOf: string }[] = [];

  const results: TrainingRow[][] = new Array<TrainingRow[]>(work.length);
  let notActiveAtAsOf = 0;
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < work.length) {
      const slot = next++;
      const [asOf, group] = work[slot]!;
      const accountIds = [...new Set(group.map((renewal) => renewal.accountId))];
      const values = await evaluateIndicators(db, { asOf, config, scope: 'all', horizonDays: config.horizonDays, accountIds });
      const byAccount = new Map(indicatorRows(values, indicators).map((row) => [row.accountId, row]));
      const rows: TrainingRow[] = [];
      for (const renewal of group) {
        const entry = byAccount.get(renewal.accountId);
        if (!entry) {
          // Churn already decided by the as-of day, or the contract had not started: nothing to score then.
          notActiveAtAsOf++;
          inactive.push({ renewal, asOf });
          continue;
        }
        tally.count(labelOf(renewal));
        rows.push({
          renewalId: renewal.renewalId,
          accountId: renewal.accountId,
          renewalDate: renewal.renewalDate,
          asOf,
          decidedAt: renewal.decidedAt,
          outcome: renewal.outcome,
          label: labelOf(renewal),
          arrBeforeCents: renewal.arrBeforeCents,
          values: entry.values,
          flags: entry.flags,
          details: entry.details,
        });
      }
      results[slot] = rows;
      options.onProgress?.(++done, work.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 2, work.length)) }, worker));
  // The scope leaves an account out before its contract starts and after a decided churn: tell which.
  const starts = await contractStarts(db, [...new Set(inactive.map(({ renewal }) => renewal.accountId))]);
  for (const { renewal, asOf } of inactive) {
    const start = starts.get(renewal.accountId);
    tally.count(labelOf(renewal), start !== undefined && start > asOf ? 'contract_not_started' : 'churn_already_decided');
  }
  return { indicators, leadDays: config.leadDays, rows: results.flat(), skipped: { notActiveAtAsOf, asOfNotBeforeCutoff, ...tally.result() } };
}

/** Rows whose outcome was known before midnight UTC starting `cutoff` and whose features were known by then. */
export function rowsKnownBefore(rows: readonly TrainingRow[], cutoff: string): TrainingRow[] {
  const cutoffMs = Date.parse(`${cutoff}T00:00:00Z`);
  return rows.filter((row) => Date.parse(row.decidedAt) < cutoffMs && row.asOf < cutoff);
}
