// The webhook outbox (migration 0018, docs/api.md#webhooks). Recording: one set-based statement per
// kind of fact, run by the caller in the transaction that writes the fact, inserting one row per
// subscribed endpoint. The event id is `evt_` + the first 32 hex digits of sha256(type:natural key), so a
// second run of the same step records nothing (ON CONFLICT DO NOTHING) and every retry carries the same
// id. Delivery: claimDue leases due rows with FOR UPDATE SKIP LOCKED, skipping any row with an earlier
// pending row for the same endpoint and account, so one account's events go out one at a time, in order.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB, Json } from './schema.ts';

type Queryable = Kysely<DB> | Transaction<DB>;

/** An endpoint as recording needs it: its id and the event types it subscribes to. */
export interface WebhookSubscriber {
  readonly id: string;
  readonly events: readonly string[];
}

/** The endpoint ids subscribed to an event type, as a JSON array parameter (empty: nothing to record). */
function subscribers(endpoints: readonly WebhookSubscriber[], type: string): string | undefined {
  const ids = endpoints.filter((endpoint) => endpoint.events.includes(type)).map((endpoint) => endpoint.id);
  return ids.length > 0 ? JSON.stringify(ids) : undefined;
}

/** SQL for a deterministic event id over a natural key expression. */
const eventId = (key: ReturnType<typeof sql>) => sql`'evt_' || left(encode(sha256(convert_to(${key}, 'UTF8')), 'hex'), 32)`;

