// Subscription periods → renewals (issue 15; the rules, with examples, are in docs/subscriptions.md).
// Set-based and idempotent: the whole derivation is recomputed from the stored periods on every load,
// and rows identical to what is stored are not rewritten, so loading the same export twice changes nothing.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from './schema.ts';

type Db = Kysely<DB> | Transaction<DB>;

export interface DeriveSettings {
  /** The derivation's "now": periods ending after it are still running; churn needs its end + grace before it. */
  readonly now: Date;
  readonly graceDays: number;
}

export interface DerivedRenewalCounts {
  /** Renewals the periods give (decided ones only). */
  readonly derived: number;
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  /** Derived rows no longer given by the periods (a corrected or reinstated subscription), deleted. */
  readonly deleted: number;
  /** Renewals a renewals source wrote for the same account and date: kept as they are. */
  readonly keptFromSource: number;
}

const utcDay = (instant: Date) => instant.toISOString().slice(0, 10);

/** A period's ARR in cents: amount per period × quantity × periods per year (columns of `alias`). */
function annualCents(alias: string) {
  const column = (name: string) => sql.ref(`${alias}.${name}`);
  return sql`round(${column('amount_cents')}::numeric * ${column('quantity')}
    * CASE ${column('billing_interval')} WHEN 'year' THEN 1 WHEN 'month' THEN 12 WHEN 'week' THEN 52 ELSE 365 END / ${column('interval_count')})::bigint`;
}

/** Whether a period was seen cancelled or ended (columns of `alias`). */
function isCancelled(alias: string) {
  const column = (name: string) => sql.ref(`${alias}.${name}`);
  return sql`(${column('canceled_at')} IS NOT NULL OR ${column('ended_at')} IS NOT NULL OR ${column('cancel_at_period_end')}
    OR ${column('status')} IN ('canceled', 'ended', 'incomplete_expired'))`;
}

/**
 * Each paid, unpaused period, its ARR, its effective end (cut where the same subscription's next period
 * starts earlier: an upgrade that reset the billing cycle), what follows it, and when it was decided (NULL:
 * not yet). Set-based: window functions over the periods of each subscription (two sorts of the table)
 * and one hash join for plan switches, instead of index probes per period (issue 15: 5k accounts with
 * 114k periods took 35–55 s that way; `npm run bench:subscriptions` measures this one).
 */
function periodsWithFollowers(graceDays: number, today: string) {
  const grace = sql`${graceDays}::int`;
  return sql`
    -- One pass in primary-key order (no sort): each period with its neighbours in the same subscription.
    periods AS (
      SELECT sp.account_id, sp.subscription_id, sp.period_start, sp.status, sp.canceled_at, sp.ended_at, sp.term_end,
             ${annualCents('sp')} AS arr_cents, ${isCancelled('sp')} AS is_cancelled,
             least(sp.period_end, lead(sp.period_start) OVER same_subscription) AS effective_end,
             lead(sp.period_start) OVER same_subscription IS NULL AS is_last,
             row_number() OVER same_subscription AS nth,
             lag(sp.period_end) OVER same_subscription AS previous_end,
             lag(sp.status) OVER same_subscription AS previous_status
      FROM subscription_periods sp
      WINDOW same_subscription AS (PARTITION BY sp.account_id, sp.subscription_id ORDER BY sp.period_start)
    ),
    -- Each billable period with the same subscription's next billable one. Paused periods in between hold the
    -- renewal open until the last of them ends: the end of the period just before the next billable one.
    billed AS (
      SELECT p.*, lead(p.period_start) OVER next_billed AS next_start, lead(p.arr_cents) OVER next_billed AS next_arr,
             lead(p.term_end) OVER next_billed AS next_term_end,
             CASE WHEN lead(p.previous_status) OVER next_billed = 'paused' THEN lead(p.previous_end) OVER next_billed END AS paused_until
      FROM periods p
      WHERE p.status <> 'paused'
      WINDOW next_billed AS (PARTITION BY p.account_id, p.subscription_id ORDER BY p.period_start)
    ),
    -- The subscription as last seen (its last period, maybe paused): whether it was cancelled since, and when.
    latest AS (
      SELECT account_id, subscription_id, is_cancelled AS last_cancelled, canceled_at AS last_canceled_at, ended_at AS last_ended_at,
             CASE WHEN status = 'paused' THEN effective_end END AS last_paused_until
      FROM periods WHERE is_last
    ),
    -- A new subscription of the same account starting within the grace window around the end: a switch of plan.
    switches AS (
      SELECT DISTINCT ON (b.account_id, b.subscription_id, b.period_start)
             b.account_id, b.subscription_id, b.period_start, f.period_start AS switch_start, f.arr_cents AS switch_arr, f.term_end AS switch_term_end
      FROM billed b
      JOIN periods f ON f.account_id = b.account_id AND f.nth = 1 AND f.status <> 'paused' AND f.subscription_id <> b.subscription_id
        AND f.period_start BETWEEN b.effective_end - ${grace} AND b.effective_end + ${grace}
      WHERE b.arr_cents > 0
      ORDER BY b.account_id, b.subscription_id, b.period_start, f.period_start, f.subscription_id
    ),
    ends AS (
      SELECT b.account_id, b.effective_end AS renewal_date, b.arr_cents AS arr_before, b.next_start, b.next_arr,
             greatest(b.effective_end, held.until) AS hold_until,
             -- The subscription went on: its next period starts within the grace window after the end (or
             -- after a pause), or it was never cancelled (a gap between loads is not a churn).
             b.next_start IS NOT NULL AND (b.next_start <= greatest(b.effective_end, held.until) + ${grace} OR NOT b.is_cancelled) AS continues,
             s.switch_start, s.switch_arr,
             b.is_cancelled OR coalesce(l.last_cancelled, false) AS cancelled, b.term_end, b.next_term_end, s.switch_term_end,
             CASE WHEN b.is_cancelled THEN coalesce(b.canceled_at, b.ended_at) ELSE coalesce(l.last_canceled_at, l.last_ended_at) END AS cancelled_at
      FROM billed b
      -- Only the last billable period of a subscription can be followed by nothing but pauses.
      LEFT JOIN latest l ON b.next_start IS NULL AND l.account_id = b.account_id AND l.subscription_id = b.subscription_id
      CROSS JOIN LATERAL (SELECT coalesce(b.paused_until, l.last_paused_until) AS until) held
      LEFT JOIN switches s ON s.account_id = b.account_id AND s.subscription_id = b.subscription_id AND s.period_start = b.period_start
      -- Trials and free plans (no ARR) and paused periods end in no renewal.
      WHERE b.arr_cents > 0
    ),
    decided AS (
      SELECT account_id, renewal_date, arr_before,
             CASE WHEN continues THEN next_arr ELSE coalesce(switch_arr, 0) END AS arr_after,
             CASE
               WHEN continues THEN next_start::timestamp AT TIME ZONE 'UTC'
               WHEN switch_start IS NOT NULL THEN switch_start::timestamp AT TIME ZONE 'UTC'
               WHEN cancelled THEN coalesce(cancelled_at, hold_until::timestamp AT TIME ZONE 'UTC')
               WHEN hold_until + ${grace} <= ${today}::date THEN (hold_until + ${grace})::timestamp AT TIME ZONE 'UTC'
             END AS decided_at
      FROM ends
      -- Inside a contract term (a monthly invoice of an annual commitment) a period end is no renewal: what
      -- follows it, on the same subscription or a replacement, carries the same term.
      WHERE NOT (term_end IS NOT NULL AND CASE WHEN continues THEN next_term_end = term_end ELSE switch_term_end = term_end END IS TRUE)
    )`;
}

