// Database access for the REST API's outcome routes (/api/v1/outcomes, /api/v1/save-rate): one row per
// (account, decided renewal) with a delivered or holdout risk alert linked to it by `radar outcomes` —
// the same cases `radar outcomes` and the weekly report count (sql/alerts.ts decidedCases, sql/report.ts
// saveCases), with the account, the renewal and the alerts' tier and tasks. Keyset order: renewal_id.
import { sql } from 'kysely';
import { DELIVERED_SQL, type Queryable } from './alerts.ts';
import { endOf, startOf } from './report.ts';

export interface OutcomeCaseRow {
  readonly renewalId: number;
  readonly accountId: number;
  readonly externalId: string;
  readonly name: string;
  readonly segment: string;
  readonly csmEmail: string | null;
  readonly renewalDate: string;
  readonly decidedAt: Date;
  /** The renewal's own outcome: renewed, churned, downgraded, expanded. */
  readonly renewalOutcome: string;
  /** What it means for the alerts: saved, lost, downgraded. */
  readonly outcome: string;
  /** Every alert decision on this renewal was a holdout (the control group). */
  readonly holdout: boolean;
  readonly arrBeforeCents: number;
  readonly arrAfterCents: number;
  readonly alerts: number;
  readonly firstAlertOn: string;
  /** The highest tier among the linked alerts. */
  readonly tier: string | null;
  readonly tasksTotal: number;
  readonly tasksDone: number;
}

export interface OutcomeCaseFilter {
  /** Decided on or after this UTC day. */
  readonly from?: string;
  /** Decided on or before this UTC day. */
  readonly to?: string;
  readonly outcome?: string;
  readonly group?: 'alerted' | 'holdout';
  readonly tier?: string;
  readonly csm?: string;
  /** renewal_id above this (the cursor). */
  readonly after?: number;
  readonly limit?: number;
}

const TIER_NAMES = ['low', 'medium', 'high', 'critical'];
const TIER_RANK = sql`CASE a.tier WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 WHEN 'critical' THEN 4 END`;

export async function outcomeCases(db: Queryable, filter: OutcomeCaseFilter): Promise<OutcomeCaseRow[]> {
  const result = await sql<{
    renewal_id: number; account_id: number; external_id: string; name: string; segment: string; csm_email: string | null; renewal_date: string; decided_at: Date;
    renewal_outcome: string; outcome: string; holdout: boolean; arr_before_cents: number; arr_after_cents: number; alerts: number; first_alert_on: string; tier_rank: number | null;
    tasks_total: number; tasks_done: number;
  }>`
    SELECT r.renewal_id, ac.account_id, ac.external_id, ac.name, ac.segment, ac.csm_email, r.renewal_date, r.decided_at, r.outcome AS renewal_outcome,
           min(a.outcome) AS outcome, bool_and(a.is_holdout) AS holdout, r.arr_before_cents, r.arr_after_cents,
           count(DISTINCT a.alert_id)::int AS alerts, min(a.as_of) AS first_alert_on, max(${TIER_RANK})::int AS tier_rank,
           count(t.task_id)::int AS tasks_total, count(t.task_id) FILTER (WHERE t.status = 'done')::int AS tasks_done
    FROM alerts a
    JOIN renewals r ON r.renewal_id = a.outcome_renewal_id
    JOIN accounts ac ON ac.account_id = a.account_id
    LEFT JOIN tasks t ON t.alert_id = a.alert_id
    WHERE a.kind = 'risk' AND a.outcome IS NOT NULL AND (a.is_holdout OR a.status IN ${DELIVERED_SQL})
      AND r.renewal_id > ${filter.after ?? 0}
      ${filter.from !== undefined ? sql`AND r.decided_at >= ${startOf(filter.from)}` : sql``}
      ${filter.to !== undefined ? sql`AND r.decided_at < ${endOf(filter.to)}` : sql``}
      ${filter.csm !== undefined ? sql`AND lower(ac.csm_email) = ${filter.csm.toLowerCase()}` : sql``}
    GROUP BY r.renewal_id, ac.account_id
    HAVING true
      ${filter.outcome !== undefined ? sql`AND min(a.outcome) = ${filter.outcome}` : sql``}
      ${filter.group !== undefined ? sql`AND bool_and(a.is_holdout) = ${filter.group === 'holdout'}` : sql``}
      ${filter.tier !== undefined ? sql`AND max(${TIER_RANK}) = ${TIER_NAMES.indexOf(filter.tier) + 1}` : sql``}
    ORDER BY r.renewal_id
    ${filter.limit !== undefined ? sql`LIMIT ${filter.limit}` : sql``}`.execute(db);
  return result.rows.map((row) => ({
    renewalId: Number(row.renewal_id),
    accountId: Number(row.account_id),
    externalId: row.external_id,
    name: row.name,
    segment: row.segment,
    csmEmail: row.csm_email,
    renewalDate: row.renewal_date,
    decidedAt: row.decided_at,
    renewalOutcome: row.renewal_outcome,
    outcome: row.outcome,
    holdout: row.holdout,
    arrBeforeCents: Number(row.arr_before_cents),
    arrAfterCents: Number(row.arr_after_cents),
    alerts: row.alerts,
    firstAlertOn: row.first_alert_on,
    tier: row.tier_rank === null ? null : TIER_NAMES[row.tier_rank - 1]!,
    tasksTotal: row.tasks_total,
    tasksDone: row.tasks_done,
  }));
}

