// The renewal forecast's maths. Pure: accounts in, figures out; no database, no clock.
//
// Each renewal is one independent Bernoulli trial: renewed with probability 1 − p (p = the account's
// churn probability from its latest score, or its segment's historical churn rate when it has no score).
// - Renewed logos: the distribution of the count, Poisson-binomial, by dynamic programming on a trimmed
//   support (O(n·w), w the width where the mass is; exact to rounding, see `PMF_TRIM_MASS`).
// - Renewed ARR: a sum of unequal weights has no tractable exact distribution, so it is simulated with a
//   fixed seed (same accounts + same seed → the same interval, byte for byte).
// Intervals are equal-tailed: the 80% interval runs from the 10th to the 90th percentile.
//
// The work is written as generators that yield every so often (`forecastPeriodSteps`): the synchronous
// functions run them to the end; `forecastPeriodYielding` lets the event loop run between slices, so a
// BullMQ worker renews its job locks while a forecast of 100,000 accounts is computed.
import { Random } from '../sample/random.ts';
import { ExponentialDraws } from './exponential.ts';

export const INTERVAL_LEVELS = [0.8, 0.95] as const;

/**
 * The most probability mass the Poisson-binomial drops at each edge of its support per trial: an entry at
 * the low or high end is set to zero (and skipped from then on) while the entries dropped at that end in
 * that step sum to less than this. The mass lost in all is at most 2·n·1e-20 (2·10⁻¹⁴ for a million
 * renewals), far below the DP's own rounding (about n·10⁻¹⁶) and the 1e-12 slack of `pmfQuantile`. While
 * nothing is dropped the figures are bit-identical to the untrimmed DP's.
 */
export const PMF_TRIM_MASS = 1e-20;

/** P(exactly k renewed) for k = 0 … n, for independent trials renewing with `renewProbabilities[i]`. */
export function poissonBinomial(renewProbabilities: readonly number[]): Float64Array {
  const pmf = new Float64Array(renewProbabilities.length + 1);
  pmf[0] = 1;
  // The support still computed: pmf is zero outside lo … hi.
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < renewProbabilities.length; i++) {
    const q = renewProbabilities[i]!;
    if (!(q >= 0 && q <= 1)) throw new RangeError(`probability ${i} must be in [0, 1], got ${q}`);
    const r = 1 - q;
    // Backwards so pmf[k − 1] is still the previous step's value when pmf[k] is updated.
    hi++;
    for (let k = hi; k > lo; k--) pmf[k] = pmf[k]! * r + pmf[k - 1]! * q;
    pmf[lo] = pmf[lo]! * r;
    let dropped = 0;
    while (lo < hi && dropped + pmf[lo]! < PMF_TRIM_MASS) {
      dropped += pmf[lo]!;
      pmf[lo++] = 0;
    }
    dropped = 0;
    while (hi > lo && dropped + pmf[hi]! < PMF_TRIM_MASS) {
      dropped += pmf[hi]!;
      pmf[hi--] = 0;
    }
  }
  return pmf;
}

/** The smallest k whose cumulative probability reaches `quantile` (a 1e-12 slack absorbs rounding). */
export function pmfQuantile(pmf: ArrayLike<number>, quantile: number): number {
  let cumulative = 0;
  for (let k = 0; k < pmf.length; k++) {
    cumulative += pmf[k]!;
    if (cumulative >= quantile - 1e-12) return k;
  }
  return pmf.length - 1;
}

/** Nearest-rank quantile of ascending samples. */
export function sampleQuantile(sorted: ArrayLike<number>, quantile: number): number {
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(quantile * sorted.length) - 1));
  return sorted[rank]!;
}

export interface Interval {
  readonly level: number;
  readonly low: number;
  readonly high: number;
}

const tails = (level: number) => [(1 - level) / 2, 1 - (1 - level) / 2] as const;

export function countIntervals(pmf: ArrayLike<number>): Interval[] {
  return INTERVAL_LEVELS.map((level) => {
    const [low, high] = tails(level);
    return { level, low: pmfQuantile(pmf, low), high: pmfQuantile(pmf, high) };
  });
}

export function sampleIntervals(sorted: ArrayLike<number>): Interval[] {
  return INTERVAL_LEVELS.map((level) => {
    const [low, high] = tails(level);
    return { level, low: sampleQuantile(sorted, low), high: sampleQuantile(sorted, high) };
  });
}

export interface WeightedTrial {
  readonly renewProbability: number;
  /** Integer cents. */
  readonly weight: number;
  /** The groups (segment, CSM…) this trial also counts in. */
  readonly groups?: readonly string[];
}

