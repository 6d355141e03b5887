// Database access for the weekly report (`radar report weekly`). Read-only; every query takes the
// report's days as parameters (no clock), returns camelCase rows with money as integer cents, and
// leaves the arithmetic to pipelines/report/figures.ts so each figure is computed (and tested) once.
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { DELIVERED_SQL } from './alerts.ts';
import type { DB, Json } from './schema.ts';

export type Queryable = Kysely<DB> | Transaction<DB>;

/** Midnight UTC starting a 'YYYY-MM-DD' day, as timestamptz. */
export const startOf = (day: string) => sql`(${day}::date::timestamp AT TIME ZONE 'UTC')`;
export const endOf = (day: string) => sql`((${day}::date + 1)::timestamp AT TIME ZONE 'UTC')`;

export interface ReportRenewalRow {
  readonly renewalId: number;
  readonly accountId: number;
  readonly renewalDate: string;
  /** UTC day of decided_at. */
  readonly decidedOn: string;
  readonly outcome: 'renewed' | 'churned' | 'downgraded' | 'expanded';
  readonly arrBeforeCents: number;
  readonly arrAfterCents: number;
  /** A delivered (not holdout) risk alert on the account dated in [renewal − horizonDays, renewal] and on or before the decision day. */
  readonly alerted: boolean;
}

/** Renewals decided (UTC day of decided_at) in [from, to]. */
export async function decidedRenewals(db: Queryable, period: { from: string; to: string }, horizonDays: number): Promise<ReportRenewalRow[]> {
  const result = await sql<{
    renewal_id: number;
    account_id: number;
    renewal_date: string;
    decided_on: string;
    outcome: ReportRenewalRow['outcome'];
    arr_before_cents: number;
    arr_after_cents: number;
    alerted: boolean;
  }>`
    SELECT r.renewal_id, r.account_id, r.renewal_date,
           to_char(r.decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS decided_on,
           r.outcome, r.arr_before_cents, r.arr_after_cents,
           EXISTS (
             SELECT 1 FROM alerts a
             WHERE a.account_id = r.account_id AND a.kind = 'risk' AND NOT a.is_holdout AND a.status IN ${DELIVERED_SQL}
               AND a.as_of BETWEEN r.renewal_date - ${horizonDays}::int AND r.renewal_date
               AND a.as_of <= (r.decided_at AT TIME ZONE 'UTC')::date
           ) AS alerted
    FROM renewals r
    WHERE r.decided_at >= ${startOf(period.from)} AND r.decided_at < ${endOf(period.to)}
    ORDER BY r.decided_at, r.renewal_id`.execute(db);
  return result.rows.map((row) => ({
    renewalId: row.renewal_id,
    accountId: row.account_id,
    renewalDate: row.renewal_date,
    decidedOn: row.decided_on,
    outcome: row.outcome,
    arrBeforeCents: row.arr_before_cents,
    arrAfterCents: row.arr_after_cents,
    alerted: row.alerted,
  }));
}

export interface RenewingAccountRow {
  readonly accountId: number;
  readonly externalId: string;
  readonly name: string;
  readonly segment: string;
  readonly csmEmail: string | null;
  /** The account's next renewal after `asOf`, within the horizon. */
  readonly renewalDate: string;
  /** ARR at stake: the renewal row's ARR before when the renewal is on record, else the account's ARR. */
  readonly arrCents: number;
  /** The latest score on or before `asOf` (null: never scored). */
  readonly probability: number | null;
  readonly tier: 'low' | 'medium' | 'high' | 'critical' | null;
  readonly scoreAsOf: string | null;
  readonly modelVersion: string | null;
}

/**
 * The CTEs `candidates` and `next_renewal` (account_id, renewal_date, arr_cents): each account's next
 * renewal in (asOf, asOf + horizonDays] as known at the end of `asOf` (see renewingAccounts). Shared by
 * the report, the forecast and the renewal calendar so all three agree on which renewal is next.
 */
