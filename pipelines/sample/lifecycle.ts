// Each account's contract history: one period per term, with its hidden distress, the signals that
// distress leaks into the data, and the renewal outcome at its end. Everything else (usage,
// tickets, invoices, the renewals file) is rendered from these periods.
import type { SampleAccount, SampleWindow } from './accounts.ts';
import { addYears, instantOf, type Day, type Instant } from './days.ts';
import { competitorPressure, type Market } from './market.ts';
import { CHURN, DISTRESS, NON_CHURN_OUTCOME, PAYMENT_STRESS, SUPPORT_SHIFT, USAGE_DECAY } from './mechanisms.ts';
import { clamp, randomStream, sigmoid, type Random } from './random.ts';

export type Outcome = 'renewed' | 'churned' | 'downgraded' | 'expanded';
export type SupportPattern = 'usual' | 'quiet' | 'escalation';

export interface ContractPeriod {
  /** First day of the term (inclusive). */
  readonly start: Day;
  /** Renewal day: the first day of the next term (exclusive end of this one). */
  readonly renewal: Day;
  readonly ordinal: number;
  readonly arrCents: number;
  readonly seats: number;
  readonly distress: number;
  /** Depth of the usage drop before the renewal (0 = none), when it starts and how fast it sets in. */
  readonly usageDecay: number;
  readonly decayOnsetDays: number;
  readonly decayRampDays: number;
  readonly support: SupportPattern;
  readonly supportIntensity: number;
  readonly quietFrom: Day;
  readonly paymentStress: number;
  readonly outcome: Outcome;
  readonly arrAfterCents: number;
  readonly decidedAt: Instant;
  /** Decided on or before the end date, for a renewal on or before it: the only outcomes written. */
  readonly known: boolean;
}

export interface AccountLife {
  readonly account: SampleAccount;
  readonly periods: readonly ContractPeriod[];
  readonly status: 'active' | 'churned';
  /** First and last day with usage (inclusive). */
  readonly firstDay: Day;
  readonly lastDay: Day;
  /** The churn renewal for churned accounts; the first renewal not decided by the end otherwise. */
  readonly renewalDate: Day;
  /** ARR of the current (or, for churned accounts, the last) term. */
  readonly arrCents: number;
}

interface Signals {
  usageDecay: number;
  decayOnsetDays: number;
  decayRampDays: number;
  support: SupportPattern;
  supportIntensity: number;
  quietFrom: Day;
  paymentStress: number;
}

/** Noisy, separate readouts of one period's distress; a false alarm boosts one of them. */
function signalsFor(rng: Random, distress: number, renewal: Day): Signals {
  const falseAlarm = rng.chance(DISTRESS.falseAlarmShare) ? rng.pick(['usage', 'support', 'payment'] as const) : null;
  const boost = (channel: typeof falseAlarm) => (falseAlarm === channel ? DISTRESS.falseAlarmBoost : 0);

  const usageSignal = distress + rng.normal(0, USAGE_DECAY.signalNoise) + boost('usage');
  const supportSignal = distress + rng.normal(0, SUPPORT_SHIFT.signalNoise) + boost('support');
  const paymentSignal = distress + rng.normal(0, PAYMENT_STRESS.signalNoise) + boost('payment');
  const supportShifted = supportSignal > SUPPORT_SHIFT.threshold;
  return {
    usageDecay: clamp(USAGE_DECAY.perUnit * (usageSignal - USAGE_DECAY.threshold), 0, USAGE_DECAY.max),
    decayOnsetDays: Math.round(USAGE_DECAY.onsetDays[1] - (USAGE_DECAY.onsetDays[1] - USAGE_DECAY.onsetDays[0]) * rng.next() ** (1 / USAGE_DECAY.onsetSkew)),
    decayRampDays: rng.int(USAGE_DECAY.rampDays[0], USAGE_DECAY.rampDays[1]),
    support: supportShifted ? (rng.chance(SUPPORT_SHIFT.quietShare) ? 'quiet' : 'escalation') : 'usual',
    supportIntensity: supportShifted ? supportSignal - SUPPORT_SHIFT.threshold : 0,
    quietFrom: renewal - rng.int(SUPPORT_SHIFT.quietStartDays[0], SUPPORT_SHIFT.quietStartDays[1]),
    paymentStress: Math.max(0, paymentSignal - PAYMENT_STRESS.threshold),
  };
}

