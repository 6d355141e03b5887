import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.ts';
import { applyBudget, cooldownDecision, effectiveDue, needsEscalation, priority, riskReduced, selectPlaybooks, topDrivers, type PreviousAlert } from './plan.ts';

const last = (over: Partial<PreviousAlert> = {}): PreviousAlert => ({ alertId: 1, asOf: '2026-01-01', tier: 'high', status: 'sent', isHoldout: false, slackTs: '1.2', channel: 'D1', ...over });

describe('cooldownDecision', () => {
  it('alerts a first time, keeps quiet within cooldownDays, lets a higher tier through', () => {
    expect(cooldownDecision('high', undefined, '2026-01-10', 14)).toBe('first');
    expect(cooldownDecision('high', last(), '2026-01-14', 14)).toBe('cooldown'); // 13 days
    expect(cooldownDecision('high', last(), '2026-01-15', 14)).toBe('cooldown_over'); // 14 days
    expect(cooldownDecision('critical', last(), '2026-01-02', 14)).toBe('tier_rose');
    expect(cooldownDecision('medium', last(), '2026-01-02', 14)).toBe('cooldown');
    expect(cooldownDecision('high', last(), '2026-01-01', 0)).toBe('cooldown_over');
  });
});

describe('riskReduced', () => {
  it('is true only for a delivered, non-holdout alert at a higher tier than now', () => {
    expect(riskReduced('medium', last())).toBe(true);
    expect(riskReduced('high', last())).toBe(false);
    expect(riskReduced('medium', last({ isHoldout: true, status: 'holdout', slackTs: null }))).toBe(false);
    expect(riskReduced('medium', last({ status: 'failed', slackTs: null }))).toBe(false);
    expect(riskReduced('low', last({ status: 'dry_run', slackTs: null }))).toBe(true);
    expect(riskReduced('low', undefined)).toBe(false);
  });
});

describe('applyBudget', () => {
  const c = (accountId: number, recipient: string, arrCents: number, probability: number) => ({ accountId, recipient, arrCents, probability });
  it('sends the top ARR × probability per recipient within what is left of the week, queues the rest', () => {
    const candidates = [c(1, 'dana', 100, 0.5), c(2, 'dana', 300, 0.35), c(3, 'dana', 80, 0.9), c(4, 'lee', 10, 0.9), c(5, 'dana', 100, 0.5)];
    expect(priority(candidates[1]!)).toBeCloseTo(105);
    const { send, queued } = applyBudget(candidates, new Map([['dana', 1]]), 3);
    expect(send.map((x) => x.accountId)).toEqual([2, 3, 4]); // dana has 2 left: 105, 72; lee 1
    expect(queued.map((x) => x.accountId)).toEqual([1, 5]); // tie at 50: lower id first
    expect(applyBudget(candidates, new Map([['dana', 7]]), 3).send.map((x) => x.accountId)).toEqual([4]);
  });
});

describe('playbooks', () => {
  const { config } = parseConfig({});
  it('picks playbooks whose drivers are among the top positive drivers, strongest first, with due dates', () => {
    const top = topDrivers(
      [
        { indicator: 'tenure', contribution: -2, sentence: '' },
        { indicator: 'competitorReleases', contribution: 0.1, sentence: '' },
        { indicator: 'paymentDelay', contribution: 0.8, sentence: '' },
        { indicator: 'usageTrend', contribution: 0.5, sentence: '' },
        { indicator: 'supportChange', contribution: 0.05, sentence: '' },
      ],
      3,
    );
    expect(top.map((d) => d.indicator)).toEqual(['paymentDelay', 'usageTrend', 'competitorReleases']);
    const selected = selectPlaybooks(top, config.playbooks, '2026-02-27', 'dana@x.example');
    expect(selected.map((p) => p.key)).toEqual(['payment', 'adoption', 'competition']);
    expect(selected[0]!.tasks.map((t) => [t.title, t.ownerRole, t.owner, t.dueOn])).toEqual([
      ['Contact the finance owner about overdue invoices', 'finance', null, '2026-03-02'],
      ['Offer an instalment plan if cash flow is the issue', 'csm', 'dana@x.example', '2026-03-09'],
    ]);
    expect(selectPlaybooks([], config.playbooks, '2026-02-27', null)).toEqual([]);
  });
});

describe('escalation rule', () => {
  const task = { dueOn: '2026-01-10', status: 'open', snoozedUntil: null, escalated: false };
  it('escalates an open task escalateAfterDays past due, once, counting from a snooze', () => {
    expect(needsEscalation(task, '2026-01-16', 7)).toBe(false);
    expect(needsEscalation(task, '2026-01-17', 7)).toBe(true);
    expect(needsEscalation({ ...task, escalated: true }, '2026-01-20', 7)).toBe(false);
    expect(needsEscalation({ ...task, status: 'done' }, '2026-01-20', 7)).toBe(false);
    const snoozed = { ...task, status: 'snoozed', snoozedUntil: '2026-01-20' };
    expect(effectiveDue(snoozed)).toBe('2026-01-20');
    expect(needsEscalation(snoozed, '2026-01-26', 7)).toBe(false);
    expect(needsEscalation(snoozed, '2026-01-27', 7)).toBe(true);
  });
});

describe('chunkDigest', () => {
  it('packs accounts into messages of at most 50 blocks', async () => {
    const { chunkDigest } = await import('./run.ts');
    const member = (id: number, tasks: number) => ({ id, view: { playbooks: [{ tasks: Array.from({ length: tasks }) }] } }) as never as { id: number; view: import('./view.ts').AlertView };
    // Per account: section + 6 tasks + buttons + status line + divider = 10 blocks.
    // 2 (header, footer) + 4 × 10 = 42 fits; a 5th account would make 52 > 50 and starts another message.
    const seven = Array.from({ length: 7 }, (_, i) => member(i, 6));
    expect(chunkDigest(seven).map((chunk) => chunk.map((m) => m.id))).toEqual([[0, 1, 2, 3], [4, 5, 6]]);
    // 2 + 12 × (4 + 0 tasks) = 50: exactly at the limit stays one message.
    expect(chunkDigest(Array.from({ length: 12 }, (_, i) => member(i, 0)))).toHaveLength(1);
    expect(chunkDigest([member(1, 0), member(2, 1)])).toHaveLength(1);
    expect(chunkDigest([])).toEqual([]);
  });
});
