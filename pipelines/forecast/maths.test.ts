// The forecast maths against brute force (every outcome enumerated) on small cases and against a
// plain simulation on large ones; hand-computed values where a person can check them.
import { describe, expect, it } from 'vitest';
import { Random } from '../sample/random.ts';
import { countIntervals, forecastPeriod, forecastPeriodYielding, intervalAt, PMF_TRIM_MASS, pmfQuantile, poissonBinomial, sampleQuantile, simulateRenewedSums, type ForecastAccount } from './maths.ts';
import { parseForecastPeriod, upcomingPeriods } from './periods.ts';

/** Every one of the 2ⁿ outcomes with its probability: renewed count and renewed weight. */
function enumerate(renew: readonly number[], weights: readonly number[] = renew.map(() => 0)) {
  const outcomes: { count: number; weight: number; probability: number }[] = [];
  for (let mask = 0; mask < 2 ** renew.length; mask++) {
    let probability = 1;
    let count = 0;
    let weight = 0;
    renew.forEach((q, i) => {
      const renewed = (mask >> i) & 1;
      probability *= renewed ? q : 1 - q;
      count += renewed;
      weight += renewed ? weights[i]! : 0;
    });
    outcomes.push({ count, weight, probability });
  }
  return outcomes;
}

describe('Poisson-binomial', () => {
  it('two fair coins: 1/4, 1/2, 1/4; the 80% interval is 0 … 2', () => {
    const pmf = poissonBinomial([0.5, 0.5]);
    expect([...pmf]).toEqual([0.25, 0.5, 0.25]);
    expect(intervalAt(countIntervals(pmf), 0.8)).toEqual({ level: 0.8, low: 0, high: 2 });
  });

  it('equals brute-force enumeration on small cases, certain outcomes included', () => {
    const random = new Random([1, 2, 3, 4]);
    for (const n of [1, 3, 6, 10, 12]) {
      const renew = Array.from({ length: n }, (_, i) => (i === 0 ? 1 : i === 1 && n > 2 ? 0 : random.next()));
      const exact = new Array<number>(n + 1).fill(0);
      for (const outcome of enumerate(renew)) exact[outcome.count]! += outcome.probability;
      const pmf = poissonBinomial(renew);
      pmf.forEach((p, k) => expect(p).toBeCloseTo(exact[k]!, 12));
    }
  });

  it('matches a simulation of 400 accounts: quantiles within one logo, mean within 0.1', () => {
    const random = new Random([9, 8, 7, 6]);
    const renew = Array.from({ length: 400 }, () => 0.5 + 0.5 * random.next());
    const pmf = poissonBinomial(renew);
    const runs = 40_000;
    const counts = new Float64Array(runs);
    for (let s = 0; s < runs; s++) for (const q of renew) counts[s]! += random.next() < q ? 1 : 0;
    counts.sort();
    for (const q of [0.025, 0.1, 0.5, 0.9, 0.975]) expect(Math.abs(pmfQuantile(pmf, q) - sampleQuantile(counts, q))).toBeLessThanOrEqual(1);
    const mean = renew.reduce((a, b) => a + b, 0);
    expect(Math.abs(counts.reduce((a, b) => a + b, 0) / runs - mean)).toBeLessThan(0.1);
    expect(pmf.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('on its trimmed support, equals the full O(n²) DP: every quantile, each probability within 1e-14', () => {
    // The plain DP, every entry kept (the method before the support was trimmed).
    const fullDp = (renew: readonly number[]) => {
      const pmf = new Float64Array(renew.length + 1);
      pmf[0] = 1;
      renew.forEach((q, i) => {
        for (let k = i + 1; k >= 1; k--) pmf[k] = pmf[k]! * (1 - q) + pmf[k - 1]! * q;
        pmf[0] = pmf[0]! * (1 - q);
      });
      return pmf;
    };
    const random = new Random([5, 6, 7, 8]);
    const cases: [string, () => number][] = [
      ['uniform', () => random.next()],
      ['mostly renewing, as scores are', () => 0.6 + 0.4 * random.next()],
      ['near-certain, with decided 0s and 1s', () => { const u = random.next(); return u < 0.1 ? 0 : u < 0.3 ? 1 : 0.99 + 0.01 * random.next(); }],
      ['tiny probabilities', () => 1e-4 * random.next()],
    ];
    const quantiles = [0.001, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975, 0.99, 0.999];
    for (const n of [60, 700, 3000]) {
      for (const [label, draw] of cases) {
        const renew = Array.from({ length: n }, draw);
        const full = fullDp(renew);
        const trimmed = poissonBinomial(renew);
        const context = `${label}, n = ${n}`;
        for (const q of quantiles) expect(pmfQuantile(trimmed, q), `${context}, quantile ${q}`).toBe(pmfQuantile(full, q));
        expect(countIntervals(trimmed), context).toEqual(countIntervals(full));
        let worst = 0;
        full.forEach((p, k) => (worst = Math.max(worst, Math.abs(p - trimmed[k]!))));
        expect(worst, context).toBeLessThan(1e-14);
        // The mass dropped is at most 2·n·PMF_TRIM_MASS (plus the DP's rounding).
        expect(Math.abs(trimmed.reduce((a, b) => a + b, 0) - full.reduce((a, b) => a + b, 0)), context).toBeLessThan(2 * n * PMF_TRIM_MASS + 1e-13);
      }
    }
    // Bernoulli(½)ⁿ is Binomial(n, ½): far tails are dropped, the rest is C(n, k)/2ⁿ.
    const binomial = poissonBinomial(new Array<number>(2000).fill(0.5));
    expect(binomial[0]).toBe(0);
    expect(binomial[1000]).toBeCloseTo(0.017839, 6); // C(2000, 1000)/2²⁰⁰⁰ ≈ 1/√(1000π)
  });

  it('rejects a probability outside [0, 1], naming it', () => {
    expect(() => poissonBinomial([0.5, 1.5])).toThrow('probability 1 must be in [0, 1], got 1.5');
  });
});

describe('renewed ARR by seeded simulation', () => {
  it('matches the enumerated distribution of the weighted sum (8 accounts), and a seed reproduces it', () => {
    const renew = [0.9, 0.8, 0.5, 0.95, 0.7, 0.6, 0.99, 0.85];
    const weights = [100_00, 250_00, 900_00, 40_00, 333_00, 120_00, 75_00, 610_00];
    const exact = enumerate(renew, weights).sort((a, b) => a.weight - b.weight);
    const exactQuantile = (q: number) => {
      let cumulative = 0;
      for (const outcome of exact) if ((cumulative += outcome.probability) >= q - 1e-12) return outcome.weight;
      return exact.at(-1)!.weight;
    };
    const trials = renew.map((q, i) => ({ renewProbability: q, weight: weights[i]! }));
    const sums = simulateRenewedSums(trials, { simulations: 50_000, seed: 7 }).get('*')!;
    // The distribution is discrete with well-separated atoms at these quantiles, so the simulated
    // nearest-rank quantile lands on the same atom.
    for (const q of [0.1, 0.5, 0.9]) expect(sampleQuantile(sums, q)).toBe(exactQuantile(q));
    expect([...simulateRenewedSums(trials, { simulations: 1000, seed: 7 }).get('*')!]).toEqual([...simulateRenewedSums(trials, { simulations: 1000, seed: 7 }).get('*')!]);
    expect(() => simulateRenewedSums([{ renewProbability: 0.5, weight: 10.5 }], { simulations: 10, seed: 1 })).toThrow('weight 0 must be an integer (cents), got 10.5');
    expect([...simulateRenewedSums(trials, { simulations: 1000, seed: 8 }).get('*')!]).not.toEqual([...simulateRenewedSums(trials, { simulations: 1000, seed: 7 }).get('*')!]);
  });
});

describe('renewed ARR: the skip-ahead simulation has the law of one draw per trial and simulation', () => {
  /** Every possible sum of each group at its enumerated probability (within 5 standard errors), nothing impossible. */
  const expectEnumeratedLaw = (renew: number[], weights: number[], groups: string[], seed: number) => {
    const simulations = 200_000;
    const sums = simulateRenewedSums(
      renew.map((q, i) => ({ renewProbability: q, weight: weights[i]!, groups: [groups[i]!] })),
      { simulations, seed },
    );
    for (const key of ['*', ...new Set(groups)]) {
      const members = renew.map((_, i) => i).filter((i) => key === '*' || groups[i] === key);
      const exact = new Map<number, number>();
      for (const outcome of enumerate(members.map((i) => renew[i]!), members.map((i) => weights[i]!))) exact.set(outcome.weight, (exact.get(outcome.weight) ?? 0) + outcome.probability);
      const seen = new Map<number, number>();
      for (const sum of sums.get(key)!) seen.set(sum, (seen.get(sum) ?? 0) + 1);
      for (const sum of seen.keys()) expect(exact.get(sum), `${key}: sum ${sum}`).toBeGreaterThan(0);
      for (const [sum, probability] of exact) {
        const frequency = (seen.get(sum) ?? 0) / simulations;
        expect(Math.abs(frequency - probability), `${key}: sum ${sum}, p ${probability}`).toBeLessThanOrEqual(5 * Math.sqrt((probability * (1 - probability)) / simulations) + 1e-9);
      }
    }
  };

  it('each outcome of 8 trials (some likelier to churn, one certain each way) at its enumerated frequency, for the total and each group', () => {
    expectEnumeratedLaw([0.9, 0.3, 0.5, 0.05, 1, 0, 0.75, 0.6], [100_00, 250_00, 900_00, 40_00, 333_00, 120_00, 75_00, 610_00], ['a', 'b', 'a', 'b', 'a', 'a', 'b', 'b'], 11);
  });

  it('the same when a group has enough rare outcomes for its trials to be pooled (10 trials, 3 expected per simulation in one group)', () => {
    const renew = [0.5, 0.4, 0.7, 0.2, 0.65, 0.55, 0.35, 0.6, 0.9, 0.45];
    const weights = [11_00, 23_00, 37_00, 41_00, 53_00, 67_00, 71_00, 83_00, 97_00, 101_00];
    // 'a' (8 trials): rarities min(p, 1 − p) sum to 3.0, pooled; 'b' (2 trials, 0.5) is written trial by trial.
    expectEnumeratedLaw(renew, weights, ['a', 'a', 'a', 'a', 'a', 'a', 'a', 'b', 'b', 'a'], 13);
  });

  it('one trial: churns in its share of simulations, independently from one simulation to the next', () => {
    const simulations = 200_000;
    for (const renewProbability of [0.999, 0.9, 0.5, 0.3, 0.01]) {
      const churn = 1 - renewProbability;
      // Sorted sums lose the order, so two trials with weights 1 and 2 tell the joint outcome: sum 0 = both churned.
      const sums = simulateRenewedSums([{ renewProbability, weight: 1 }, { renewProbability, weight: 2 }], { simulations, seed: 3 }).get('*')!;
      const count = (value: number) => sums.filter((sum) => sum === value).length / simulations;
      const tolerance = (p: number) => 5 * Math.sqrt((p * (1 - p)) / simulations) + 1e-9;
      expect(Math.abs(count(0) - churn * churn), `renew ${renewProbability}: both churn`).toBeLessThanOrEqual(tolerance(churn * churn));
      expect(Math.abs(count(1) - renewProbability * churn), `renew ${renewProbability}: only the first renews`).toBeLessThanOrEqual(tolerance(renewProbability * churn));
      expect(Math.abs(count(3) - renewProbability ** 2), `renew ${renewProbability}: both renew`).toBeLessThanOrEqual(tolerance(renewProbability ** 2));
    }
  });

  it('names a probability outside [0, 1]', () => {
    expect(() => simulateRenewedSums([{ renewProbability: 1.2, weight: 1 }], { simulations: 10, seed: 1 })).toThrow('probability 0 must be in [0, 1], got 1.2');
  });
});

describe('forecastPeriod', () => {
  it('the yielding version gives the same figures and lets the event loop run while it computes', async () => {
    const random = new Random([3, 1, 4, 1]);
    const accounts: ForecastAccount[] = Array.from({ length: 5000 }, (_, i) => ({
      accountId: i + 1,
      name: `Account ${i + 1}`,
      segment: ['smb', 'mid', 'ent'][i % 3]!,
      csm: i % 7 === 0 ? null : `csm${i % 11}@x.io`,
      renewalDate: '2027-01-15',
      arrCents: 1000_00 + random.int(0, 50_000_00),
      churnProbability: i % 10 === 0 ? null : random.next(),
    }));
    const options = { segmentChurnRates: new Map([['smb', 0.2]]), fallbackChurnRate: 0.1, simulations: 3000, seed: 5 };
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    let done = false;
    const counting = (async () => {
      while (!done) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        ticks++;
      }
    })();
    const yielded = await forecastPeriodYielding(accounts, options);
    done = true;
    clearInterval(timer);
    await counting;
    // 5,000 trials × 3,000 simulations, the rarer outcome a quarter of them on average: about 3.75M outcomes
    // visited, sliced every 2¹⁹: at least 3 turns of the event loop.
    expect(ticks).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(yielded)).toBe(JSON.stringify(forecastPeriod(accounts, options)));
  });


  const account = (id: number, segment: string, csm: string | null, arrCents: number, churnProbability: number | null): ForecastAccount => ({
    accountId: id,
    name: `Account ${id}`,
    segment,
    csm,
    renewalDate: '2027-01-15',
    arrCents,
    churnProbability,
  });

  it('scored accounts use their score, unscored ones their segment rate; groups add up', () => {
    const forecast = forecastPeriod(
      [account(1, 'smb', 'ann@x.io', 1000_00, 0.2), account(2, 'smb', null, 3000_00, null), account(3, 'ent', 'ann@x.io', 10_000_00, 0.5), account(4, 'mid', 'bo@x.io', 500_00, null)],
      { segmentChurnRates: new Map([['smb', 0.1]]), fallbackChurnRate: 0.3, simulations: 2000, seed: 1 },
    );
    // Expected renewed logos: 0.8 + 0.9 + 0.5 + 0.7 = 2.9; ARR: 800 + 2700 + 5000 + 350 = $8,850.
    expect(forecast.total.expectedRenewedLogos).toBeCloseTo(2.9, 12);
    expect(forecast.total.expectedRenewedCents).toBe(8850_00);
    expect(forecast.total.arrDueCents).toBe(14_500_00);
    expect(forecast.total.grossRevenueRetention).toBeCloseTo(8850 / 14_500, 12);
    expect(forecast.scored).toMatchObject({ accounts: 2, expectedRenewedCents: 5800_00 });
    expect(forecast.unscored).toMatchObject({ accounts: 2, expectedRenewedCents: 3050_00 });
    expect(forecast.segments.map((s) => [s.key, s.accounts])).toEqual([['ent', 1], ['mid', 1], ['smb', 2]]);
    expect(forecast.csms.map((s) => [s.key, s.expectedRenewedCents])).toEqual([['(no CSM)', 2700_00], ['ann@x.io', 5800_00], ['bo@x.io', 350_00]]);
    // Largest expected loss first: 5000, 300, 200, 150 dollars.
    expect(forecast.accounts.map((a) => [a.accountId, a.expectedLossCents, a.source])).toEqual([[3, 5000_00, 'score'], [2, 300_00, 'segment_rate'], [1, 200_00, 'score'], [4, 150_00, 'segment_rate']]);
    // One account at 50%: its segment's renewed ARR is 0 or $5,000, so the 80% interval is exactly that.
    expect(intervalAt(forecast.segments[0]!.renewedCents, 0.8)).toMatchObject({ low: 0, high: 10_000_00 });
    const ann = forecast.csms[1]!;
    expect(intervalAt(ann.renewedLogos, 0.95)).toMatchObject({ low: 0, high: 2 });
  });

  it('no accounts: zeros and n/a rates, not NaN', () => {
    const forecast = forecastPeriod([], { segmentChurnRates: new Map(), fallbackChurnRate: 0.2, simulations: 10, seed: 1 });
    expect(forecast.total).toMatchObject({ accounts: 0, arrDueCents: 0, expectedRenewedCents: 0, logoRetention: null, grossRevenueRetention: null });
    expect(intervalAt(forecast.total.renewedCents, 0.8)).toMatchObject({ low: 0, high: 0 });
  });
});

describe('forecast periods', () => {
  it('parses quarters and months, and names the rule on bad input', () => {
    expect(parseForecastPeriod('2027-Q1')).toEqual({ id: '2027-Q1', kind: 'quarter', from: '2027-01-01', to: '2027-03-31' });
    expect(parseForecastPeriod('2028-02')).toEqual({ id: '2028-02', kind: 'month', from: '2028-02-01', to: '2028-02-29' });
    expect(() => parseForecastPeriod('2027-Q5')).toThrow('--period must be a quarter like 2027-Q1 or a month like 2027-01, got "2027-Q5"');
  });

  it('as of a day: the next quarter and the next three months', () => {
    expect(upcomingPeriods('2026-11-30').map((p) => p.id)).toEqual(['2027-Q1', '2026-12', '2027-01', '2027-02']);
    expect(upcomingPeriods('2026-12-31').map((p) => p.id)).toEqual(['2027-Q1', '2027-01', '2027-02', '2027-03']);
  });
});