export function nextRenewalCtes(asOf: string, horizonDays: number) {
  return sql`
    WITH candidates AS (
      SELECT r.account_id, r.renewal_date, r.arr_before_cents AS arr_cents, 0 AS preference
      FROM renewals r
      WHERE r.renewal_date > ${asOf}::date AND r.renewal_date <= ${asOf}::date + ${horizonDays}::int
        AND r.decided_at >= ${endOf(asOf)}
      UNION ALL
      SELECT a.account_id, a.renewal_date, a.arr_cents, 1 AS preference
      FROM accounts a
      WHERE a.status = 'active' AND a.contract_start <= ${asOf}::date
        AND a.renewal_date > ${asOf}::date AND a.renewal_date <= ${asOf}::date + ${horizonDays}::int
        AND NOT EXISTS (SELECT 1 FROM renewals d WHERE d.account_id = a.account_id AND d.renewal_date = a.renewal_date AND d.decided_at < ${endOf(asOf)})
    ),
    next_renewal AS (
      SELECT DISTINCT ON (account_id) account_id, renewal_date, arr_cents
      FROM candidates
      ORDER BY account_id, renewal_date, preference
    )`;
}

/** The latest score of an account dated on or before a day (any model; the newest scored wins a tie): probability, tier, as_of, model_version. */
export function latestScoreOf(accountId: RawBuilder<unknown>, day: RawBuilder<unknown>) {
  return sql`
      SELECT rs.probability, rs.tier, rs.as_of, rs.model_version
      FROM risk_scores rs
      WHERE rs.account_id = ${accountId} AND rs.as_of <= ${day}
      ORDER BY rs.as_of DESC, rs.scored_at DESC, rs.model_version DESC
      LIMIT 1`;
}

/**
 * Accounts whose next renewal falls in (asOf, asOf + horizonDays], as known at the end of `asOf`:
 * a renewal on record but decided after `asOf` was still open then; otherwise the account's current
 * renewal date, if the account was active and had started. One row per account (the earliest renewal),
 * with the account's latest risk score dated on or before `asOf` (any model; the newest scored wins a tie).
 */
export async function renewingAccounts(db: Queryable, asOf: string, horizonDays: number): Promise<RenewingAccountRow[]> {
  const result = await sql<{
    account_id: number;
    external_id: string;
    name: string;
    segment: string;
    csm_email: string | null;
    renewal_date: string;
    arr_cents: number;
    probability: number | null;
    tier: RenewingAccountRow['tier'];
    score_as_of: string | null;
    model_version: string | null;
  }>`
    ${nextRenewalCtes(asOf, horizonDays)}
    SELECT a.account_id, a.external_id, a.name, a.segment, a.csm_email, n.renewal_date, n.arr_cents,
           s.probability, s.tier, s.as_of AS score_as_of, s.model_version
    FROM next_renewal n
    JOIN accounts a ON a.account_id = n.account_id
    LEFT JOIN LATERAL (${latestScoreOf(sql`n.account_id`, sql`${asOf}::date`)}) s ON true
    ORDER BY a.account_id`.execute(db);
  return result.rows.map((row) => ({
    accountId: row.account_id,
    externalId: row.external_id,
    name: row.name,
    segment: row.segment,
    csmEmail: row.csm_email,
    renewalDate: row.renewal_date,
    arrCents: row.arr_cents,
    probability: row.probability,
    tier: row.tier,
    scoreAsOf: row.score_as_of,
    modelVersion: row.model_version,
  }));
}

/** Every segment an account is in (so a segment without renewing ARR still shows, with zero). */
export async function listSegments(db: Queryable): Promise<string[]> {
  const rows = await db.selectFrom('accounts').select('segment').distinct().orderBy('segment').execute();
  return rows.map((row) => row.segment);
}

export interface AccountTaskStatus {
  readonly accountId: number;
  readonly total: number;
  /** Done by the end of `asOf`. */
  readonly done: number;
  /** Not done by the end of `asOf` and due before it. */
  readonly overdue: number;
}

