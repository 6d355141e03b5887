// Database access for the renewal calendar (docs/calendar.md): the accounts reaching a milestone as of
// a day, the record that a milestone was posted (unique per account, renewal date and milestone), the
// recipients whose digest for the day exists, and open task counts.
import { sql } from 'kysely';
import type { Queryable } from './alerts.ts';
import { isAnyOf, parameterSlices } from './batches.ts';
import { latestScoreOf, nextRenewalCtes } from './report.ts';

export interface CadenceStep {
  readonly daysBefore: number;
  /** The milestone before it in the cadence (the next larger daysBefore), or null for the first. */
  readonly previousDaysBefore: number | null;
}

export interface StoredScore {
  readonly asOf: string;
  readonly probability: number;
  readonly tier: string;
  readonly modelVersion: string;
}

export interface MilestoneRow {
  readonly accountId: number;
  readonly externalId: string;
  readonly name: string;
  readonly segment: string;
  readonly currency: string;
  readonly csmEmail: string | null;
  readonly csmSlackId: string | null;
  readonly renewalDate: string;
  /** ARR at stake (the renewal row's ARR before, else the account's ARR), integer cents. */
  readonly arrCents: number;
  readonly daysBefore: number;
  readonly previousDaysBefore: number | null;
  readonly milestoneDay: string;
  /** The latest score on or before the as-of day. */
  readonly now: StoredScore | null;
  /** The latest score on or before the previous milestone's day (null for the first milestone). */
  readonly then: StoredScore | null;
  /** The day a run recorded this milestone (null: not posted yet). */
  readonly postedAsOf: string | null;
}

/**
 * Milestones reached in (asOf − catchUpDays, asOf] by each account's next renewal as known at the end
 * of `asOf` (see nextRenewalCtes) that are not recorded yet, and those recorded by the run of `asOf`
 * itself (`postedAsOf` = asOf), with the scores then and now. Ordered by CSM, milestone, renewal.
 */
