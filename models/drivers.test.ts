import { describe, expect, it } from 'vitest';
import { driverSentence, topDrivers } from './drivers.ts';
import { designMatrix, planFeatures } from './features.ts';

describe('driver sentences', () => {
  it('puts values in plain words', () => {
    expect(driverSentence('usageDecline', -0.4612, { baselineDays: 90 })).toBe('Usage down 46% vs the prior quarter');
    expect(driverSentence('oldestUnpaidOverdueDays', 38, {})).toBe('Oldest unpaid invoice 38 days overdue');
    expect(driverSentence('seatUtilisation', 0.23, { avgLicensedSeats: 40 })).toBe('Only 23% of 40 licensed seats in use');
    expect(driverSentence('overdueAmount', 1_234_500, { overdueInvoices: 2 })).toBe('$12,345 overdue on 2 invoices');
    expect(driverSentence('tenure', 250, {})).toBe('Customer for only 8 months');
  });

  it('names what is missing', () => {
    expect(driverSentence('usageDecline', null, { enoughHistory: true })).toBe('No product usage reported recently');
    expect(driverSentence('paymentDelay', null, {})).toBe('Payment delay (max) unknown: no data');
  });

  it('keeps only the three largest risk-raising contributions', () => {
    const drivers = topDrivers(
      [
        { indicator: 'a', contribution: 0.1 },
        { indicator: 'b', contribution: -2 },
        { indicator: 'c', contribution: 0.7 },
        { indicator: 'd', contribution: 0 },
        { indicator: 'e', contribution: 0.3 },
        { indicator: 'f', contribution: 0.2 },
      ],
      (id) => `about ${id}`,
    );
    expect(drivers).toEqual([
      { indicator: 'c', contribution: 0.7, sentence: 'about c' },
      { indicator: 'e', contribution: 0.3, sentence: 'about e' },
      { indicator: 'f', contribution: 0.2, sentence: 'about f' },
    ]);
  });
});

describe('feature plan', () => {
  const indicators = ['arr', 'seatUtilisation', 'tenure'];
  const rows = [
    { values: [999, 0.5, 100], flags: [] },
    { values: [null, 0.7, 100], flags: [] },
    { values: [99, null, 100], flags: [] },
  ];

  it('imputes the training mean after the transform and drops constant features', () => {
    const plan = planFeatures(rows, indicators, indicators, { missingFlags: false });
    expect(plan.indicators).toEqual(['arr', 'seatUtilisation']);
    expect(plan.dropped).toEqual([{ indicator: 'tenure', reason: 'constant (4.61512051684126) in the training rows' }]);
    // arr is cents: log1p; mean of log(1000) and log(100) = log(√100000) = 5.7565…
    expect(plan.transforms).toEqual(['log1p', 'identity']);
    expect(plan.imputation[0]).toBeCloseTo((Math.log(1000) + Math.log(100)) / 2, 12);
    expect(plan.imputation[1]).toBeCloseTo(0.6, 12);
    const matrix = designMatrix(rows, indicators, plan);
    const expected = [Math.log(1000), 0.5, plan.imputation[0]!, 0.7, Math.log(100), plan.imputation[1]!];
    expect(matrix.data).toHaveLength(6);
    expected.forEach((value, i) => expect(matrix.data[i]).toBeCloseTo(value, 12));
  });

  it('adds a missing flag per partly missing feature when asked', () => {
    const plan = planFeatures(rows, indicators, ['arr', 'seatUtilisation'], { missingFlags: true });
    expect(plan.missingFlags).toEqual(['arr', 'seatUtilisation']);
    // Columns arr, seatUtilisation, arr:missing, seatUtilisation:missing; rows 2 and 3 miss one each.
    const data = Array.from(designMatrix(rows, indicators, plan).data);
    expect([data[2], data[3], data[6], data[7], data[10], data[11]]).toEqual([0, 0, 1, 0, 0, 1]);
  });
});
