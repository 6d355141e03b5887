// The `radar tune --html` page in headless Chromium: loads with no console message, one chart per
// indicator with its bands and threshold lines where the value axis puts them (hand-computed), and a PNG
// screenshot for review (test/__screenshots__/tune.png, committed).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tuneConfigSchema } from '../config/tune.ts';
import { renderTuneHtml, tuneChart } from '../pipelines/report/tune-html.ts';
import type { TunedIndicator, TuneResult } from '../models/tune-run.ts';
import { tuneIndicator, type TuneRow } from '../models/tune.ts';
import { chromium, chromiumUnavailable, IN_CI, screenshot } from './report-chromium.ts';

const rule = tuneConfigSchema.parse({ minFlagged: 2, bands: 2 });
// Tenure 100…1000 days; churners at 100, 200, 300, 500 (as in test/tune.test.ts): suggested warning 600, critical 365.
const tenureRows: TuneRow[] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((k) => ({ value: 100 * k, label: [1, 2, 3, 5].includes(k) ? 1 : 0, arrCents: 10_000 }));
const tenure: TunedIndicator = { id: 'tenure', title: 'Tenure', unit: 'days', direction: 'lower', customIndex: null, ...tuneIndicator(tenureRows, 'lower', { warning: 365, critical: 180 }, rule) };
// Failed payments: counts with ties, a no-data band, and a <tag> in the title that must be escaped.
const paymentRows: TuneRow[] = [
  ...[0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4, 5].map((value, i) => ({ value, label: (i >= 8 || i === 2 ? 1 : 0) as 0 | 1, arrCents: 5_000 })),
  { value: null, label: 0, arrCents: 5_000 },
  { value: null, label: 1, arrCents: 5_000 },
];
const payments: TunedIndicator = {
  id: 'failedPayments',
  title: 'Failed payments <b>&</b>',
  unit: 'count',
  direction: 'higher',
  customIndex: null,
  ...tuneIndicator(paymentRows, 'higher', { warning: 2, critical: 4 }, { ...rule, bands: 4 }),
};
const flatRows: TuneRow[] = [1, 2, 3, 4].map((value) => ({ value, label: value === 1 || value === 4 ? 1 : 0, arrCents: 1 }));
const flat: TunedIndicator = { id: 'daysToRenewal', title: 'Days to renewal', unit: 'days', direction: 'lower', customIndex: null, ...tuneIndicator(flatRows, 'lower', { warning: 2, critical: 1 }, rule) };
const result: TuneResult = { from: '2025-12-01', to: '2026-11-30', leadDays: 90, segment: null, renewals: 14, enoughRenewals: true, indicators: [tenure, payments, flat] };

describe('tune chart geometry', () => {
  it('puts each threshold where the equal-width band axis says', () => {
    const svg = tuneChart(tenure);
    // Two bands of 284 px from x = 56: 600 opens the second band (56 + 284); 365 is 265/400 into the first.
    expect(svg).toContain('<line class="threshold suggested warning" x1="340" x2="340"');
    expect(svg).toContain('<line class="threshold suggested critical" x1="244.2" x2="244.2"');
    expect(svg).toContain('<line class="threshold current warning" x1="244.2"');
    // 180 is 80/400 into the first band: 56 + 56.8.
    expect(svg).toContain('<line class="threshold current critical" x1="112.8"');
  });
});

if (chromiumUnavailable && !IN_CI) console.warn(`[radar tests] skipping the Chromium tune test: ${chromiumUnavailable}`);

describe.skipIf(Boolean(chromiumUnavailable) && !IN_CI)('radar tune --html in Chromium', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'radar-tune-html-')), 'tune.html');

  beforeAll(() => {
    if (chromiumUnavailable) throw new Error(`CI=true requires Chromium: ${chromiumUnavailable}`);
    writeFileSync(file, renderTuneHtml(result));
  });

  it('loads with no console message, every chart drawn, the title escaped', async () => {
    const loaded = await chromium(file, ['--dump-dom']);
    expect(loaded.console).toEqual([]);
    for (const id of ['tenure', 'failedPayments', 'daysToRenewal']) {
      const svg = new RegExp(`<svg id="tune-${id}"[^>]*>(.*?)</svg>`, 's').exec(loaded.stdout);
      expect(svg, id).not.toBeNull();
      expect(svg![1]).toMatch(/<rect class="bar/);
    }
    expect(loaded.stdout).toContain('Failed payments &lt;b&gt;&amp;&lt;/b&gt;');
    expect(loaded.stdout).not.toContain('<b>&amp;</b>');
    expect(loaded.stdout).toContain('does not separate churn: AUC of the value alone 0.500');
    // The no-data band of failed payments: 1 of 2 churned.
    expect(loaded.stdout).toContain('no data: 1 of 2 churned (50.0%)');
  });

  it('writes the PNG screenshot for review', async () => {
    const shot = await screenshot(file, 'tune.png', '800,2000');
    expect(shot.console).toEqual([]);
    expect(shot).toMatchObject({ isPng: true, width: 800 });
    expect(shot.bytes).toBeGreaterThan(30_000);
  });
});
