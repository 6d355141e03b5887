import { describe, expect, it } from 'vitest';
import { classifyOutcome, newcombeDifference, outcomeReport, wilson } from './outcomes.ts';

describe('outcomes', () => {
  it('classifies renewal outcomes', () => {
    expect(['renewed', 'expanded', 'churned', 'downgraded'].map(classifyOutcome)).toEqual(['saved', 'saved', 'lost', 'downgraded']);
    expect(() => classifyOutcome('lapsed')).toThrow(/unknown/);
  });

  it('computes Wilson intervals (hand-worked: 8/10 → 0.4902–0.9433; 0/5 → 0–0.4345)', () => {
    const a = wilson(8, 10);
    expect(a.rate).toBe(0.8);
    expect(a.low).toBeCloseTo(0.4902, 4);
    expect(a.high).toBeCloseTo(0.9433, 4);
    const b = wilson(0, 5);
    expect(b.low).toBe(0);
    expect(b.high).toBeCloseTo(0.4345, 4);
    expect(wilson(0, 0)).toMatchObject({ rate: null, low: null, high: null });
  });

  it('computes the Newcombe interval of a difference (8/10 vs 0/5: 0.8, 0.3128 to 0.9433)', () => {
    const d = newcombeDifference(wilson(8, 10), wilson(0, 5));
    expect(d.estimate).toBeCloseTo(0.8, 10);
    // low = 0.8 − √((0.8 − 0.4902)² + (0.4345 − 0)²) = 0.8 − 0.5336; high = 0.8 + √((0.9433 − 0.8)² + 0²)
    expect(d.low).toBeCloseTo(0.2664, 3);
    expect(d.high).toBeCloseTo(0.9433, 4);
    expect(newcombeDifference(wilson(1, 2), wilson(0, 0)).estimate).toBeNull();
  });

  it('reports treated and control separately and counts tasks of the treated', () => {
    const report = outcomeReport([
      { accountId: 1, renewalId: 1, control: false, outcome: 'saved', tasksTotal: 2, tasksDone: 1 },
      { accountId: 2, renewalId: 2, control: false, outcome: 'lost', tasksTotal: 2, tasksDone: 0 },
      { accountId: 3, renewalId: 3, control: true, outcome: 'downgraded', tasksTotal: 0, tasksDone: 0 },
    ]);
    expect(report.treated).toMatchObject({ successes: 1, total: 2, lost: 1, downgraded: 0, rate: 0.5 });
    expect(report.control).toMatchObject({ successes: 0, total: 1, downgraded: 1, rate: 0 });
    expect(report.tasks).toEqual({ total: 4, done: 1, savedWithTaskDone: 1 });
  });
});