/** Tasks of risk alerts dated in (asOf − horizonDays, asOf], per account. */
export async function taskStatus(db: Queryable, asOf: string, horizonDays: number, accountIds: readonly number[]): Promise<Map<number, AccountTaskStatus>> {
  if (accountIds.length === 0) return new Map();
  const result = await sql<{ account_id: number; total: number; done: number; overdue: number }>`
    SELECT t.account_id, count(*)::int AS total,
           count(*) FILTER (WHERE t.status = 'done' AND t.completed_at < ${endOf(asOf)})::int AS done,
           count(*) FILTER (WHERE NOT (t.status = 'done' AND t.completed_at < ${endOf(asOf)}) AND t.status <> 'cancelled' AND t.due_on < ${asOf}::date)::int AS overdue
    FROM tasks t
    JOIN alerts a ON a.alert_id = t.alert_id
    WHERE a.kind = 'risk' AND a.as_of > ${asOf}::date - ${horizonDays}::int AND a.as_of <= ${asOf}::date
      AND t.account_id IN (${sql.join([...accountIds])})
    GROUP BY t.account_id`.execute(db);
  return new Map(result.rows.map((row) => [row.account_id, { accountId: row.account_id, total: row.total, done: row.done, overdue: row.overdue }]));
}

export interface AlertFunnelRow {
  /** Risk alerts dated in the period that reached someone (sent or dry run), not holdout. */
  readonly delivered: number;
  /** Risk alerts dated in the period held back as the control group. */
  readonly holdout: number;
  /** Delivered alerts with at least one task done by the end of `asOf`. */
  readonly withTaskDone: number;
  /** Delivered alerts whose linked renewal was decided by the end of `asOf`. */
  readonly withOutcome: number;
  readonly saved: number;
}

/** The funnel over risk alerts dated in [from, to]; outcomes from alerts.outcome (linked by `radar outcomes`). */
export async function alertFunnel(db: Queryable, period: { from: string; to: string }, asOf: string): Promise<AlertFunnelRow> {
  const result = await sql<{ delivered: number; holdout: number; with_task_done: number; with_outcome: number; saved: number }>`
    SELECT count(*) FILTER (WHERE d.delivered)::int AS delivered,
           count(*) FILTER (WHERE a.is_holdout)::int AS holdout,
           count(*) FILTER (WHERE d.delivered AND EXISTS (
             SELECT 1 FROM tasks t WHERE t.alert_id = a.alert_id AND t.account_id = a.account_id AND t.status = 'done' AND t.completed_at < ${endOf(asOf)}))::int AS with_task_done,
           count(*) FILTER (WHERE d.delivered AND r.renewal_id IS NOT NULL)::int AS with_outcome,
           count(*) FILTER (WHERE d.delivered AND r.renewal_id IS NOT NULL AND a.outcome = 'saved')::int AS saved
    FROM alerts a
    CROSS JOIN LATERAL (SELECT NOT a.is_holdout AND a.status IN ${DELIVERED_SQL} AS delivered) d
    LEFT JOIN renewals r ON r.renewal_id = a.outcome_renewal_id AND r.account_id = a.account_id AND a.outcome IS NOT NULL AND r.decided_at < ${endOf(asOf)}
    WHERE a.kind = 'risk' AND a.as_of >= ${period.from}::date AND a.as_of <= ${period.to}::date`.execute(db);
  const row = result.rows[0]!;
  return { delivered: row.delivered, holdout: row.holdout, withTaskDone: row.with_task_done, withOutcome: row.with_outcome, saved: row.saved };
}

export interface SaveCaseRow {
  readonly accountId: number;
  readonly renewalId: number;
  /** Every alert decision on this renewal was a holdout. */
  readonly holdout: boolean;
  readonly outcome: 'saved' | 'lost' | 'downgraded' | 'expanded';
}

/** One row per (account, renewal decided in [from, to]) with a delivered or holdout risk alert linked to it. */
export async function saveCases(db: Queryable, period: { from: string; to: string }): Promise<SaveCaseRow[]> {
  const result = await sql<{ account_id: number; renewal_id: number; holdout: boolean; outcome: SaveCaseRow['outcome'] }>`
    SELECT a.account_id, a.outcome_renewal_id AS renewal_id, bool_and(a.is_holdout) AS holdout, min(a.outcome) AS outcome
    FROM alerts a
    JOIN renewals r ON r.renewal_id = a.outcome_renewal_id AND r.account_id = a.account_id
    WHERE a.kind = 'risk' AND a.outcome IS NOT NULL AND (a.is_holdout OR a.status IN ${DELIVERED_SQL})
      AND r.decided_at >= ${startOf(period.from)} AND r.decided_at < ${endOf(period.to)}
    GROUP BY a.account_id, a.outcome_renewal_id
    ORDER BY a.account_id, a.outcome_renewal_id`.execute(db);
  return result.rows.map((row) => ({ accountId: row.account_id, renewalId: row.renewal_id, holdout: row.holdout, outcome: row.outcome }));
}

