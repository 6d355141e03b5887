// Backtest aggregation on a hand-built fixture: every figure below is computed by hand in the comments.
import { describe, expect, it } from 'vitest';
import { aggregate, episodeKey, median, renderBacktestTable, summarise, type AggregateInput } from './backtest-report.ts';

// Tiers 0.2 / 0.5 / 0.8; two weekly steps (2 weeks); owners a, a, b, unassigned → 3 CSMs.
//   account 1, renews 2026-03-01, churned, $10:   01-01 → 0.6, 01-08 → 0.9
//   account 2, renews 2026-02-01, renewed, $5:    01-01 → 0.3, 01-08 → 0.1
//   account 3, renews 2026-02-15, churned, $30:   01-01 → 0.1, 01-08 → 0.1
//   account 4, renews 2026-03-20, not decided:    01-08 → 0.55
const input: AggregateInput = {
  scores: [
    { asOf: '2026-01-01', accountId: 1, renewalDate: '2026-03-01', probability: 0.6 },
    { asOf: '2026-01-08', accountId: 1, renewalDate: '2026-03-01', probability: 0.9 },
    { asOf: '2026-01-01', accountId: 2, renewalDate: '2026-02-01', probability: 0.3 },
    { asOf: '2026-01-08', accountId: 2, renewalDate: '2026-02-01', probability: 0.1 },
    { asOf: '2026-01-01', accountId: 3, renewalDate: '2026-02-15', probability: 0.1 },
    { asOf: '2026-01-08', accountId: 3, renewalDate: '2026-02-15', probability: 0.1 },
    { asOf: '2026-01-08', accountId: 4, renewalDate: '2026-03-20', probability: 0.55 },
  ],
  outcomes: new Map([
    [episodeKey(1, '2026-03-01'), { churned: true, arrCents: 1000 }],
    [episodeKey(2, '2026-02-01'), { churned: false, arrCents: 500 }],
    [episodeKey(3, '2026-02-15'), { churned: true, arrCents: 3000 }],
  ]),
  owners: new Map<number, string | null>([
    [1, 'a@x'],
    [2, 'a@x'],
    [3, 'b@x'],
    [4, null],
  ]),
  tiers: { medium: 0.2, high: 0.5, critical: 0.8 },
  steps: 2,
  stepDays: 7,
};

describe('backtest aggregation', () => {
  it('summarises episodes, outcomes and owners', () => {
    expect(summarise(input)).toEqual({ steps: 2, weeks: 2, episodes: 4, decided: 3, churned: 2, churnedArrCents: 4000, csms: 3 });
  });

  it('counts each renewal once per tier, from its first alert', () => {
    const { auc, tiers } = aggregate(input);
    // Pairs (churned score, renewed score): 0.6 and 0.9 beat 0.3 and 0.1 (4); 0.1, 0.1 lose to 0.3 (0) and tie 0.1 (2 × ½) → 5/8.
    expect(auc).toBeCloseTo(0.625, 12);
    const [medium, high, critical] = tiers;
    // ≥ 0.2: accounts 1 (first 01-01), 2 (01-01), 4 (01-08). Decided: 1, 2; churned: 1.
    // Lead of account 1: 2026-01-01 → 2026-03-01 = 31 + 28 = 59 days. 3 alerts / 3 CSMs / 2 weeks = 0.5.
    expect(medium).toEqual({ tier: 'medium', cutoff: 0.2, alerts: 3, alertsDecided: 2, truePositives: 1, precision: 0.5, recall: 0.5, arrRecall: 0.25, medianLeadDays: 59, alertsPerCsmPerWeek: 0.5 });
    // ≥ 0.5: accounts 1 (01-01) and 4; decided 1, churned 1 → precision 1; 2/3/2 = 1/3.
    expect(high).toMatchObject({ alerts: 2, alertsDecided: 1, truePositives: 1, precision: 1, recall: 0.5, arrRecall: 0.25, medianLeadDays: 59 });
    expect(high!.alertsPerCsmPerWeek).toBeCloseTo(1 / 3, 12);
    // ≥ 0.8: account 1, first at 01-08 → 52 days before 03-01.
    expect(critical).toMatchObject({ alerts: 1, alertsDecided: 1, truePositives: 1, precision: 1, recall: 0.5, arrRecall: 0.25, medianLeadDays: 52 });
    expect(critical!.alertsPerCsmPerWeek).toBeCloseTo(1 / 6, 12);
  });

  it('reports undefined ratios as null, never NaN', () => {
    const { tiers } = aggregate({ ...input, scores: input.scores.filter((score) => score.accountId === 3) });
    // Only account 3 (churned, always 0.1): nothing alerted at any tier.
    for (const tier of tiers) expect(tier).toMatchObject({ alerts: 0, precision: null, recall: 0, arrRecall: 0, medianLeadDays: null, alertsPerCsmPerWeek: 0 });
  });

  it('takes the median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });

  it('renders one line per config, scorer and tier', () => {
    const figures = aggregate(input);
    const table = renderBacktestTable([{ label: 'radar.yaml', configVersion: 'x', summary: summarise(input), skippedSteps: [], model: figures, scorecard: figures }]);
    const lines = table.split('\n');
    expect(lines).toHaveLength(2 + 6 + 1);
    expect(lines[2]).toMatch(/^radar\.yaml\s+model\s+0\.625\s+medium\s+0\.20\s+3\s+50\.0%\s+50\.0%\s+25\.0%\s+59\s+0\.50$/);
  });
});
