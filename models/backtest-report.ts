// Backtest aggregation (pure): from the scores each backtest step gave and what happened at each
// renewal, the per-tier figures an analyst compares between the model and the scorecard, or between
// two configs. No database here; models/backtest.ts collects the inputs.
//
// Unit of counting: an episode = one account's one renewal. Every step whose horizon contains the
// renewal scores it again; the episode is "alerted" at a tier when any of those scores reaches the
// tier's cut-off, and its first such step is when the alert was raised (alerts are deduplicated the
// same way in production: one per account and renewal).
import type { Tier, TierCutoffs } from './radar-model.ts';
import { rocAuc } from './metrics.ts';

export interface StepScore {
  /** The backtest step D. */
  readonly asOf: string;
  readonly accountId: number;
  /** The renewal the score is about (next renewal after D). */
  readonly renewalDate: string;
  readonly probability: number;
}

export interface EpisodeOutcome {
  readonly churned: boolean;
  /** ARR at stake (before the renewal), in cents. */
  readonly arrCents: number;
}

export interface TierFigures {
  readonly tier: Exclude<Tier, 'low'>;
  readonly cutoff: number;
  /** Episodes (account × renewal) that reached the tier at some step, decided or not. */
  readonly alerts: number;
  /** Alerted episodes whose renewal was decided, and of them the churned ones. */
  readonly alertsDecided: number;
  readonly truePositives: number;
  readonly precision: number | null;
  /** Share of churned episodes that were alerted. */
  readonly recall: number | null;
  /** Share of churned ARR that was alerted. */
  readonly arrRecall: number | null;
  /** Median days from the first alert at this tier to the renewal, over alerted churned episodes. */
  readonly medianLeadDays: number | null;
  readonly alertsPerCsmPerWeek: number | null;
}

export interface ScorerFigures {
  /** ROC AUC over every (step, account) score with a decided outcome. */
  readonly auc: number | null;
  readonly tiers: TierFigures[];
}

export interface BacktestSummary {
  readonly steps: number;
  readonly weeks: number;
  readonly episodes: number;
  readonly decided: number;
  readonly churned: number;
  readonly churnedArrCents: number;
  readonly csms: number;
}

const DAY_MS = 86_400_000;
const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
export const episodeKey = (accountId: number, renewalDate: string) => `${accountId}|${renewalDate}`;

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export interface AggregateInput {
  readonly scores: readonly StepScore[];
  /** Outcomes by episodeKey; an episode without one was not decided by the end of the data. */
  readonly outcomes: ReadonlyMap<string, EpisodeOutcome>;
  /** CSM of each account (null = unassigned, counted as one owner). */
  readonly owners: ReadonlyMap<number, string | null>;
  readonly tiers: TierCutoffs;
  /** Number of steps and days between them: the period alerts are spread over is steps × stepDays. */
  readonly steps: number;
  readonly stepDays: number;
}

export function summarise(input: AggregateInput): BacktestSummary {
  const episodes = new Set(input.scores.map((score) => episodeKey(score.accountId, score.renewalDate)));
  let decided = 0;
  let churned = 0;
  let churnedArrCents = 0;
  for (const key of episodes) {
    const outcome = input.outcomes.get(key);
    if (!outcome) continue;
    decided++;
    if (outcome.churned) {
      churned++;
      churnedArrCents += outcome.arrCents;
    }
  }
  const owners = new Set(input.scores.map((score) => input.owners.get(score.accountId) ?? null));
  return { steps: input.steps, weeks: (input.steps * input.stepDays) / 7, episodes: episodes.size, decided, churned, churnedArrCents, csms: owners.size };
}