/**
 * Derives renewals from all stored periods and writes them: inserts new ones, updates changed ones,
 * deletes derived ones the periods no longer give, and never touches rows a renewals source wrote.
 */
export async function deriveRenewals(db: Db, settings: DeriveSettings): Promise<DerivedRenewalCounts> {
  const result = await sql<{ derived: number; inserted: number; updated: number; deleted: number; kept: number }>`
    WITH ${periodsWithFollowers(settings.graceDays, utcDay(settings.now))},
    -- Subscriptions of one account ending the same day are one renewal: summed ARR, decided when all are.
    renewals_given AS (
      SELECT account_id, renewal_date, sum(arr_before)::bigint AS arr_before, sum(arr_after)::bigint AS arr_after, max(decided_at) AS decided_at
      FROM decided
      GROUP BY account_id, renewal_date
      HAVING bool_and(decided_at IS NOT NULL)
    ),
    classified AS (
      SELECT account_id, renewal_date, arr_before, arr_after, decided_at,
             CASE WHEN arr_after = 0 THEN 'churned' WHEN arr_after > arr_before THEN 'expanded' WHEN arr_after < arr_before THEN 'downgraded' ELSE 'renewed' END AS outcome
      FROM renewals_given
    ),
    written AS (
      INSERT INTO renewals AS r (account_id, renewal_date, outcome, arr_before_cents, arr_after_cents, decided_at, derived_from_subscriptions)
      SELECT account_id, renewal_date, outcome, arr_before, arr_after, decided_at, true FROM classified
      ON CONFLICT (account_id, renewal_date) DO UPDATE
        SET outcome = EXCLUDED.outcome, arr_before_cents = EXCLUDED.arr_before_cents, arr_after_cents = EXCLUDED.arr_after_cents, decided_at = EXCLUDED.decided_at
        WHERE r.derived_from_subscriptions
          AND (r.outcome, r.arr_before_cents, r.arr_after_cents, r.decided_at) IS DISTINCT FROM (EXCLUDED.outcome, EXCLUDED.arr_before_cents, EXCLUDED.arr_after_cents, EXCLUDED.decided_at)
      RETURNING (xmax = 0) AS inserted
    ),
    removed AS (
      DELETE FROM renewals r
      WHERE r.derived_from_subscriptions
        AND NOT EXISTS (SELECT 1 FROM classified c WHERE c.account_id = r.account_id AND c.renewal_date = r.renewal_date)
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM classified)::int AS derived,
           (SELECT count(*) FILTER (WHERE inserted) FROM written)::int AS inserted,
           (SELECT count(*) FILTER (WHERE NOT inserted) FROM written)::int AS updated,
           (SELECT count(*) FROM removed)::int AS deleted,
           (SELECT count(*) FROM classified c JOIN renewals r USING (account_id, renewal_date) WHERE NOT r.derived_from_subscriptions)::int AS kept`.execute(db);
  const row = result.rows[0]!;
  return {
    derived: row.derived,
    inserted: row.inserted,
    updated: row.updated,
    unchanged: row.derived - row.inserted - row.updated - row.kept,
    deleted: row.deleted,
    keptFromSource: row.kept,
  };
}