/**
 * The simulations where a trial's rarer outcome happens: gaps ⌊E / −ln(1 − rarity)⌋ between them, E ~ Exp(1),
 * are geometric, P(gap ≥ k) = (1 − rarity)^k. A plain class (not the generator) so the hot loop keeps its
 * state in registers.
 */
class GapDraws {
  private readonly draws = new Float64Array(4096);
  private drawn = this.draws.length;

  constructor(
    private readonly exponential: ExponentialDraws,
    private readonly simulations: number,
  ) {}

  /**
   * Adds `change` to target[rows[j] + s], for j from … to − 1, in each simulation s where the outcome
   * happens; returns how many simulations that was.
   */
  addToRows(target: Float64Array, rows: Int32Array, from: number, to: number, rarity: number, change: number): number {
    const { draws, simulations } = this;
    const perExponential = -1 / Math.log1p(-rarity);
    let drawn = this.drawn;
    let count = 0;
    for (let s = -1; ; count++) {
      if (drawn === draws.length) {
        this.exponential.fill(draws);
        drawn = 0;
      }
      s += 1 + Math.floor(draws[drawn++]! * perExponential);
      if (s >= simulations) break;
      for (let j = from; j < to; j++) target[rows[j]! + s]! += change;
    }
    this.drawn = drawn;
    return count;
  }
}

const POOLED_ROW = Int32Array.of(0);

/** Outcomes drawn between two yields of the simulation (about 5–20 ms of work). */
const EVENTS_PER_SLICE = 1 << 19;

/**
 * Sorted simulated sums of the renewed weights, for the whole set ('*') and every group, from the same
 * draws (so a group's interval and the total's come from one joint simulation).
 */
export function simulateRenewedSums(trials: readonly WeightedTrial[], options: { readonly simulations: number; readonly seed: number }): Map<string, Float64Array> {
  return runToEnd(simulationSteps(trials, options));
}

/**
 * The simulation, trial by trial: trial t's outcome in simulation s is its own Bernoulli draw, and only
 * the simulations where the rarer outcome happens are visited. The gap to the next one is geometric
 * (⌊E / −ln(1 − r)⌋ for rarity r and an exponential draw E, the inverse transform of ⌊ln U / ln(1 − r)⌋),
 * which is exactly the distribution of the run of common outcomes between two rare ones. So every
 * simulation's outcome has the same law as one uniform draw per trial and simulation, at the cost of
 * min(p, 1 − p) of the draws (about an eighth at typical churn rates). Same trials in the same order + same seed → the same sums, byte for byte.
 * A trial's draws depend on its place in that order, so a forecast's figures are reproducible but
 * not those of the one-draw-per-trial simulation this replaced (the same law, other draws).
 */
