// upsertRiskScores on both backends: rows from one JSON document stored as given, a re-run writes
// nothing, a changed row is rewritten, and with the foreign keys checked once a missing account or
// model still fails the write (nothing stored), as the per-row checks did.
import { expect, it } from 'vitest';
import { readRiskScores, upsertRiskScores, type RiskScoreRow } from '../sql/models.ts';
import { addAccount, MODEL, resetAlertTables } from './alerts-fixtures.ts';
import { describeEachBackend } from './support/database.ts';

const DAY = '2026-02-02';

describeEachBackend('risk score upsert', (context) => {
  it('stores the rows as given, rewrites only changed ones, and refuses a missing account or model', async () => {
    const { db } = context();
    await resetAlertTables(db);
    const a = await addAccount(db, { externalId: 'UPS-1' });
    const b = await addAccount(db, { externalId: 'UPS-2' });
    const drivers = [{ indicator: 'usageDecline', contribution: 0.8123, sentence: 'Usage down 46% vs the prior "quarter" \\ ok' }];
    const rows: RiskScoreRow[] = [
      { accountId: a, asOf: DAY, modelVersion: MODEL, probability: 0.1 + 0.2, tier: 'medium', drivers, missingIndicators: ['nps'], scorecardProbability: null },
      { accountId: b, asOf: DAY, modelVersion: MODEL, probability: 1 / 3, tier: 'high', drivers: [], missingIndicators: [], scorecardProbability: 0.25 },
    ];
    await expect(db.transaction().execute((trx) => upsertRiskScores(trx, rows))).resolves.toBe(2);
    const stored = (await readRiskScores(db, DAY, MODEL)).map(({ scoredAt: _scoredAt, ...row }) => row).sort((x, y) => x.accountId - y.accountId);
    expect(stored).toEqual(rows);
    // Bit for bit: 0.30000000000000004 and 1/3 survive the JSON document.
    expect(stored[0]!.probability).toBe(0.30000000000000004);
    await expect(db.transaction().execute((trx) => upsertRiskScores(trx, rows))).resolves.toBe(0);
    await expect(db.transaction().execute((trx) => upsertRiskScores(trx, [{ ...rows[1]!, tier: 'critical' }]))).resolves.toBe(1);

    const missingAccount = { ...rows[0]!, accountId: b + 1000, asOf: '2026-02-03' };
    await expect(db.transaction().execute((trx) => upsertRiskScores(trx, [rows[0]!, missingAccount]))).rejects.toThrow();
    const missingModel = { ...rows[0]!, modelVersion: 'm-none', asOf: '2026-02-03' };
    await expect(db.transaction().execute((trx) => upsertRiskScores(trx, [missingModel]))).rejects.toThrow();
    expect(await readRiskScores(db, '2026-02-03')).toEqual([]);
  });
});
