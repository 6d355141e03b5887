// Database access for `radar review`: every risk alert decision (delivered or held out) dated in a range,
// with what became of it. Read-only; the arithmetic is alerts/review.ts's.
import { sql } from 'kysely';
import { DELIVERED_SQL } from './alerts.ts';
import type { Queryable } from './database.ts';
import type { Json } from './schema.ts';

export interface ReviewTaskCount {
  readonly playbook: string;
  readonly total: number;
  readonly done: number;
}

export interface ReviewAlertRow {
  readonly alertId: number;
  readonly accountId: number;
  readonly asOf: string;
  readonly tier: string;
  /** True for a holdout decision (no message, no tasks); otherwise the alert was delivered (sent or dry run). */
  readonly holdout: boolean;
  /** The account's CSM (accounts.csm_email), null when it has none. */
  readonly csm: string | null;
  /** alerts.outcome as linked by `radar outcomes`: null while the renewal is undecided (or not linked yet). */
  readonly outcome: string | null;
  readonly renewalId: number | null;
  /** The linked renewal's date, or else the account's next renewal date. */
  readonly renewalDate: string;
  /** risk_scores.drivers of the score the alert was made from (null when the score row is gone). */
  readonly drivers: Json | null;
  /** The alert's tasks per playbook, sorted by playbook (none for a holdout decision). */
  readonly tasks: readonly ReviewTaskCount[];
  /** The "Not a risk" reason, when a Slack user gave that verdict. */
  readonly notRiskReason: string | null;
}

/** Risk alerts dated (as_of) in [from, to] that were delivered or held out, oldest first. */
export async function reviewAlerts(db: Queryable, period: { from: string; to: string }): Promise<ReviewAlertRow[]> {
  const result = await sql<{
    alert_id: number; account_id: number; as_of: string; tier: string; is_holdout: boolean; csm_email: string | null; outcome: string | null;
    outcome_renewal_id: number | null; renewal_date: string; drivers: Json | null; tasks: ReviewTaskCount[] | null; reason: string | null;
  }>`
    SELECT a.alert_id, a.account_id, a.as_of::text AS as_of, a.tier, a.is_holdout, acc.csm_email, a.outcome, a.outcome_renewal_id,
           coalesce(r.renewal_date, acc.renewal_date)::text AS renewal_date, rs.drivers,
           t.tasks, f.reason
    FROM alerts a
    JOIN accounts acc ON acc.account_id = a.account_id
    LEFT JOIN renewals r ON r.renewal_id = a.outcome_renewal_id
    LEFT JOIN risk_scores rs ON rs.account_id = a.account_id AND rs.as_of = a.as_of AND rs.model_version = a.model_version
    LEFT JOIN alert_feedback f ON f.alert_id = a.alert_id
    LEFT JOIN LATERAL (
      SELECT jsonb_agg(jsonb_build_object('playbook', p.playbook, 'total', p.total, 'done', p.done) ORDER BY p.playbook) AS tasks
      FROM (SELECT tk.playbook, count(*)::int AS total, (count(*) FILTER (WHERE tk.status = 'done'))::int AS done
            FROM tasks tk WHERE tk.alert_id = a.alert_id GROUP BY tk.playbook) p
    ) t ON true
    WHERE a.kind = 'risk' AND a.tier IS NOT NULL AND (a.is_holdout OR a.status IN ${DELIVERED_SQL})
      AND a.as_of >= ${period.from}::date AND a.as_of <= ${period.to}::date
    ORDER BY a.as_of, a.alert_id`.execute(db);
  return result.rows.map((row) => ({
    alertId: Number(row.alert_id),
    accountId: Number(row.account_id),
    asOf: row.as_of,
    tier: row.tier,
    holdout: row.is_holdout,
    csm: row.csm_email,
    outcome: row.outcome,
    renewalId: row.outcome_renewal_id === null ? null : Number(row.outcome_renewal_id),
    renewalDate: row.renewal_date,
    drivers: row.drivers,
    tasks: row.tasks ?? [],
    notRiskReason: row.reason,
  }));
}