function* simulationSteps(trials: readonly WeightedTrial[], options: { readonly simulations: number; readonly seed: number }): Generator<void, Map<string, Float64Array>> {
  const keys = ['*', ...new Set(trials.flatMap((trial) => trial.groups ?? []))];
  const index = new Map(keys.map((key, i) => [key, i]));
  // Flat typed arrays: trial t adds its weight to the groups member[start[t]] … member[start[t + 1] − 1].
  const n = trials.length;
  const renew = Float64Array.from(trials, (trial) => trial.renewProbability);
  const weight = Float64Array.from(trials, (trial) => trial.weight);
  const start = new Int32Array(n + 1);
  const member = Int32Array.from(
    trials.flatMap((trial, t) => {
      start[t + 1] = start[t]! + 1 + (trial.groups?.length ?? 0);
      return [0, ...(trial.groups ?? []).map((group) => index.get(group)!)];
    }),
  );
  // Every simulation starts from what renews when each trial takes its likelier outcome (renewing when
  // p ≥ ½); then each trial's rare outcomes move its weight in the simulations where they happen. Exact:
  // the weights are integers and every sum stays below 2^53.
  const base = new Float64Array(keys.length);
  for (let t = 0; t < n; t++) {
    if (!Number.isSafeInteger(weight[t]!)) throw new RangeError(`weight ${t} must be an integer (cents), got ${weight[t]}`);
    if (!(renew[t]! >= 0 && renew[t]! <= 1)) throw new RangeError(`probability ${t} must be in [0, 1], got ${renew[t]}`);
    if (renew[t]! >= 0.5) for (let j = start[t]!; j < start[t + 1]!; j++) base[member[j]!]! += weight[t]!;
  }
  const total = trials.reduce((sum, trial) => sum + trial.weight, 0);
  if (!(total <= Number.MAX_SAFE_INTEGER)) throw new RangeError(`the weights sum to ${total}, beyond exact integers`);
  const simulations = options.simulations;
  // One flat array, group g's simulations at g·simulations …: a trial's rare outcomes touch its few groups' rows in ascending order.
  const flat = new Float64Array(keys.length * simulations);
  for (let g = 0; g < keys.length; g++) flat.fill(base[g]!, g * simulations, (g + 1) * simulations);
  const rowStart = Int32Array.from(member, (g) => g * simulations);
  const gaps = new GapDraws(new ExponentialDraws(new Random([options.seed >>> 0, 0x9e3779b9, 0x85ebca6b, 0xc2b2ae35]), new Random([options.seed >>> 0, 0x27d4eb2f, 0x165667b1, 0xd3a2646c])), simulations);
  // Trials that count in the same groups are simulated together (in order of first appearance, each
  // set in input order) and, when they have a few rare outcomes per simulation between them, add up in
  // one pooled row that is added to each group's row once: one write per outcome instead of one per
  // group, in a row that stays in cache.
  const sameGroups = new Map<string, number[]>();
  for (let t = 0; t < n; t++) {
    const key = member.subarray(start[t]!, start[t + 1]!).join(',');
    const set = sameGroups.get(key);
    if (set) set.push(t);
    else sameGroups.set(key, [t]);
  }
  const rarity = Float64Array.from(renew, (p) => Math.min(p, 1 - p));
  const pooled = new Float64Array(simulations);
  let work = 0;
  for (const set of sameGroups.values()) {
    const from = start[set[0]!]!;
    const to = start[set[0]! + 1]!;
    // Pooling costs one pass over the set's groups' rows: worth it from two expected outcomes per simulation.
    const pool = set.reduce((sum, t) => sum + rarity[t]!, 0) >= 2;
    if (pool) pooled.fill(0);
    for (const t of set) {
      work++;
      if (rarity[t] === 0) continue;
      // The rare outcome: churn when the trial mostly renews (its weight leaves the sums), renewal otherwise (it joins them).
      const change = renew[t]! >= 0.5 ? -weight[t]! : weight[t]!;
      work += pool ? gaps.addToRows(pooled, POOLED_ROW, 0, 1, rarity[t]!, change) : gaps.addToRows(flat, rowStart, from, to, rarity[t]!, change);
      if (work >= EVENTS_PER_SLICE) {
        work = 0;
        yield;
      }
    }
    if (pool) {
      for (let j = from; j < to; j++) {
        const row = rowStart[j]!;
        for (let s = 0; s < simulations; s++) flat[row + s]! += pooled[s]!;
      }
      work += (to - from) * (simulations >> 3);
    }
  }
  const sums = keys.map((_, g) => flat.subarray(g * simulations, (g + 1) * simulations));
  for (const values of sums) values.sort();
  return new Map(keys.map((key, i) => [key, sums[i]!]));
}

function runToEnd<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