/** Per-tier figures for one scorer's step scores. */
export function aggregate(input: AggregateInput): ScorerFigures {
  const summary = summarise(input);
  const labelled = input.scores.filter((score) => input.outcomes.has(episodeKey(score.accountId, score.renewalDate)));
  const auc = rocAuc(
    labelled.map((score) => (input.outcomes.get(episodeKey(score.accountId, score.renewalDate))!.churned ? 1 : 0)),
    labelled.map((score) => score.probability),
  );
  const cutoffs: { tier: Exclude<Tier, 'low'>; cutoff: number }[] = [
    { tier: 'medium', cutoff: input.tiers.medium },
    { tier: 'high', cutoff: input.tiers.high },
    { tier: 'critical', cutoff: input.tiers.critical },
  ];
  const tiers = cutoffs.map(({ tier, cutoff }): TierFigures => {
    // First step at which each episode reached the cut-off.
    const firstAlert = new Map<string, { asOf: string; renewalDate: string }>();
    for (const score of input.scores) {
      if (score.probability < cutoff) continue;
      const key = episodeKey(score.accountId, score.renewalDate);
      const seen = firstAlert.get(key);
      if (!seen || score.asOf < seen.asOf) firstAlert.set(key, { asOf: score.asOf, renewalDate: score.renewalDate });
    }
    let alertsDecided = 0;
    let truePositives = 0;
    let alertedChurnedArr = 0;
    const leads: number[] = [];
    for (const [key, alert] of firstAlert) {
      const outcome = input.outcomes.get(key);
      if (!outcome) continue;
      alertsDecided++;
      if (outcome.churned) {
        truePositives++;
        alertedChurnedArr += outcome.arrCents;
        leads.push(daysBetween(alert.asOf, alert.renewalDate));
      }
    }
    const alerts = firstAlert.size;
    return {
      tier,
      cutoff,
      alerts,
      alertsDecided,
      truePositives,
      precision: alertsDecided > 0 ? truePositives / alertsDecided : null,
      recall: summary.churned > 0 ? truePositives / summary.churned : null,
      arrRecall: summary.churnedArrCents > 0 ? alertedChurnedArr / summary.churnedArrCents : null,
      medianLeadDays: median(leads),
      alertsPerCsmPerWeek: summary.csms > 0 && summary.weeks > 0 ? alerts / summary.csms / summary.weeks : null,
    };
  });
  return { auc, tiers };
}

// ---- rendering --------------------------------------------------------------------------------

export interface BacktestRun {
  readonly label: string;
  readonly configVersion: string;
  readonly summary: BacktestSummary;
  /** Steps where no model could be trained (too few decided renewals, or one class only). */
  readonly skippedSteps: readonly string[];
  readonly model: ScorerFigures;
  readonly scorecard: ScorerFigures;
}

const fixed = (value: number | null, digits: number) => (value === null ? '—' : value.toFixed(digits));
const share = (value: number | null) => (value === null ? '—' : `${(value * 100).toFixed(1)}%`);

/** The terminal table: one line per config × scorer × tier. */
export function renderBacktestTable(runs: readonly BacktestRun[]): string {
  const header = ['config', 'scorer', 'AUC', 'tier', 'cut-off', 'alerts', 'precision', 'recall', 'ARR recall', 'median lead (d)', 'alerts/CSM/wk'];
  const lines: string[][] = [];
  for (const run of runs) {
    for (const [scorer, figures] of [
      ['model', run.model],
      ['scorecard', run.scorecard],
    ] as const) {
      for (const tier of figures.tiers) {
        lines.push([
          run.label,
          scorer,
          fixed(figures.auc, 3),
          tier.tier,
          tier.cutoff.toFixed(2),
          String(tier.alerts),
          share(tier.precision),
          share(tier.recall),
          share(tier.arrRecall),
          fixed(tier.medianLeadDays, 0),
          fixed(tier.alertsPerCsmPerWeek, 2),
        ]);
      }
    }
  }
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column]!.length)));
  const format = (cells: readonly string[]) => cells.map((cell, column) => (column <= 1 || column === 3 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
  const out = [format(header), widths.map((width) => '-'.repeat(width)).join('  '), ...lines.map(format)];
  for (const run of runs) {
    const s = run.summary;
    out.push(
      `${run.label}: ${s.steps} steps over ${s.weeks.toFixed(1)} weeks, ${s.episodes} renewals scored (${s.decided} decided, ${s.churned} churned, ` +
        `$${Math.round(s.churnedArrCents / 100).toLocaleString('en-US')} churned ARR), ${s.csms} CSMs` +
        (run.skippedSteps.length > 0 ? `; no model at ${run.skippedSteps.length} steps (${run.skippedSteps[0]}…)` : ''),
    );
  }
  return out.join('\n');
}