function churnProbability(account: SampleAccount, distress: number, ordinal: number, pressure: number): number {
  const logit =
    CHURN.intercept +
    CHURN.perDistress * distress +
    CHURN.segment[account.segment] +
    CHURN.industry[account.industry] +
    (ordinal === 1 ? CHURN.firstRenewal : 0) +
    CHURN.perCompetitorBurst * pressure;
  return sigmoid(logit);
}

function outcomeFor(rng: Random, account: SampleAccount, distress: number, churnOdds: number, mayChurn: boolean): Outcome {
  if (mayChurn && (rng.chance(churnOdds) || rng.chance(CHURN.noiseChurnShare))) return 'churned';
  if (rng.chance(sigmoid(NON_CHURN_OUTCOME.downgradeIntercept + NON_CHURN_OUTCOME.downgradePerDistress * distress))) return 'downgraded';
  const enterpriseBonus = account.segment === 'enterprise' ? NON_CHURN_OUTCOME.expandEnterpriseBonus : 0;
  if (rng.chance(sigmoid(NON_CHURN_OUTCOME.expandIntercept + NON_CHURN_OUTCOME.expandPerDistress * distress + enterpriseBonus))) return 'expanded';
  return 'renewed';
}

function arrAfter(rng: Random, outcome: Outcome, arrCents: number): number {
  const roundToDollars = (cents: number) => Math.round(cents / 100) * 100;
  switch (outcome) {
    case 'churned':
      return 0;
    case 'renewed':
      return arrCents;
    case 'downgraded':
      return Math.min(arrCents - 100, roundToDollars(arrCents * rng.between(0.5, 0.9)));
    case 'expanded':
      return Math.max(arrCents + 100, roundToDollars(arrCents * rng.between(1.1, 1.6)));
  }
}

/** Churn notice usually comes before the renewal; other decisions cluster around it. */
function decisionInstant(rng: Random, outcome: Outcome, renewal: Day): Instant {
  const offsetDays = outcome === 'churned' ? rng.int(-30, 0) : rng.int(-25, 10);
  return instantOf(renewal + offsetDays, rng.int(8 * 3600, 19 * 3600));
}

export function liveAccount(account: SampleAccount, market: Market, window: SampleWindow, seed: number): AccountLife {
  const rng = randomStream(seed, 'lifecycle', account.index);
  const endOfRecords = instantOf(window.end + 1);
  const periods: ContractPeriod[] = [];
  let arrCents = account.startArrCents;
  let start = account.contractStart;
  // Terms up to and including the one that contains the end date (its outcome stays hidden).
  for (let ordinal = 1; start <= window.end; ordinal++) {
    const renewal = addYears(account.contractStart, ordinal * account.termYears);
    const distress = -DISTRESS.healthLoading * account.traits.health + Math.sqrt(1 - DISTRESS.healthLoading ** 2) * rng.normal();
    const signals = signalsFor(rng, distress, renewal);
    const churnOdds = churnProbability(account, distress, ordinal, competitorPressure(market, account.segment, renewal));
    // Accounts are sampled from the customers on the books during the window: none churned before it.
    const outcome = outcomeFor(rng, account, distress, churnOdds, renewal >= window.start);
    const decidedAt = decisionInstant(rng, outcome, renewal);
    const arrAfterCents = arrAfter(rng, outcome, arrCents);
    periods.push({
      start,
      renewal,
      ordinal,
      arrCents,
      seats: Math.max(1, Math.round(arrCents / account.pricePerSeatCents)),
      distress,
      ...signals,
      outcome,
      arrAfterCents,
      decidedAt,
      known: renewal <= window.end && decidedAt < endOfRecords,
    });
    if (outcome === 'churned') break;
    arrCents = arrAfterCents;
    start = renewal;
  }
  return summarise(account, periods, window);
}

function summarise(account: SampleAccount, periods: readonly ContractPeriod[], window: SampleWindow): AccountLife {
  const churn = periods.find((period) => period.outcome === 'churned' && period.known);
  const pending = periods.find((period) => !period.known) ?? (periods[periods.length - 1] as ContractPeriod);
  const firstDay = Math.max(account.contractStart, window.start);
  if (churn) {
    return { account, periods, status: 'churned', firstDay, lastDay: churn.renewal, renewalDate: churn.renewal, arrCents: churn.arrCents };
  }
  return { account, periods, status: 'active', firstDay, lastDay: window.end, renewalDate: pending.renewal, arrCents: pending.arrCents };
}

/** The term a day falls in; days past the last renewal (a churned account's final day) use the last term. */
export function periodIndexAt(life: AccountLife, day: Day, hint = 0): number {
  let index = hint;
  while (index < life.periods.length - 1 && day >= (life.periods[index] as ContractPeriod).renewal) index++;
  return index;
}