async function runYielding<T>(steps: Generator<void, T>): Promise<T> {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

// ---- The forecast of one period ---------------------------------------------------------------

export interface ForecastAccount {
  readonly accountId: number;
  readonly name: string;
  readonly segment: string;
  readonly csm: string | null;
  readonly renewalDate: string;
  readonly arrCents: number;
  /** From the latest score on or before the as-of day; null when the account has none. */
  readonly churnProbability: number | null;
  /** The renewal was already decided by the as-of day: a certain outcome, not a forecast. */
  readonly decided?: 'renewed' | 'churned';
}

export interface GroupForecast {
  /** '*' (all), a segment, a CSM ('(no CSM)' when none), 'scored' or 'unscored'. */
  readonly key: string;
  readonly accounts: number;
  readonly arrDueCents: number;
  readonly expectedRenewedLogos: number;
  readonly renewedLogos: readonly Interval[];
  /** Whole cents (rounded). */
  readonly expectedRenewedCents: number;
  readonly renewedCents: readonly Interval[];
  /** expected renewed logos ÷ accounts (null without accounts). */
  readonly logoRetention: number | null;
  /** Gross revenue retention if nobody downgrades: expected renewed ARR ÷ ARR due. */
  readonly grossRevenueRetention: number | null;
}

/** Where an account's churn probability comes from. */
export type ForecastSource = 'score' | 'segment_rate' | 'decided';

export interface Contributor {
  readonly accountId: number;
  readonly name: string;
  readonly segment: string;
  readonly csm: string | null;
  readonly renewalDate: string;
  readonly arrCents: number;
  readonly churnProbability: number;
  readonly source: ForecastSource;
  /** churn probability × ARR, rounded to cents. */
  readonly expectedLossCents: number;
}

export interface PeriodForecast {
  readonly total: GroupForecast;
  /** Accounts with a score, those counted at their segment's historical rate, and renewals already decided. */
  readonly scored: GroupForecast;
  readonly unscored: GroupForecast;
  readonly decided: GroupForecast;
  readonly segments: readonly GroupForecast[];
  readonly csms: readonly GroupForecast[];
  /** Every account in the forecast, largest expected loss first (so the top contributors lead). */
  readonly accounts: readonly Contributor[];
}

export interface ForecastOptions {
  /** Churn rate per segment for unscored accounts; `fallbackChurnRate` for a segment with no history. */
  readonly segmentChurnRates: ReadonlyMap<string, number>;
  readonly fallbackChurnRate: number;
  readonly simulations: number;
  readonly seed: number;
}

export const NO_CSM = '(no CSM)';

function groupForecast(key: string, members: readonly Contributor[], sortedSums: Float64Array): GroupForecast {
  const renew = members.map((member) => 1 - member.churnProbability);
  const pmf = poissonBinomial(renew);
  const expectedRenewedLogos = renew.reduce((a, b) => a + b, 0);
  const arrDueCents = members.reduce((total, member) => total + member.arrCents, 0);
  const expectedRenewedCents = Math.round(members.reduce((total, member, i) => total + member.arrCents * renew[i]!, 0));
  return {
    key,
    accounts: members.length,
    arrDueCents,
    expectedRenewedLogos,
    renewedLogos: countIntervals(pmf),
    expectedRenewedCents,
    renewedCents: sampleIntervals(sortedSums),
    logoRetention: members.length === 0 ? null : expectedRenewedLogos / members.length,
    grossRevenueRetention: arrDueCents === 0 ? null : expectedRenewedCents / arrDueCents,
  };
}

export function forecastPeriod(accounts: readonly ForecastAccount[], options: ForecastOptions): PeriodForecast {
  return runToEnd(forecastPeriodSteps(accounts, options));
}

/** `forecastPeriod`, letting the event loop run every few tens of milliseconds (the same figures). */
export function forecastPeriodYielding(accounts: readonly ForecastAccount[], options: ForecastOptions): Promise<PeriodForecast> {
  return runYielding(forecastPeriodSteps(accounts, options));
}

function* forecastPeriodSteps(accounts: readonly ForecastAccount[], options: ForecastOptions): Generator<void, PeriodForecast> {
  const contributors: Contributor[] = accounts.map((account) => {
    const source: ForecastSource = account.decided ? 'decided' : account.churnProbability !== null ? 'score' : 'segment_rate';
    const churnProbability = account.decided
      ? account.decided === 'churned' ? 1 : 0
      : (account.churnProbability ?? options.segmentChurnRates.get(account.segment) ?? options.fallbackChurnRate);
    return {
      accountId: account.accountId,
      name: account.name,
      segment: account.segment,
      csm: account.csm,
      renewalDate: account.renewalDate,
      arrCents: account.arrCents,
      churnProbability,
      source,
      expectedLossCents: Math.round(churnProbability * account.arrCents),
    };
  });
  const groupsOf = (c: Contributor) => [`source:${c.source}`, `segment:${c.segment}`, `csm:${c.csm ?? NO_CSM}`];
  const sums = yield* simulationSteps(
    contributors.map((c) => ({ renewProbability: 1 - c.churnProbability, weight: c.arrCents, groups: groupsOf(c) })),
    options,
  );
  const empty = new Float64Array([0]);
  const group = (key: string, label: string, members: readonly Contributor[]) => groupForecast(label, members, sums.get(key) ?? empty);
  const byKey = (prefix: string, keyOf: (c: Contributor) => string) =>
    [...new Set(contributors.map(keyOf))].sort().map((value) => group(`${prefix}:${value}`, value, contributors.filter((c) => keyOf(c) === value)));
  return {
    total: group('*', '*', contributors),
    scored: group('source:score', 'scored', contributors.filter((c) => c.source === 'score')),
    unscored: group('source:segment_rate', 'unscored', contributors.filter((c) => c.source === 'segment_rate')),
    decided: group('source:decided', 'decided', contributors.filter((c) => c.source === 'decided')),
    segments: byKey('segment', (c) => c.segment),
    csms: byKey('csm', (c) => c.csm ?? NO_CSM),
    accounts: [...contributors].sort((a, b) => b.expectedLossCents - a.expectedLossCents || a.accountId - b.accountId),
  };
}

/** The interval at a level (0.8 or 0.95). */
export function intervalAt(intervals: readonly Interval[], level: number): Interval {
  const found = intervals.find((interval) => interval.level === level);
  if (!found) throw new RangeError(`no ${level} interval`);
  return found;
}
