// The product event export and the NPS survey carry churn signal of their own: the feature MIX (not the
// volume) and the scores shift before distressed renewals. Checked from the written files alone.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDay, type Day } from './days.ts';
import { mixRates, type EventName } from './events.ts';
import { LEAD_DAYS, rocAuc } from './learnability.ts';
import { EVENT_MIX } from './mechanisms.ts';
import { generateIntoTempDir, readText } from './sample-reader.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const dayOf = (text: string): Day => parseDay(text.slice(0, 10)) as Day;
const PROTECTIVE: ReadonlySet<string> = new Set(EVENT_MIX.protective);

describe('the event mix', () => {
  it('tilts towards risky features at unchanged volume', () => {
    const habits = Object.fromEntries(Object.keys(EVENT_MIX.perActiveUser).map((name) => [name, 1])) as Record<EventName, number>;
    expect(mixRates(habits, 0)['Report Created']).toBeCloseTo(1, 12);
    const tilted = mixRates(habits, 1);
    // By hand: 4 protective × e^-0.8 + 3 risky × e^1 + 1 neutral = 10.952161; rescaled to the untilted 8.
    expect(Object.values(tilted).reduce((a, b) => a + b, 0)).toBeCloseTo(8, 12);
    expect(tilted['Report Created']).toBeCloseTo((Math.exp(-0.8) * 8) / 10.952161, 6);
    expect(tilted['Seat Removed']).toBeCloseTo((Math.exp(1) * 8) / 10.952161, 6);
    expect(tilted['Search Performed']).toBeCloseTo(8 / 10.952161, 6);
  });
});

describe('a 300-account company over two years', () => {
  type Row = { churned: boolean; total: number; protectiveShare: number; nps: number | undefined };
  let rows: Row[];
  beforeAll(async () => {
    const { dir } = await generateIntoTempDir({ accounts: 300, years: 2, seed: 5, end: '2026-03-01' });
    dirs.push(dir);
    const events = new Map<string, Array<{ day: Day; protective: boolean }>>();
    for (const line of readText(dir, 'events.ndjson.gz').split('\n')) {
      if (line === '') continue;
      const event = JSON.parse(line) as { event: string; timestamp: string; context: { groupId: string } };
      const list = events.get(event.context.groupId) ?? [];
      list.push({ day: dayOf(event.timestamp), protective: PROTECTIVE.has(event.event) });
      events.set(event.context.groupId, list);
    }
    const answers = new Map<string, Array<{ day: Day; score: number }>>();
    for (const line of readText(dir, 'nps_responses.csv').split('\n').slice(1)) {
      const [account = '', respondedAt = '', , score = ''] = line.split(',');
      if (account === '') continue;
      answers.set(account, [...(answers.get(account) ?? []), { day: dayOf(respondedAt), score: Number(score) }]);
    }
    rows = readText(dir, 'renewals.csv')
      .split('\n')
      .slice(1)
      .map((line) => line.split(','))
      .filter(([account, renewal, outcome]) => account && parseDay(renewal ?? '') !== undefined && ['renewed', 'churned', 'downgraded', 'expanded'].includes(outcome ?? ''))
      .map(([account = '', renewal = '', outcome]) => {
        // As of 90 days before the renewal: the 90 days before that, and NPS answers of the half-year.
        const asOf = dayOf(renewal) - LEAD_DAYS;
        const recent = (events.get(account) ?? []).filter((event) => event.day >= asOf - 90 && event.day < asOf);
        const scores = (answers.get(account) ?? []).filter((answer) => answer.day >= asOf - 180 && answer.day < asOf).map((answer) => answer.score);
        return {
          churned: outcome === 'churned',
          total: recent.length,
          protectiveShare: recent.length === 0 ? 0 : recent.filter((event) => event.protective).length / recent.length,
          nps: scores.length === 0 ? undefined : scores.reduce((a, b) => a + b, 0) / scores.length,
        };
      });
  });

  it('separates churners by the share of protective events better than by the total', () => {
    const labels = rows.map((row) => row.churned);
    const byTotal = rocAuc(rows.map((row) => -row.total), labels);
    const byMix = rocAuc(rows.map((row) => -row.protectiveShare), labels);
    expect(rows.filter((row) => row.churned).length).toBeGreaterThan(30);
    expect(byMix).toBeGreaterThan(0.65);
    expect(byMix - byTotal).toBeGreaterThan(0.03);
  });

  it('gives churners lower NPS answers before the renewal', () => {
    const answered = rows.filter((row) => row.nps !== undefined);
    expect(rocAuc(answered.map((row) => -row.nps!), answered.map((row) => row.churned))).toBeGreaterThan(0.65);
  });
});
