// Outcome classification and the save-rate statistics of `radar outcomes`. Pure.

export type RenewalOutcome = 'renewed' | 'churned' | 'downgraded' | 'expanded';
export type AlertOutcome = 'saved' | 'lost' | 'downgraded';

/** What a decided renewal means for an alert on the account: renewed or expanded = saved. */
export function classifyOutcome(outcome: string): AlertOutcome {
  switch (outcome) {
    case 'renewed':
    case 'expanded':
      return 'saved';
    case 'churned':
      return 'lost';
    case 'downgraded':
      return 'downgraded';
    default:
      throw new Error(`unknown renewal outcome "${outcome}"`);
  }
}

export interface Proportion {
  readonly successes: number;
  readonly total: number;
  /** successes / total, or null without data. */
  readonly rate: number | null;
  /** Wilson score interval. */
  readonly low: number | null;
  readonly high: number | null;
}

/** z for a two-sided 95 % interval. */
export const Z95 = 1.959963984540054;

/** Wilson score interval for a binomial proportion (better than the normal approximation at small n or rates near 0/1). */
export function wilson(successes: number, total: number, z = Z95): Proportion {
  if (total <= 0) return { successes, total, rate: null, low: null, high: null };
  const p = successes / total;
  const z2 = z * z;
  const centre = (p + z2 / (2 * total)) / (1 + z2 / total);
  const half = (z / (1 + z2 / total)) * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total));
  return { successes, total, rate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

export interface Difference {
  /** treated rate − control rate. */
  readonly estimate: number | null;
  readonly low: number | null;
  readonly high: number | null;
  readonly method: string;
}

/**
 * 95 % interval for p1 − p2 by Newcombe's hybrid score method (Newcombe 1998, method 10): the
 * Wilson intervals of both proportions combined by square-and-add. Unlike the Wald interval it stays
 * inside [−1, 1] and behaves at the small control groups a holdout produces.
 */
export function newcombeDifference(treated: Proportion, control: Proportion): Difference {
  const method = 'Newcombe hybrid score (Wilson) interval, 95 %';
  if (treated.rate === null || control.rate === null || treated.low === null || treated.high === null || control.low === null || control.high === null) {
    return { estimate: null, low: null, high: null, method };
  }
  const d = treated.rate - control.rate;
  const low = d - Math.sqrt((treated.rate - treated.low) ** 2 + (control.high - control.rate) ** 2);
  const high = d + Math.sqrt((treated.high - treated.rate) ** 2 + (control.rate - control.low) ** 2);
  return { estimate: d, low, high, method };
}

/** One (account, renewal) pair with at least one alert decision before it. */
export interface DecidedCase {
  readonly accountId: number;
  readonly renewalId: number;
  /** True when every alert decision for this renewal was a holdout. */
  readonly control: boolean;
  readonly outcome: AlertOutcome;
  readonly tasksTotal: number;
  readonly tasksDone: number;
}

export interface OutcomeReport {
  readonly treated: Proportion & { readonly downgraded: number; readonly lost: number };
  readonly control: Proportion & { readonly downgraded: number; readonly lost: number };
  readonly lift: Difference;
  readonly tasks: { readonly total: number; readonly done: number; readonly savedWithTaskDone: number };
}

/** Save rate = saved / decided, per group; accounts (per renewal) counted once however often alerted. */
export function outcomeReport(cases: readonly DecidedCase[]): OutcomeReport {
  const group = (control: boolean) => {
    const members = cases.filter((entry) => entry.control === control);
    const saved = members.filter((entry) => entry.outcome === 'saved').length;
    return {
      ...wilson(saved, members.length),
      downgraded: members.filter((entry) => entry.outcome === 'downgraded').length,
      lost: members.filter((entry) => entry.outcome === 'lost').length,
    };
  };
  const treated = group(false);
  const control = group(true);
  const treatedCases = cases.filter((entry) => !entry.control);
  return {
    treated,
    control,
    lift: newcombeDifference(treated, control),
    tasks: {
      total: treatedCases.reduce((sum, entry) => sum + entry.tasksTotal, 0),
      done: treatedCases.reduce((sum, entry) => sum + entry.tasksDone, 0),
      savedWithTaskDone: treatedCases.filter((entry) => entry.outcome === 'saved' && entry.tasksDone > 0).length,
    },
  };
}
