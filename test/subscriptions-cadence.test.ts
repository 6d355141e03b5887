// Cadence on both backends (issue 15): a monthly business derived from subscriptions, trained with the
// default leadDays of 90 and with 20. Every count below is worked out by hand from the periods.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Kysely } from 'kysely';
import { parseConfig } from '../config/load.ts';
import { fileSourceSchema } from '../config/sources.ts';
import { leadDaysWarning } from '../models/cadence.ts';
import { buildTrainingSet } from '../models/training-set.ts';
import { skipReport } from '../models/training-skips.ts';
import { ingestSource } from '../pipelines/ingest/run.ts';
import { silentLogger } from '../pipelines/log.ts';
import type { DB } from '../sql/schema.ts';
import { typicalPeriodDays } from '../sql/subscriptions.ts';
import { describeEachBackend } from './support/database.ts';

const NOW = new Date('2026-01-15T12:00:00Z');

/** Monthly periods from `first` for `count` months; the last one cancelled on `cancelledOn` when given. */
function monthly(account: string, first: string, count: number, cancelledOn?: string): string[] {
  const [year, month] = first.split('-').map(Number) as [number, number];
  return Array.from({ length: count }, (_, i) => {
    const start = new Date(Date.UTC(year, month - 1 + i, 1)).toISOString().slice(0, 10);
    const end = new Date(Date.UTC(year, month + i, 1)).toISOString().slice(0, 10);
    const cancel = cancelledOn && i === count - 1 ? `${cancelledOn}T09:00:00Z,true` : ',false';
    return `${account},sub_${account},${start},${end},month,1,5000,1,active,${cancel},`;
  });
}

// acct-1..3: Jan 2025 – Jan 2026 (12 renewals each, all renewed; the January 2026 period is running).
// acct-4: Jan – Jun 2025, cancelled on 15 March at the end of June (5 renewed, churned 1 July, decided 15 March).
// acct-5: a young account, Nov – Dec 2025, cancelled 20 December (renewed 1 December, churned 1 January).
const PERIODS = [
  ...monthly('acct-1', '2025-01', 13),
  ...monthly('acct-2', '2025-01', 13),
  ...monthly('acct-3', '2025-01', 13),
  ...monthly('acct-4', '2025-01', 6, '2025-03-15'),
  ...monthly('acct-5', '2025-11', 2, '2025-12-20'),
];
const ACCOUNTS = [
  'account_id,name,arr_cents,contract_start,renewal_date',
  ...['acct-1', 'acct-2', 'acct-3', 'acct-4'].map((id) => `${id},${id},60000,2025-01-01,2026-02-01`),
  'acct-5,acct-5,60000,2025-11-01,2026-02-01',
];

async function load(db: Kysely<DB>, entity: 'accounts' | 'subscriptions', lines: readonly string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'radar-cadence-'));
  writeFileSync(join(dir, `${entity}.csv`), `${lines.join('\n')}\n`);
  const source = fileSourceSchema.parse({ kind: 'file', entity, path: `${entity}.csv` });
  return ingestSource(db, { name: entity, source }, { logger: silentLogger, baseDir: dir, now: NOW });
}

