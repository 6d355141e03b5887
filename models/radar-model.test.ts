// Scoring's batched contributions (one design matrix for every row) against the per-row ones the
// drivers were ranked from before: the same numbers, missing-value flags folded into their indicator.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.ts';
import { designMatrix, type IndicatorRow } from './features.ts';
import { fitRadarModel, indicatorContributions, matrixContributions } from './radar-model.ts';
import { seededNormal, seededRandom } from './synthetic-data.ts';

describe('contributions from one design matrix', () => {
  it('equal the per-row contributions bit for bit, a missing value contributing through its flag', () => {
    const ids = ['f1', 'f2', 'f3'];
    const normal = seededNormal(3);
    const uniform = seededRandom(4);
    // f2 missing on every fifth row (20% ≥ 1%: it gets a missing flag); f1 carries the signal.
    const rows = Array.from({ length: 200 }, (_, i) => {
      const values = [normal(), i % 5 === 0 ? null : normal(), normal()];
      const label = (uniform() < 1 / (1 + Math.exp(1 - 1.5 * values[0]!)) ? 1 : 0) as 0 | 1;
      return { values, flags: values.map(() => 'ok' as const), label, accountId: i + 1 };
    });
    const model = fitRadarModel(rows, ids, parseConfig({ model: { l2: 1, missingFlags: true } }).config);
    expect(model.plan.missingFlags).toEqual(['f2']);
    const scored: IndicatorRow[] = rows.slice(0, 20);
    const batched = matrixContributions(model, designMatrix(scored, ids, model.plan));
    expect(batched).toHaveLength(20);
    scored.forEach((row, i) => {
      const single = indicatorContributions(model, row, ids).map(({ indicator, contribution }) => ({ indicator, contribution }));
      expect([...batched[i]!].sort((a, b) => (a.indicator < b.indicator ? -1 : 1))).toEqual(single.sort((a, b) => (a.indicator < b.indicator ? -1 : 1)));
    });
    // Row 0 has no f2: its f2 contribution is the imputed value's plus the flag's, which is not zero.
    const missing = batched[0]!.find((item) => item.indicator === 'f2')!.contribution;
    const present = batched[1]!.find((item) => item.indicator === 'f2')!.contribution;
    expect(missing).not.toBe(0);
    expect(missing).not.toBe(present);
  });
});
