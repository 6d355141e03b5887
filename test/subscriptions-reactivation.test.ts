// Indicator scope is point in time (issue 15 bug): an account that churned and later came back is out of
// scope between its churn and its return, and in scope again from its return, on both backends. Every
// expectation is worked out by hand from the histories below.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { parseConfig } from '../config/load.ts';
import { fileSourceSchema } from '../config/sources.ts';
import { evaluateIndicators } from '../indicators/compute.ts';
import { ingestSource } from '../pipelines/ingest/run.ts';
import { silentLogger } from '../pipelines/log.ts';
import type { DB } from '../sql/schema.ts';
import { describeEachBackend } from './support/database.ts';

const { config } = parseConfig({});
// The load happens on 1 June: sub_2's May–June period is still running.
const NOW = new Date('2026-06-01T12:00:00Z');

const ACCOUNTS = ['account_id,name,arr_cents,contract_start,renewal_date', 'comeback,Comeback Ltd,60000,2025-12-01,2026-06-15', 'filed,Filed Ltd,90000,2024-06-01,2026-09-01'].join('\n');
const HEADER = 'account_id,subscription_id,period_start,period_end,interval,interval_count,amount_cents,quantity,status,canceled_at,cancel_at_period_end,ended_at';
// $50 a month = 60,000 cents a year. Renewed on 1 Feb; cancelled on 10 Feb at the end of the period, so the
// 1 March renewal is churned, decided 10 Feb 09:00.
const BEFORE_CHURN = ['comeback,sub_1,2026-01-01,2026-02-01,month,1,5000,1,active,,false,', 'comeback,sub_1,2026-02-01,2026-03-01,month,1,5000,1,canceled,2026-02-10T09:00:00Z,true,'];
// Back on a new subscription from 15 April: the 15 May renewal is renewed.
const COMEBACK = ['comeback,sub_2,2026-04-15,2026-05-15,month,1,5000,1,active,,false,', 'comeback,sub_2,2026-05-15,2026-06-15,month,1,5000,1,active,,false,'];
// An account known only from a renewals file: churned on 1 June 2025 (decided 1 May 2025), signed again
// and renewed on 1 March 2026.
const RENEWALS = [
  'account_id,renewal_date,outcome,arr_before_cents,arr_after_cents,decided_at',
  'filed,2025-06-01,churned,90000,0,2025-05-01T00:00:00Z',
  'filed,2026-03-01,renewed,90000,90000,2026-03-01T00:00:00Z',
].join('\n');

async function load(db: Kysely<DB>, entity: 'accounts' | 'subscriptions' | 'renewals', text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'radar-reactivation-'));
  writeFileSync(join(dir, `${entity}.csv`), `${text}\n`);
  const source = fileSourceSchema.parse({ kind: 'file', entity, path: `${entity}.csv` });
  const summary = await ingestSource(db, { name: entity, source }, { logger: silentLogger, baseDir: dir, force: true, now: NOW });
  expect(summary).toMatchObject({ status: 'succeeded', rejected: 0 });
  return summary;
}

/** The accounts with indicators as of `asOf` ('all': active on D; 'renewing': scored, renewal within 90 days), and the ARR indicator's value. */
async function inScope(db: Kysely<DB>, asOf: string, scope: 'all' | 'renewing' = 'all'): Promise<Record<string, number | null>> {
  const ids = new Map((await db.selectFrom('accounts').select(['account_id', 'external_id']).execute()).map((row) => [Number(row.account_id), row.external_id]));
  const values = await evaluateIndicators(db, { asOf, config, scope, horizonDays: 90 });
  return Object.fromEntries(values.filter((row) => row.indicator === 'arr').map((row) => [ids.get(row.accountId)!, row.value]));
}

const DAYS = ['2026-02-05', '2026-02-10', '2026-03-20', '2026-04-14', '2026-04-15', '2026-04-20', '2026-05-20'];

describeEachBackend('scope after a churn and a reactivation', (context) => {
  it('leaves the account out between its churn and its return, whatever is loaded later', async () => {
    const { db } = context();
    await load(db, 'accounts', ACCOUNTS);
    await load(db, 'subscriptions', [HEADER, ...BEFORE_CHURN].join('\n'));
    const churnOnly = await Promise.all(DAYS.map((day) => inScope(db, day)));
    // In on 5 Feb (the 1 Feb renewal: $600 a year); out from 10 Feb (the churn, decided that morning) on.
    expect(churnOnly.map((scope) => scope.comeback ?? 'out')).toEqual([60_000, 'out', 'out', 'out', 'out', 'out', 'out']);

    await load(db, 'subscriptions', [HEADER, ...BEFORE_CHURN, ...COMEBACK].join('\n'));
    const renewals = await db.selectFrom('renewals').select(['renewal_date', 'outcome', 'decided_at']).orderBy('renewal_date').execute();
    expect(renewals.map((row) => [String(row.renewal_date), row.outcome, new Date(row.decided_at).toISOString()])).toEqual([
      ['2026-02-01', 'renewed', '2026-02-01T00:00:00.000Z'],
      ['2026-03-01', 'churned', '2026-02-10T09:00:00.000Z'],
      ['2026-05-15', 'renewed', '2026-05-15T00:00:00.000Z'],
    ]);
    const withComeback = await Promise.all(DAYS.map((day) => inScope(db, day)));
    // Point in time: the days before 15 April do not move; from 15 April the account is back. Its ARR is the
    // contract in force (ARR before the 15 May renewal), then the 15 May renewal's ARR after; never the churn's 0.
    expect(withComeback.map((scope) => scope.comeback ?? 'out')).toEqual([60_000, 'out', 'out', 'out', 60_000, 60_000, 60_000]);
  });

  it('scores the account again after its return: its next renewal is within the horizon', async () => {
    const { db } = context();
    expect(Object.keys(await inScope(db, '2026-03-20', 'renewing'))).not.toContain('comeback');
    expect(await inScope(db, '2026-04-20', 'renewing')).toMatchObject({ comeback: 60_000 });
  });

  it('takes a renewals file’s later decided renewal as the return, from its decision on', async () => {
    const { db } = context();
    await load(db, 'renewals', RENEWALS);
    // Out after the churn is decided (1 May 2025), through 28 Feb 2026; in from the renewal decided 1 March.
    expect(Object.keys(await inScope(db, '2025-04-30'))).toContain('filed');
    expect(Object.keys(await inScope(db, '2025-05-01'))).not.toContain('filed');
    expect(Object.keys(await inScope(db, '2026-02-28'))).not.toContain('filed');
    expect(await inScope(db, '2026-03-01')).toMatchObject({ filed: 90_000 });
  });
});