export interface ScoredRenewalRow {
  readonly renewalId: number;
  readonly accountId: number;
  readonly outcome: ReportRenewalRow['outcome'];
  /** The last score dated in [renewal − leadDays − 30, renewal − leadDays]. */
  readonly leadProbability: number | null;
  readonly leadModelVersion: string | null;
  /** The rule scorecard's probability on that same score row (null when not stored). */
  readonly leadScorecardProbability: number | null;
  /** Otherwise: the last score dated in [renewal − leadDays − 30, min(renewal, decision day − 1)]. */
  readonly latestProbability: number | null;
  readonly latestModelVersion: string | null;
  readonly latestScorecardProbability: number | null;
}

/** Days before the lead point a score may be and still count as "about this renewal". */
export const LEAD_SCORE_WINDOW_DAYS = 30;

/** Renewals decided in [from, to] with the score the model gave them ahead of the decision. */
export async function scoredRenewals(db: Queryable, period: { from: string; to: string }, leadDays: number): Promise<ScoredRenewalRow[]> {
  const oldest = leadDays + LEAD_SCORE_WINDOW_DAYS;
  const result = await sql<{
    renewal_id: number;
    account_id: number;
    outcome: ReportRenewalRow['outcome'];
    lead_probability: number | null;
    lead_model_version: string | null;
    lead_scorecard_probability: number | null;
    latest_probability: number | null;
    latest_model_version: string | null;
    latest_scorecard_probability: number | null;
  }>`
    SELECT r.renewal_id, r.account_id, r.outcome,
           lead.probability AS lead_probability, lead.model_version AS lead_model_version,
           lead.scorecard_probability AS lead_scorecard_probability,
           latest.probability AS latest_probability, latest.model_version AS latest_model_version,
           latest.scorecard_probability AS latest_scorecard_probability
    FROM renewals r
    LEFT JOIN LATERAL (
      SELECT s.probability, s.model_version, s.scorecard_probability FROM risk_scores s
      WHERE s.account_id = r.account_id AND s.as_of >= r.renewal_date - ${oldest}::int AND s.as_of <= r.renewal_date - ${leadDays}::int
      ORDER BY s.as_of DESC, s.scored_at DESC, s.model_version DESC LIMIT 1
    ) lead ON true
    LEFT JOIN LATERAL (
      SELECT s.probability, s.model_version, s.scorecard_probability FROM risk_scores s
      WHERE s.account_id = r.account_id AND s.as_of >= r.renewal_date - ${oldest}::int AND s.as_of <= r.renewal_date
        AND s.as_of < (r.decided_at AT TIME ZONE 'UTC')::date
      ORDER BY s.as_of DESC, s.scored_at DESC, s.model_version DESC LIMIT 1
    ) latest ON true
    WHERE r.decided_at >= ${startOf(period.from)} AND r.decided_at < ${endOf(period.to)}
    ORDER BY r.renewal_id`.execute(db);
  return result.rows.map((row) => ({
    renewalId: row.renewal_id,
    accountId: row.account_id,
    outcome: row.outcome,
    leadProbability: row.lead_probability,
    leadModelVersion: row.lead_model_version,
    leadScorecardProbability: row.lead_scorecard_probability,
    latestProbability: row.latest_probability,
    latestModelVersion: row.latest_model_version,
    latestScorecardProbability: row.latest_scorecard_probability,
  }));
}

export interface ReportModelRow {
  readonly version: string;
  readonly isPromoted: boolean;
  readonly metrics: Json;
}

/** The stored models named (their metrics carry the held-out model vs scorecard comparison). */
export async function modelsByVersion(db: Queryable, versions: readonly string[]): Promise<ReportModelRow[]> {
  if (versions.length === 0) return [];
  const rows = await db.selectFrom('models').select(['version', 'is_promoted', 'metrics']).where('version', 'in', [...versions]).orderBy('version').execute();
  return rows.map((row) => ({ version: row.version, isPromoted: row.is_promoted, metrics: row.metrics }));
}