describeEachBackend('subscriptions cadence', (context) => {
  it('derives 44 renewals (2 churners) from a year of monthly subscriptions', async () => {
    const { db } = context();
    await load(db, 'accounts', ACCOUNTS);
    const summary = await load(db, 'subscriptions', ['account_id,subscription_id,period_start,period_end,interval,interval_count,amount_cents,quantity,status,canceled_at,cancel_at_period_end,ended_at', ...PERIODS]);
    expect(summary.detail?.derivedRenewals).toMatchObject({ derived: 44, inserted: 44 });
  });

  it('with leadDays 90, skips the first two renewals of every account and both churners, and says why', async () => {
    const { db } = context();
    const config = parseConfig({ playbooks: {}, leadDays: 90 }).config;
    const set = await buildTrainingSet(db, { config, decidedBefore: '2026-01-15' });
    // As of renewal − 90 days: 1 Feb and 1 Mar renewals fall before a 1 January contract start (4 accounts × 2),
    // acct-5's two before its 1 November start (one is its churn); acct-4's churn was known on 15 March,
    // before its as-of day 2 April.
    expect(set.skipped.considered).toEqual({ renewals: 44, churners: 2 });
    expect(set.skipped.byReason).toEqual({
      contract_not_started: { renewals: 10, churners: 1 },
      churn_already_decided: { renewals: 1, churners: 1 },
      outside_training_window: { renewals: 0, churners: 0 },
    });
    expect(set.rows).toHaveLength(33);
    const report = skipReport(set.skipped, 90);
    expect(report.lines).toEqual([
      '10 renewals (1 churners): renewal too soon after contract start: the as-of day (renewal date − leadDays 90) is before the contract started',
      '1 renewals (1 churners): churn already decided by the as-of day: cancelled more than leadDays 90 ahead, or the account had churned before',
    ]);
    expect(report.warning).toMatch(/^training skipped 25% of decided renewals and 100% of churners \(more than 10%\): lower leadDays \(now 90\) below the typical billing period/);
  });

  it('with leadDays 20, keeps them, and only the churn known months ahead stays out', async () => {
    const { db } = context();
    const config = parseConfig({ playbooks: {}, leadDays: 20 }).config;
    const set = await buildTrainingSet(db, { config, decidedBefore: '2026-01-15' });
    // acct-4 is out of scope from its cancellation (15 March) on: its 1 May, 1 June and 1 July renewals
    // (as of 11 April, 12 May, 11 June). acct-5's churn is decided 20 December, after its as-of day 12 December.
    expect(set.skipped.byReason).toEqual({
      contract_not_started: { renewals: 0, churners: 0 },
      churn_already_decided: { renewals: 3, churners: 1 },
      outside_training_window: { renewals: 0, churners: 0 },
    });
    expect(skipReport(set.skipped, 20).warning).toBe(
      'training skipped 7% of decided renewals and 50% of churners (more than 10%): churns decided more than leadDays (now 20) ahead are known, not predicted: raise leadDays above the usual notice period to learn from them',
    );
  });

  it('finds the typical billing period, and config check --data warns when leadDays exceed it', async () => {
    const { db } = context();
    // 47 periods: 4 of 28 days, 15 of 30, 28 of 31 → the 24th is 31.
    const typical = await typicalPeriodDays(db);
    expect(typical).toEqual({ days: 31, basis: 'subscription periods', count: 47 });
    expect(leadDaysWarning(90, typical)).toBe(
      'leadDays 90 exceeds the typical billing period in the data (31 days, the median of 47 subscription periods): training skips renewals that come within leadDays of the contract start, and scores look past the previous renewal. Set leadDays to about 21 (and horizonDays near 31); see docs/subscriptions.md "Monthly vs annual business".',
    );
    expect(leadDaysWarning(31, typical)).toBeUndefined();
    expect(leadDaysWarning(90, undefined)).toBeUndefined();
  });
});

describe('docs/subscriptions.md', () => {
  it('shows only config that radar accepts, and the monthly recipe sets what it says', () => {
    const text = readFileSync(new URL('../docs/subscriptions.md', import.meta.url), 'utf8');
    const blocks = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => parse(match[1]!) as Record<string, unknown>);
    expect(blocks).toHaveLength(4);
    const configs = blocks.map((block) => parseConfig({ playbooks: {}, ...block }).config);
    const recipe = configs[3]!;
    // Built-in indicator sections are keyed by id (the schema is built from the registry, so the type is a record).
    const sections = recipe.indicators as unknown as Record<string, { critical: number | null; warning: number | null } | undefined>;
    expect([recipe.leadDays, recipe.horizonDays, sections.tenure?.critical, sections.daysToRenewal?.warning]).toEqual([21, 31, 30, 7]);
    expect(configs[0]!.sources.billing).toMatchObject({ entity: 'subscriptions', money: 'decimal' });
    expect(configs[1]!.sources['stripe-subscriptions']).toMatchObject({ preset: 'stripe-subscriptions' });
    expect(configs[2]!.subscriptions).toEqual({ graceDays: 3, updateAccounts: true });
  });
});