export async function milestonesReached(db: Queryable, options: { asOf: string; cadence: readonly CadenceStep[]; catchUpDays: number }): Promise<MilestoneRow[]> {
  const { asOf, cadence, catchUpDays } = options;
  if (cadence.length === 0) return [];
  const horizon = Math.max(...cadence.map((step) => step.daysBefore));
  const days = cadence.map((step) => step.daysBefore);
  // 0 stands for "no previous milestone" (a milestone is at least 1 day before the renewal).
  const previous = cadence.map((step) => step.previousDaysBefore ?? 0);
  const result = await sql<{
    account_id: number; external_id: string; name: string; segment: string; currency: string; csm_email: string | null; csm_slack_id: string | null;
    renewal_date: string; arr_cents: number; days_before: number; previous_days_before: number; milestone_day: string; posted_as_of: string | null;
    now_as_of: string | null; now_probability: number | null; now_tier: string | null; now_model: string | null;
    then_as_of: string | null; then_probability: number | null; then_tier: string | null; then_model: string | null;
  }>`
    ${nextRenewalCtes(asOf, horizon)},
    cadence AS (SELECT * FROM unnest(${days}::int[], ${previous}::int[]) AS c (days_before, previous_days_before)),
    due AS (
      SELECT n.account_id, n.renewal_date, n.arr_cents, c.days_before, c.previous_days_before, n.renewal_date - c.days_before AS milestone_day
      FROM next_renewal n CROSS JOIN cadence c
      WHERE n.renewal_date - c.days_before <= ${asOf}::date AND n.renewal_date - c.days_before > ${asOf}::date - ${catchUpDays}::int
    )
    SELECT d.account_id, a.external_id, a.name, a.segment, a.currency, a.csm_email, a.csm_slack_id, d.renewal_date, d.arr_cents,
           d.days_before, d.previous_days_before, d.milestone_day, m.as_of AS posted_as_of,
           s.as_of AS now_as_of, s.probability AS now_probability, s.tier AS now_tier, s.model_version AS now_model,
           p.as_of AS then_as_of, p.probability AS then_probability, p.tier AS then_tier, p.model_version AS then_model
    FROM due d
    JOIN accounts a ON a.account_id = d.account_id
    LEFT JOIN renewal_milestones m ON m.account_id = d.account_id AND m.renewal_date = d.renewal_date AND m.days_before = d.days_before
    LEFT JOIN LATERAL (${latestScoreOf(sql`d.account_id`, sql`${asOf}::date`)}) s ON true
    LEFT JOIN LATERAL (${latestScoreOf(sql`d.account_id`, sql`d.renewal_date - d.previous_days_before`)}) p ON d.previous_days_before > 0
    WHERE m.milestone_id IS NULL OR m.as_of = ${asOf}::date
    ORDER BY a.csm_email NULLS LAST, d.days_before DESC, d.renewal_date, d.account_id`.execute(db);
  const score = (asOfDay: string | null, probability: number | null, tier: string | null, model: string | null): StoredScore | null =>
    asOfDay !== null && probability !== null && tier !== null && model !== null ? { asOf: asOfDay, probability, tier, modelVersion: model } : null;
  return result.rows.map((row) => ({
    accountId: row.account_id,
    externalId: row.external_id,
    name: row.name,
    segment: row.segment,
    currency: row.currency.trim(),
    csmEmail: row.csm_email,
    csmSlackId: row.csm_slack_id,
    renewalDate: row.renewal_date,
    arrCents: row.arr_cents,
    daysBefore: row.days_before,
    previousDaysBefore: row.previous_days_before > 0 ? row.previous_days_before : null,
    milestoneDay: row.milestone_day,
    now: score(row.now_as_of, row.now_probability, row.now_tier, row.now_model),
    then: score(row.then_as_of, row.then_probability, row.then_tier, row.then_model),
    postedAsOf: row.posted_as_of,
  }));
}

export interface MilestoneRecord {
  readonly accountId: number;
  readonly renewalDate: string;
  readonly daysBefore: number;
  readonly milestoneDay: string;
  readonly asOf: string;
  readonly alertId: number;
}

/** Records milestones as posted, in one statement; returns the alert ids of those recorded now (one recorded already is absent: the unique key). */
export async function recordMilestones(db: Queryable, milestones: readonly MilestoneRecord[]): Promise<Set<number>> {
  const recorded = new Set<number>();
  const values = milestones.map((m) => ({ account_id: m.accountId, renewal_date: m.renewalDate, days_before: m.daysBefore, milestone_day: m.milestoneDay, as_of: m.asOf, alert_id: m.alertId }));
  for (const slice of parameterSlices(values, 6)) {
    const rows = await db.insertInto('renewal_milestones').values(slice).onConflict((oc) => oc.columns(['account_id', 'renewal_date', 'days_before']).doNothing()).returning('alert_id').execute();
    for (const row of rows) recorded.add(row.alert_id);
  }
  return recorded;
}

/** Recipients that already have a calendar digest dated `asOf` (one digest per CSM per day). */
export async function calendarDigestRecipients(db: Queryable, asOf: string): Promise<Set<string>> {
  const rows = await db.selectFrom('alerts').select('recipient').where('kind', '=', 'calendar').where('as_of', '=', asOf).where('recipient', 'is not', null).execute();
  return new Set(rows.map((row) => row.recipient!));
}

/** Open or snoozed tasks per account. */
export async function openTaskCounts(db: Queryable, accountIds: readonly number[]): Promise<Map<number, number>> {
  if (accountIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('tasks')
    .select(['account_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where(isAnyOf('account_id', [...new Set(accountIds)]))
    .where('status', 'in', ['open', 'snoozed'])
    .groupBy('account_id')
    .execute();
  return new Map(rows.map((row) => [row.account_id, Number(row.n)]));
}
