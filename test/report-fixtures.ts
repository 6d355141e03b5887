// Fixture company for the weekly report tests: every row is written here, by hand, so each figure of
// the report can be recomputed by hand in test/report.test.ts (see the comments there for the sums).
// Report week 2026-W47 = Monday 2026-11-16 … Sunday 2026-11-22.
import type { Kysely } from 'kysely';
import { parseConfig, type LoadedConfig } from '../config/load.ts';
import type { DB } from '../sql/schema.ts';

export const WEEK = '2026-W47';
export const SUNDAY = '2026-11-22';
export const NOW = new Date('2026-11-23T08:00:00Z');
export const MODEL = 'm-report-test';

export function reportTestConfig(): LoadedConfig {
  return parseConfig({
    report: { topAccounts: 3, trendWeeks: 3, calibrationBins: 2 },
    sources: {
      usage: { kind: 'file', path: 'usage.csv', entity: 'usage_daily', maxStaleness: '48h' },
      support: { kind: 'file', path: 'support.csv', entity: 'support_contacts', maxStaleness: '7d' },
    },
  });
}

type Tier = 'low' | 'medium' | 'high' | 'critical';

export interface ReportFixture {
  readonly ids: Record<string, number>;
  readonly renewals: Record<string, number>;
}

export async function seedReportFixture(db: Kysely<DB>): Promise<ReportFixture> {
  const ids: Record<string, number> = {};
  const renewals: Record<string, number> = {};
  const account = async (key: string, segment: string, arrCents: number, renewalDate: string, extra: { status?: 'active' | 'churned'; csm?: string } = {}) => {
    const row = await db
      .insertInto('accounts')
      .values({
        external_id: key,
        name: `Account ${key}`,
        segment,
        arr_cents: arrCents,
        csm_email: extra.csm ?? `${key.toLowerCase()}@csm.example`,
        contract_start: '2024-01-01',
        renewal_date: renewalDate,
        status: extra.status ?? 'active',
      })
      .returning('account_id')
      .executeTakeFirstOrThrow();
    ids[key] = row.account_id;
  };
  const renewal = async (key: string, accountKey: string, renewalDate: string, outcome: string, before: number, after: number, decidedAt: string) => {
    const row = await db
      .insertInto('renewals')
      .values({ account_id: ids[accountKey]!, renewal_date: renewalDate, outcome, arr_before_cents: before, arr_after_cents: after, decided_at: decidedAt })
      .returning('renewal_id')
      .executeTakeFirstOrThrow();
    renewals[key] = row.renewal_id;
  };
  const score = async (accountKey: string, asOf: string, probability: number, tier: Tier, scorecardProbability: number | null = null) => {
    await db
      .insertInto('risk_scores')
      .values({ account_id: ids[accountKey]!, as_of: asOf, model_version: MODEL, probability, tier, scorecard_probability: scorecardProbability })
      .execute();
  };
  const alert = async (
    key: string,
    accountKey: string,
    asOf: string,
    status: 'sent' | 'dry_run' | 'holdout' | 'failed',
    outcome: { value: 'saved' | 'lost'; renewal: string } | null,
  ): Promise<number> => {
    const row = await db
      .insertInto('alerts')
      .values({
        dedup_key: `report-test:${key}`,
        account_id: ids[accountKey]!,
        as_of: asOf,
        tier: 'high',
        status,
        is_holdout: status === 'holdout',
        slack_ts: status === 'sent' ? `17000.${key}` : null,
        outcome: outcome?.value ?? null,
        outcome_renewal_id: outcome ? renewals[outcome.renewal]! : null,
      })
      .returning('alert_id')
      .executeTakeFirstOrThrow();
    return row.alert_id;
  };
  const task = async (alertId: number, accountKey: string, step: string, dueOn: string, completedAt: string | null) => {
    await db
      .insertInto('tasks')
      .values({
        alert_id: alertId,
        account_id: ids[accountKey]!,
        playbook: 'usage',
        step,
        owner_role: 'csm',
        due_on: dueOn,
        status: completedAt ? 'done' : 'open',
        completed_at: completedAt,
      })
      .execute();
  };

  await db
    .insertInto('models')
    .values({
      version: MODEL,
      engine: 'irls',
      features: '[]',
      coefficients: '[]',
      intercept: 0,
      scaling: '{}',
      lead_days: 90,
      training_from: '2025-01-01',
      training_to: '2026-06-30',
      class_balance: '{}',
      metrics: JSON.stringify({ model: { rocAuc: 0.81 }, scorecard: { rocAuc: 0.74 } }),
      config_hash: 'test',
      is_promoted: true,
    })
    .execute();

  // Accounts with decided renewals (their next renewal rolled a year on, out of the horizon).
  await account('A1', 'enterprise', 12_345_678, '2027-11-20');
  await account('A2', 'enterprise', 0, '2027-11-18', { status: 'churned' });
  await account('A3', 'mid-market', 1_500_001, '2027-11-19');
  await account('A4', 'smb', 3_600_099, '2027-11-21');
  await account('A5', 'smb', 1_000_001, '2027-10-15');
  await account('A6', 'smb', 0, '2027-11-14', { status: 'churned' });
  await account('A7', 'enterprise', 4_444_444, '2027-03-15');
  await account('A8', 'smb', 0, '2026-11-23', { status: 'churned' });
  await account('A9', 'smb', 555, '2026-11-22');
  await account('A10', 'mid-market', 4_500_000, '2027-12-01');
  // Accounts renewing around the week's end.
  await account('B1', 'enterprise', 10_000_000, '2026-12-10', { csm: 'owner.b1@csm.example' });
  await account('B2', 'enterprise', 5_000_001, '2027-01-15');
  await account('B3', 'mid-market', 3_333_333, '2027-02-20');
  await account('B4', 'mid-market', 7_000_000, '2027-02-21');
  await account('B5', 'smb', 1_234_567, '2026-11-23');
  await account('B6', 'smb', 2_000_000, '2026-12-01');
  await account('B7', 'startup', 0, '2026-12-15');
  await account('B8', 'dormant', 900_000, '2027-06-01');
  await account('B9', 'smb', 8_000_000, '2026-12-05', { status: 'churned' });

  // In the week (decided 11-16 … 11-22).
  await renewal('R1', 'A1', '2026-11-20', 'renewed', 12_345_678, 12_345_678, '2026-11-20T15:00:00Z');
  await renewal('R2', 'A2', '2026-11-18', 'churned', 5_000_050, 0, '2026-11-18T09:00:00Z');
  await renewal('R3', 'A3', '2026-11-19', 'downgraded', 2_000_000, 1_500_001, '2026-11-19T10:00:00Z');
  await renewal('R4', 'A4', '2026-11-21', 'expanded', 3_000_000, 3_600_099, '2026-11-22T23:59:59Z');
  // Quarter to date, before the week.
  await renewal('R5', 'A5', '2026-10-15', 'renewed', 1_000_001, 1_000_001, '2026-10-10T12:00:00Z');
  await renewal('R6', 'A6', '2026-11-14', 'churned', 777_777, 0, '2026-11-15T23:59:59Z');
  // Trailing 12 months, before the quarter (R8 on its first day, R9 the second before it).
  await renewal('R7', 'A7', '2026-03-15', 'renewed', 4_444_444, 4_444_444, '2026-03-15T12:00:00Z');
  await renewal('R8', 'A8', '2025-11-23', 'churned', 999, 0, '2025-11-23T00:00:00Z');
  await renewal('R9', 'A9', '2025-11-22', 'renewed', 555, 555, '2025-11-22T23:59:59Z');
  // Decided the second after the week: still open as of the Sunday (renewing in 9 days with ARR 4,000,000 cents).
  await renewal('R10', 'A10', '2026-12-01', 'renewed', 4_000_000, 4_500_000, '2026-11-23T00:00:00Z');

  await score('A1', '2026-08-22', 0.2, 'low', 0.3); // R1's lead-point score (renewal − 90 days)
  await score('A2', '2026-08-15', 0.7, 'high', 0.4); // R2's lead-point score (window 07-21 … 08-20)
  await score('A2', '2026-11-10', 0.6, 'critical'); // later: not used for model health (the lead score wins)
  await score('A3', '2026-11-12', 0.6, 'medium', 0.5); // R3: no lead score, the latest before the decision
  await score('A5', '2026-07-01', 0.1, 'low', 0.2); // R5's lead score (window 06-17 … 07-17)
  await score('A6', '2026-04-01', 0.99, 'critical'); // too old for R6 (before renewal − 120 days)
  await score('A6', '2026-11-01', 0.55, 'high'); // R6: the latest before the decision (no scorecard probability: an older score row)
  await score('A10', '2026-11-15', 0.5, 'high');
  await score('B1', '2026-11-01', 0.1, 'low');
  await score('B1', '2026-11-20', 0.8, 'critical');
  await score('B1', '2026-11-25', 0.05, 'low'); // after the Sunday: ignored
  await score('B2', '2026-11-22', 0.4, 'high');
  await score('B3', '2026-11-22', 0.2, 'medium');
  await score('B4', '2026-11-22', 0.9, 'critical'); // renews one day past the horizon
  await score('B5', '2026-11-22', 0.05, 'low');
  await score('B7', '2026-11-22', 0.7, 'high'); // zero ARR
  await score('B9', '2026-11-22', 0.95, 'critical'); // churned account

  const al1 = await alert('AL1', 'A1', '2026-10-01', 'sent', { value: 'saved', renewal: 'R1' });
  await task(al1, 'A1', 'call', '2026-10-08', '2026-10-05T10:00:00Z');
  await alert('AL1b', 'A1', '2026-10-08', 'sent', { value: 'saved', renewal: 'R1' });
  const al2 = await alert('AL2', 'A4', '2026-10-20', 'holdout', { value: 'saved', renewal: 'R4' });
  const al3 = await alert('AL3', 'A2', '2026-10-15', 'dry_run', { value: 'lost', renewal: 'R2' });
  await task(al3, 'A2', 'call', '2026-10-22', null);
  const al4 = await alert('AL4', 'B1', '2026-11-20', 'sent', null);
  await task(al4, 'B1', 'call', '2026-11-21', '2026-11-21T10:00:00Z');
  await task(al4, 'B1', 'review', '2026-11-20', null); // overdue on the Sunday
  await task(al4, 'B1', 'exec-sponsor', '2026-11-25', '2026-11-23T09:00:00Z'); // done after the Sunday
  const al5 = await alert('AL5', 'A10', '2026-08-01', 'sent', { value: 'saved', renewal: 'R10' });
  await task(al5, 'A10', 'call', '2026-08-08', '2026-08-05T10:00:00Z');
  await alert('AL6', 'A6', '2026-11-01', 'failed', { value: 'lost', renewal: 'R6' });
  const al7 = await alert('AL7', 'A7', '2026-01-10', 'sent', { value: 'saved', renewal: 'R7' });
  await alert('AL8', 'A8', '2025-11-01', 'holdout', { value: 'lost', renewal: 'R8' });
  // "Not a risk" feedback from Slack: on AL3 and AL7 (delivered), and on AL2 (a holdout row: never counted).
  const notRisk = async (alertId: number, accountKey: string, reason: 'customer_fine' | 'data_wrong') =>
    db
      .insertInto('alert_feedback')
      .values({ alert_id: alertId, account_id: ids[accountKey]!, reason, slack_user_id: 'UCSM', recorded_at: '2026-11-02T10:00:00Z' })
      .execute();
  await notRisk(al3, 'A2', 'customer_fine');
  await notRisk(al7, 'A7', 'data_wrong');
  await notRisk(al2, 'A4', 'customer_fine');

  // Freshness: usage fresh (newest day the Sunday, judged 8 h later), support stale (22 days > 7d).
  await db.insertInto('usage_daily').values({ account_id: ids.B1!, day: SUNDAY, active_users: 5 }).execute();
  await db.insertInto('support_contacts').values({ external_id: 'T-1', account_id: ids.B1!, opened_at: '2026-11-01T09:00:00Z' }).execute();
  return { ids, renewals };
}