/**
 * Accounts with subscription periods take their current state from them: renewal_date = the latest term end
 * (the period end without a term) among live subscriptions' current periods (else the last one), arr_cents = the live subscriptions'
 * ARR (kept when none is live), status = active / inactive (all live ones paused) / churned (none live).
 * A subscription is live when its latest period is not cancelled-and-over, and has not ended more than the
 * grace window ago. A renewal date not after the account's contract_start is left as it was (CHECK).
 * Returns the number of accounts changed.
 */
export async function updateAccountsFromSubscriptions(db: Db, settings: DeriveSettings): Promise<number> {
  const grace = sql`${settings.graceDays}::int`;
  const today = sql`${utcDay(settings.now)}::date`;
  const result = await sql`
    WITH latest AS (
      SELECT DISTINCT ON (account_id, subscription_id) account_id, subscription_id, period_end, coalesce(term_end, period_end) AS renews_on, status, ended_at, cancel_at_period_end,
             ${annualCents('subscription_periods')} AS arr_cents
      FROM subscription_periods
      ORDER BY account_id, subscription_id, period_start DESC
    ),
    judged AS (
      SELECT *, NOT (status IN ('canceled', 'ended', 'incomplete_expired')
                     OR coalesce(ended_at <= ${settings.now.toISOString()}::timestamptz, false)
                     OR (cancel_at_period_end AND period_end <= ${today})
                     OR period_end + ${grace} <= ${today}) AS live
      FROM latest
    ),
    current_state AS (
      SELECT account_id,
             coalesce(max(renews_on) FILTER (WHERE live), max(renews_on)) AS renewal_date,
             sum(arr_cents) FILTER (WHERE live)::bigint AS live_arr,
             CASE WHEN bool_or(live AND status <> 'paused') THEN 'active' WHEN bool_or(live) THEN 'inactive' ELSE 'churned' END AS status
      FROM judged
      GROUP BY account_id
    )
    UPDATE accounts a
    SET renewal_date = CASE WHEN s.renewal_date > a.contract_start THEN s.renewal_date ELSE a.renewal_date END,
        arr_cents = coalesce(s.live_arr, a.arr_cents),
        status = s.status,
        updated_at = now()
    FROM current_state s
    WHERE s.account_id = a.account_id
      AND (a.renewal_date, a.arr_cents, a.status) IS DISTINCT FROM
          (CASE WHEN s.renewal_date > a.contract_start THEN s.renewal_date ELSE a.renewal_date END, coalesce(s.live_arr, a.arr_cents), s.status)`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

export interface TypicalPeriod {
  readonly days: number;
  readonly basis: 'subscription periods' | 'renewal gaps';
  /** How many periods (or gaps) the median is of. */
  readonly count: number;
}

/**
 * The typical renewal period in the data, in days: the median length of paid subscription terms (a period
 * without a term_end is its own term; periods of one term are measured from the first seen), or,
 * without periods, the median gap between an account's consecutive renewals. Undefined without either.
 */
export async function typicalPeriodDays(db: Db): Promise<TypicalPeriod | undefined> {
  const periods = await sql<{ days: number | null; n: number }>`
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY days) AS days, count(*)::int AS n
    FROM (
      -- One length per contract term: the months of an annual commitment are one year-long term.
      SELECT coalesce(term_end, period_end) - min(period_start) AS days FROM subscription_periods
      WHERE amount_cents > 0
      GROUP BY account_id, subscription_id, coalesce(term_end, period_end)
    ) terms`.execute(db);
  const fromPeriods = periods.rows[0];
  if (fromPeriods && fromPeriods.n > 0 && fromPeriods.days !== null) return { days: Number(fromPeriods.days), basis: 'subscription periods', count: fromPeriods.n };
  const gaps = await sql<{ days: number | null; n: number }>`
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) AS days, count(*)::int AS n
    FROM (SELECT renewal_date - lag(renewal_date) OVER (PARTITION BY account_id ORDER BY renewal_date) AS gap FROM renewals) g
    WHERE gap IS NOT NULL`.execute(db);
  const fromGaps = gaps.rows[0];
  if (fromGaps && fromGaps.n > 0 && fromGaps.days !== null) return { days: Number(fromGaps.days), basis: 'renewal gaps', count: fromGaps.n };
  return undefined;
}