async function insertEvents(db: Queryable, endpointIds: string, type: string, source: ReturnType<typeof sql>): Promise<number> {
  // `source` yields (natural_key, account_id, data, occurred_at, ord); one outbox row per endpoint.
  const result = await sql`
    INSERT INTO webhook_outbox (endpoint_id, event_id, event_type, account_id, data, occurred_at)
    SELECT ep.endpoint_id, ${eventId(sql`${type}::text || ':' || f.natural_key`)}, ${type}::text, f.account_id, f.data, f.occurred_at
    FROM (${source}) f
    CROSS JOIN (SELECT value AS endpoint_id FROM jsonb_array_elements_text(${endpointIds}::jsonb)) ep
    ORDER BY f.ord, ep.endpoint_id
    ON CONFLICT (endpoint_id, event_id) DO NOTHING`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/**
 * tier.changed for the accounts scored as of D by a model whose tier differs from their latest earlier
 * score (any model); an account's first score counts as a change from none. `accountIds` narrows it to
 * the accounts just scored (a shard).
 */
export async function recordTierChanges(db: Queryable, endpoints: readonly WebhookSubscriber[], scored: { asOf: string; modelVersion: string; accountIds?: readonly number[] | undefined }): Promise<number> {
  const ids = subscribers(endpoints, 'tier.changed');
  if (!ids) return 0;
  return insertEvents(
    db,
    ids,
    'tier.changed',
    sql`
      SELECT c.account_id || ':' || to_char(c.as_of, 'YYYY-MM-DD') AS natural_key, c.account_id, c.scored_at AS occurred_at, c.account_id AS ord,
             jsonb_build_object('externalId', c.external_id, 'accountName', c.name, 'asOf', to_char(c.as_of, 'YYYY-MM-DD'),
               'previousTier', c.previous_tier, 'tier', c.tier, 'probability', c.probability, 'modelVersion', c.model_version,
               'drivers', c.drivers, 'renewalDate', to_char(c.renewal_date, 'YYYY-MM-DD')) AS data
      FROM (
        SELECT rs.account_id, rs.as_of, rs.tier, rs.probability, rs.model_version, rs.drivers, rs.scored_at, a.external_id, a.name, a.renewal_date,
               (SELECT p.tier FROM risk_scores p WHERE p.account_id = rs.account_id AND p.as_of < rs.as_of ORDER BY p.as_of DESC, p.scored_at DESC LIMIT 1) AS previous_tier
        FROM risk_scores rs JOIN accounts a ON a.account_id = rs.account_id
        WHERE rs.as_of = ${scored.asOf}::date AND rs.model_version = ${scored.modelVersion}::text
          ${scored.accountIds ? sql`AND rs.account_id IN (SELECT value::bigint FROM jsonb_array_elements_text(${JSON.stringify(scored.accountIds)}::jsonb))` : sql``}
      ) c
      WHERE c.previous_tier IS DISTINCT FROM c.tier`,
  );
}

/** alert.created for the day's risk alerts, except the holdout's (a CRM must not tell the control group's CSMs either). */
export async function recordAlertsCreated(db: Queryable, endpoints: readonly WebhookSubscriber[], asOf: string): Promise<number> {
  const ids = subscribers(endpoints, 'alert.created');
  if (!ids) return 0;
  return insertEvents(
    db,
    ids,
    'alert.created',
    sql`
      SELECT al.dedup_key AS natural_key, al.account_id, al.created_at AS occurred_at, al.alert_id AS ord,
             jsonb_build_object('alertId', al.alert_id, 'externalId', a.external_id, 'accountName', a.name, 'asOf', to_char(al.as_of, 'YYYY-MM-DD'),
               'tier', al.tier, 'probability', al.probability, 'modelVersion', al.model_version, 'status', al.status,
               'tasks', coalesce((SELECT jsonb_agg(jsonb_build_object('taskId', t.task_id, 'playbook', t.playbook, 'step', t.step, 'ownerRole', t.owner_role, 'dueOn', to_char(t.due_on, 'YYYY-MM-DD')) ORDER BY t.task_id)
                                  FROM tasks t WHERE t.alert_id = al.alert_id), '[]'::jsonb)) AS data
      FROM alerts al JOIN accounts a ON a.account_id = al.account_id
      WHERE al.as_of = ${asOf}::date AND al.kind = 'risk' AND NOT al.is_holdout`,
  );
}

/** task.completed for one task, once it is done (first completion wins, as in sql/tasks.ts). */
export async function recordTaskCompleted(db: Queryable, endpoints: readonly WebhookSubscriber[], taskId: number): Promise<number> {
  const ids = subscribers(endpoints, 'task.completed');
  if (!ids) return 0;
  return insertEvents(
    db,
    ids,
    'task.completed',
    sql`
      SELECT t.task_id::text AS natural_key, t.account_id, t.completed_at AS occurred_at, t.task_id AS ord,
             jsonb_build_object('taskId', t.task_id, 'alertId', t.alert_id, 'externalId', a.external_id, 'accountName', a.name,
               'playbook', t.playbook, 'step', t.step, 'completedBy', t.completed_by, 'completedAt', t.completed_at, 'note', t.note) AS data
      FROM tasks t JOIN accounts a ON a.account_id = t.account_id
      WHERE t.task_id = ${taskId}::bigint AND t.status = 'done' AND t.completed_at IS NOT NULL`,
  );
}

/**
 * renewal.decided for the renewals inserted or changed by the current transaction (an ingest of
 * renewals or of subscriptions): their xmin is this transaction's id. A corrected outcome is a new fact,
 * so the outcome is part of the natural key; a reload that changes nothing records nothing.
 */
export async function recordRenewalsDecidedInTransaction(db: Queryable, endpoints: readonly WebhookSubscriber[]): Promise<number> {
  const ids = subscribers(endpoints, 'renewal.decided');
  if (!ids) return 0;
  return insertEvents(
    db,
    ids,
    'renewal.decided',
    sql`
      SELECT r.account_id || ':' || to_char(r.renewal_date, 'YYYY-MM-DD') || ':' || r.outcome AS natural_key, r.account_id, r.decided_at AS occurred_at,
             r.renewal_id AS ord,
             jsonb_build_object('renewalId', r.renewal_id, 'externalId', a.external_id, 'accountName', a.name, 'renewalDate', to_char(r.renewal_date, 'YYYY-MM-DD'),
               'outcome', r.outcome, 'arrBeforeCents', r.arr_before_cents, 'arrAfterCents', r.arr_after_cents, 'decidedAt', r.decided_at) AS data
      FROM renewals r JOIN accounts a ON a.account_id = r.account_id
      WHERE r.xmin::text = (pg_current_xact_id()::text::bigint % 4294967296)::text`,
  );
}

/** forecast.published for a stored forecast (not about one account: delivered in order with other such events). */
export async function recordForecastPublished(db: Queryable, endpoints: readonly WebhookSubscriber[], forecast: { asOf: string; period: string; scope: string }): Promise<number> {
  const ids = subscribers(endpoints, 'forecast.published');
  if (!ids) return 0;
  return insertEvents(
    db,
    ids,
    'forecast.published',
    sql`
      SELECT to_char(f.as_of, 'YYYY-MM-DD') || ':' || f.period || ':' || f.scope AS natural_key, NULL::bigint AS account_id, f.created_at AS occurred_at, f.forecast_id AS ord,
             jsonb_build_object('forecastId', f.forecast_id, 'asOf', to_char(f.as_of, 'YYYY-MM-DD'), 'period', f.period, 'periodFrom', to_char(f.period_from, 'YYYY-MM-DD'),
               'periodTo', to_char(f.period_to, 'YYYY-MM-DD'), 'scope', f.scope, 'modelVersion', f.model_version, 'figures', f.figures) AS data
      FROM forecasts f
      WHERE f.as_of = ${forecast.asOf}::date AND f.period = ${forecast.period}::text AND f.scope = ${forecast.scope}::text`,
  );
}

// ---- delivery ---------------------------------------------------------------------------------

export type OutboxStatus = 'pending' | 'delivered' | 'dead';

export interface OutboxRow {
  readonly outboxId: number;
  readonly endpointId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly accountId: number | null;
  readonly data: Json;
  readonly occurredAt: Date;
  readonly status: OutboxStatus;
  readonly attempts: number;
  readonly nextAttemptAt: Date;
  readonly lastAttemptAt: Date | null;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly deliveredAt: Date | null;
  readonly deadAt: Date | null;
}

interface RawOutboxRow {
  outbox_id: number;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  account_id: number | null;
  data: Json;
  occurred_at: Date;
  status: string;
  attempts: number;
  next_attempt_at: Date;
  last_attempt_at: Date | null;
  last_status: number | null;
  last_error: string | null;
  delivered_at: Date | null;
  dead_at: Date | null;
}

const toOutboxRow = (row: RawOutboxRow): OutboxRow => ({
  outboxId: Number(row.outbox_id),
  endpointId: row.endpoint_id,
  eventId: row.event_id,
  eventType: row.event_type,
  accountId: row.account_id === null ? null : Number(row.account_id),
  data: row.data,
  occurredAt: new Date(row.occurred_at),
  status: row.status as OutboxStatus,
  attempts: row.attempts,
  nextAttemptAt: new Date(row.next_attempt_at),
  lastAttemptAt: row.last_attempt_at === null ? null : new Date(row.last_attempt_at),
  lastStatus: row.last_status,
  lastError: row.last_error,
  deliveredAt: row.delivered_at === null ? null : new Date(row.delivered_at),
  deadAt: row.dead_at === null ? null : new Date(row.dead_at),
});

/**
 * Claims up to `limit` due rows of the given endpoints and leases them until `leaseUntil` (attempts + 1):
 * a row is due when pending, its next attempt is not in the future, and no earlier row of the same
 * endpoint and account is still pending (waiting for a retry or leased by another deliverer). Rows locked
 * by a concurrent claim are skipped, so no event is ever sent twice at once.
 */
export async function claimDue(db: Kysely<DB>, options: { endpointIds: readonly string[]; now: Date; leaseUntil: Date; limit: number }): Promise<OutboxRow[]> {
  if (options.endpointIds.length === 0) return [];
  return db.transaction().execute(async (trx) => {
    const result = await sql<RawOutboxRow>`
      WITH due AS (
        SELECT o.outbox_id FROM webhook_outbox o
        WHERE o.status = 'pending'
          AND o.endpoint_id IN (SELECT value FROM jsonb_array_elements_text(${JSON.stringify(options.endpointIds)}::jsonb))
          AND o.next_attempt_at <= ${options.now}::timestamptz
          AND ${NO_EARLIER_PENDING}
        ORDER BY o.outbox_id
        LIMIT ${options.limit}::int
        FOR UPDATE OF o SKIP LOCKED
      )
      UPDATE webhook_outbox w
      SET attempts = w.attempts + 1, last_attempt_at = ${options.now}::timestamptz, next_attempt_at = ${options.leaseUntil}::timestamptz
      FROM due WHERE w.outbox_id = due.outbox_id
      RETURNING w.*`.execute(trx);
    return result.rows.map(toOutboxRow).sort((a, b) => a.outboxId - b.outboxId);
  });
}

/** Rows of one endpoint and account wait for the earliest pending one (per-account order). */
const NO_EARLIER_PENDING = sql`NOT EXISTS (
  SELECT 1 FROM webhook_outbox e
  WHERE e.status = 'pending' AND e.endpoint_id = o.endpoint_id AND e.account_id IS NOT DISTINCT FROM o.account_id AND e.outbox_id < o.outbox_id)`;

/**
 * When the next row of these endpoints can be claimed: the earliest next attempt among the rows no
 * earlier pending row holds back (undefined: nothing pending). A held-back row waits for its
 * predecessor, so it never makes a deliverer spin.
 */
export async function nextClaimableAt(db: Queryable, endpointIds: readonly string[]): Promise<Date | undefined> {
  if (endpointIds.length === 0) return undefined;
  const result = await sql<{ next: Date | null }>`
    SELECT min(o.next_attempt_at) AS next FROM webhook_outbox o
    WHERE o.status = 'pending'
      AND o.endpoint_id IN (SELECT value FROM jsonb_array_elements_text(${JSON.stringify(endpointIds)}::jsonb))
      AND ${NO_EARLIER_PENDING}`.execute(db);
  const next = result.rows[0]?.next;
  return next ? new Date(next) : undefined;
}

export async function markDelivered(db: Queryable, outboxId: number, result: { status: number; now: Date }): Promise<void> {
  await db
    .updateTable('webhook_outbox')
    .set({ status: 'delivered', delivered_at: result.now, last_status: result.status, last_error: null })
    .where('outbox_id', '=', outboxId)
    .where('status', '=', 'pending')
    .execute();
}

/** A failed attempt: retried at `retryAt`, or dead-lettered when there is none. */
export async function markAttemptFailed(db: Queryable, outboxId: number, result: { status: number | null; error: string; now: Date; retryAt: Date | undefined }): Promise<void> {
  await db
    .updateTable('webhook_outbox')
    .set(
      result.retryAt
        ? { next_attempt_at: result.retryAt, last_status: result.status, last_error: result.error.slice(0, 1000) }
        : { status: 'dead', dead_at: result.now, last_status: result.status, last_error: result.error.slice(0, 1000) },
    )
    .where('outbox_id', '=', outboxId)
    .where('status', '=', 'pending')
    .execute();
}

export async function listOutbox(db: Queryable, options: { status?: OutboxStatus; endpointId?: string; limit?: number } = {}): Promise<OutboxRow[]> {
  let query = db.selectFrom('webhook_outbox').selectAll();
  if (options.status) query = query.where('status', '=', options.status);
  if (options.endpointId) query = query.where('endpoint_id', '=', options.endpointId);
  const rows = await query
    .orderBy(options.status === 'dead' ? 'dead_at' : 'outbox_id', 'desc')
    .orderBy('outbox_id', 'desc')
    .limit(options.limit ?? 50)
    .execute();
  return (rows as unknown as RawOutboxRow[]).map(toOutboxRow);
}

export interface DeadLetterSummary {
  readonly count: number;
  readonly latest: OutboxRow | undefined;
}

export async function deadLetterSummary(db: Queryable): Promise<DeadLetterSummary> {
  const counted = await db.selectFrom('webhook_outbox').select((eb) => eb.fn.countAll<number>().as('count')).where('status', '=', 'dead').executeTakeFirstOrThrow();
  const [latest] = await listOutbox(db, { status: 'dead', limit: 1 });
  return { count: Number(counted.count), latest };
}

/**
 * Puts dead-lettered rows back in the queue with a fresh set of attempts, due at `now`: one row by
 * outbox id, the rows of one event id (every endpoint), or all of them. Returns the rows requeued.
 */
export async function replayDead(db: Queryable, target: { outboxId: number } | { eventId: string } | 'all', now: Date): Promise<number> {
  let query = db
    .updateTable('webhook_outbox')
    .set({ status: 'pending', attempts: 0, next_attempt_at: now, dead_at: null })
    .where('status', '=', 'dead');
  if (target !== 'all') query = 'outboxId' in target ? query.where('outbox_id', '=', target.outboxId) : query.where('event_id', '=', target.eventId);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}
