// The database schema as data. The Kysely `DB` type is derived from this map, and
// test/schema.test.ts compares the map with information_schema on a migrated database,
// so a column added to SQL but not here (or the reverse) fails the suite.
import type { ColumnType } from 'kysely';

/** Column types as information_schema.columns.data_type spells them ('ARRAY': double precision[], the only array column). */
type PgType = 'bigint' | 'integer' | 'smallint' | 'text' | 'character' | 'date' | 'timestamp with time zone' | 'double precision' | 'jsonb' | 'boolean' | 'ARRAY';

interface ColumnSpec {
  readonly type: PgType;
  readonly nullable: boolean;
  /** Has a default or is an identity column: may be omitted on insert. */
  readonly generated: boolean;
}

const required = <T extends PgType>(type: T) => ({ type, nullable: false, generated: false }) as const;
const optional = <T extends PgType>(type: T) => ({ type, nullable: true, generated: false }) as const;
const defaulted = <T extends PgType>(type: T) => ({ type, nullable: false, generated: true }) as const;

export const schemaColumns = {
  accounts: {
    account_id: defaulted('bigint'),
    external_id: required('text'),
    name: required('text'),
    segment: defaulted('text'),
    industry: optional('text'),
    plan: optional('text'),
    arr_cents: required('bigint'),
    currency: defaulted('character'),
    csm_email: optional('text'),
    csm_slack_id: optional('text'),
    contract_start: required('date'),
    renewal_date: required('date'),
    status: defaulted('text'),
    created_at: defaulted('timestamp with time zone'),
    updated_at: defaulted('timestamp with time zone'),
  },
  usage_daily: {
    account_id: required('bigint'),
    day: required('date'),
    active_users: required('integer'),
    sessions: defaulted('integer'),
    events: defaulted('integer'),
    minutes: defaulted('integer'),
    licensed_seats: optional('integer'),
  },
  usage_metric_names: {
    metric_id: defaulted('integer'),
    name: required('text'),
  },
  usage_metrics_daily: {
    account_id: required('bigint'),
    day: required('date'),
    metric_id: required('integer'),
    value: required('double precision'),
    users: optional('integer'),
    source: required('text'),
  },
  /** A view: usage_metrics_daily with each row's metric name. */
  usage_metrics_daily_readable: {
    account_id: optional('bigint'),
    day: optional('date'),
    metric: optional('text'),
    value: optional('double precision'),
    users: optional('integer'),
    source: optional('text'),
  },
  account_signals: {
    account_id: required('bigint'),
    name: required('text'),
    observed_at: required('timestamp with time zone'),
    value: required('double precision'),
    source: required('text'),
  },
  support_contacts: {
    contact_id: defaulted('bigint'),
    external_id: required('text'),
    account_id: required('bigint'),
    opened_at: required('timestamp with time zone'),
    closed_at: optional('timestamp with time zone'),
    channel: defaulted('text'),
    priority: defaulted('text'),
    category: optional('text'),
    satisfaction: optional('smallint'),
  },
  invoices: {
    invoice_id: defaulted('bigint'),
    external_id: required('text'),
    account_id: required('bigint'),
    issued_on: required('date'),
    due_on: required('date'),
    paid_at: optional('timestamp with time zone'),
    amount_cents: required('bigint'),
    currency: defaulted('character'),
    status: required('text'),
    failed_attempts: defaulted('integer'),
  },
  renewals: {
    renewal_id: defaulted('bigint'),
    account_id: required('bigint'),
    renewal_date: required('date'),
    outcome: required('text'),
    arr_before_cents: required('bigint'),
    arr_after_cents: required('bigint'),
    decided_at: required('timestamp with time zone'),
    derived_from_subscriptions: defaulted('boolean'),
  },
  subscription_periods: {
    account_id: required('bigint'),
    subscription_id: required('text'),
    period_start: required('date'),
    period_end: required('date'),
    billing_interval: required('text'),
    interval_count: defaulted('integer'),
    amount_cents: required('bigint'),
    quantity: defaulted('integer'),
    currency: defaulted('character'),
    status: defaulted('text'),
    canceled_at: optional('timestamp with time zone'),
    cancel_at_period_end: defaulted('boolean'),
    ended_at: optional('timestamp with time zone'),
    term_end: optional('date'),
  },
  market_events: {
    event_id: defaulted('bigint'),
    event_date: required('date'),
    competitor: required('text'),
    kind: required('text'),
    segment: optional('text'),
    industry: optional('text'),
    title: optional('text'),
  },
  ingestion_runs: {
    run_id: defaulted('bigint'),
    source: required('text'),
    entity: required('text'),
    started_at: defaulted('timestamp with time zone'),
    finished_at: optional('timestamp with time zone'),
    status: defaulted('text'),
    rows_read: defaulted('integer'),
    rows_inserted: defaulted('integer'),
    rows_updated: defaulted('integer'),
    rows_unchanged: defaulted('integer'),
    rows_rejected: defaulted('integer'),
    duration_ms: optional('integer'),
    error: optional('text'),
  },
  ingest_rejects: {
    reject_id: defaulted('bigint'),
    run_id: optional('bigint'),
    source: required('text'),
    entity: required('text'),
    location: required('text'),
    raw: required('jsonb'),
    reason: required('text'),
    created_at: defaulted('timestamp with time zone'),
    resolved_at: optional('timestamp with time zone'),
    retryable: defaulted('boolean'),
  },
  source_watermarks: {
    source: required('text'),
    cursor: required('text'),
    run_id: optional('bigint'),
    updated_at: defaulted('timestamp with time zone'),
  },
  indicator_values: {
    account_id: required('bigint'),
    as_of: required('date'),
    indicator: required('text'),
    value: optional('double precision'),
    flag: required('text'),
    detail_values: optional('ARRAY'),
    detail: defaulted('jsonb'),
    computed_at: defaulted('timestamp with time zone'),
  },
  indicator_detail_fields: {
    indicator: required('text'),
    position: required('integer'),
    name: required('text'),
    kind: required('text'),
    words: optional('jsonb'),
  },
  /** A view (information_schema reports every view column nullable): indicator_values with the detail unpacked. */
  indicator_values_readable: {
    account_id: optional('bigint'),
    as_of: optional('date'),
    indicator: optional('text'),
    value: optional('double precision'),
    flag: optional('text'),
    computed_at: optional('timestamp with time zone'),
    detail: optional('jsonb'),
  },
  models: {
    version: required('text'),
    created_at: defaulted('timestamp with time zone'),
    engine: required('text'),
    features: required('jsonb'),
    coefficients: required('jsonb'),
    intercept: required('double precision'),
    scaling: required('jsonb'),
    lead_days: required('integer'),
    training_from: required('date'),
    training_to: required('date'),
    class_balance: required('jsonb'),
    metrics: required('jsonb'),
    config_hash: required('text'),
    is_promoted: defaulted('boolean'),
    promoted_at: optional('timestamp with time zone'),
  },
  risk_scores: {
    account_id: required('bigint'),
    as_of: required('date'),
    model_version: required('text'),
    probability: required('double precision'),
    tier: required('text'),
    drivers: defaulted('jsonb'),
    missing_indicators: defaulted('jsonb'),
    scored_at: defaulted('timestamp with time zone'),
    scorecard_probability: optional('double precision'),
  },
  alerts: {
    alert_id: defaulted('bigint'),
    dedup_key: required('text'),
    kind: defaulted('text'),
    account_id: optional('bigint'),
    as_of: required('date'),
    tier: optional('text'),
    model_version: optional('text'),
    probability: optional('double precision'),
    channel: optional('text'),
    recipient: optional('text'),
    payload: defaulted('jsonb'),
    status: defaulted('text'),
    is_holdout: defaulted('boolean'),
    slack_ts: optional('text'),
    thread_ts: optional('text'),
    attempts: defaulted('integer'),
    last_error: optional('text'),
    created_at: defaulted('timestamp with time zone'),
    sent_at: optional('timestamp with time zone'),
    outcome: optional('text'),
    outcome_renewal_id: optional('bigint'),
    outcome_recorded_at: optional('timestamp with time zone'),
    config_version: optional('text'),
    sending_at: optional('timestamp with time zone'),
    digest_alert_id: optional('bigint'),
    parent_alert_id: optional('bigint'),
    task_id: optional('bigint'),
    snoozed_until: optional('date'),
    snoozed_by: optional('text'),
    snoozed_at: optional('timestamp with time zone'),
  },
  tasks: {
    task_id: defaulted('bigint'),
    alert_id: required('bigint'),
    account_id: required('bigint'),
    playbook: required('text'),
    step: required('text'),
    owner_role: required('text'),
    owner: optional('text'),
    due_on: required('date'),
    status: defaulted('text'),
    snoozed_until: optional('date'),
    note: optional('text'),
    completed_at: optional('timestamp with time zone'),
    completed_by: optional('text'),
    escalated_at: optional('timestamp with time zone'),
    created_at: defaulted('timestamp with time zone'),
  },
  slack_users: {
    email: required('text'),
    slack_id: optional('text'),
    looked_up_at: defaulted('timestamp with time zone'),
    error: optional('text'),
  },
  slack_interactions: {
    interaction_id: defaulted('bigint'),
    idempotency_key: required('text'),
    kind: required('text'),
    slack_user_id: required('text'),
    account_id: optional('bigint'),
    alert_id: optional('bigint'),
    task_id: optional('bigint'),
    received_at: required('timestamp with time zone'),
  },
  alert_feedback: {
    alert_id: required('bigint'),
    account_id: required('bigint'),
    verdict: defaulted('text'),
    reason: required('text'),
    note: optional('text'),
    slack_user_id: required('text'),
    recorded_at: required('timestamp with time zone'),
  },
  api_tokens: {
    token_id: defaulted('bigint'),
    name: required('text'),
    token_hash: required('text'),
    scopes: required('jsonb'),
    created_at: defaulted('timestamp with time zone'),
    revoked_at: optional('timestamp with time zone'),
    last_used_at: optional('timestamp with time zone'),
  },
  forecasts: {
    forecast_id: defaulted('bigint'),
    as_of: required('date'),
    period: required('text'),
    period_from: required('date'),
    period_to: required('date'),
    scope: defaulted('text'),
    model_version: optional('text'),
    config_hash: required('text'),
    figures: required('jsonb'),
    created_at: defaulted('timestamp with time zone'),
  },
  webhook_outbox: {
    outbox_id: defaulted('bigint'),
    endpoint_id: required('text'),
    event_id: required('text'),
    event_type: required('text'),
    account_id: optional('bigint'),
    data: required('jsonb'),
    occurred_at: required('timestamp with time zone'),
    created_at: defaulted('timestamp with time zone'),
    status: defaulted('text'),
    attempts: defaulted('integer'),
    next_attempt_at: defaulted('timestamp with time zone'),
    last_attempt_at: optional('timestamp with time zone'),
    last_status: optional('integer'),
    last_error: optional('text'),
    delivered_at: optional('timestamp with time zone'),
    dead_at: optional('timestamp with time zone'),
  },
  renewal_milestones: {
    milestone_id: defaulted('bigint'),
    account_id: required('bigint'),
    renewal_date: required('date'),
    days_before: required('integer'),
    milestone_day: required('date'),
    as_of: required('date'),
    alert_id: required('bigint'),
    created_at: defaulted('timestamp with time zone'),
  },
} as const satisfies Record<string, Record<string, ColumnSpec>>;

// ---- Types derived from the map -------------------------------------------------------------

/** JSON as stored in jsonb columns. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/**
 * How values arrive from the drivers (see sql/database.ts): int8 as number (ids and cents stay far
 * below 2^53), dates as 'YYYY-MM-DD' strings so no time zone can shift a day, timestamps as Date.
 */
type Scalar<T extends PgType> = T extends 'bigint' | 'integer' | 'smallint' | 'double precision'
  ? number
  : T extends 'text' | 'character' | 'date'
    ? string
    : T extends 'boolean'
      ? boolean
      : T extends 'ARRAY'
        ? (number | null)[]
        : never;

/** [select, insert, update] types: timestamps read as Date and accept ISO strings; jsonb is written as JSON text. */
type Io<T extends PgType> = T extends 'timestamp with time zone'
  ? [Date, Date | string, Date | string]
  : T extends 'jsonb'
    ? [Json, string, string]
    : [Scalar<T>, Scalar<T>, Scalar<T>];

type ColumnTs<C extends ColumnSpec> = C['generated'] extends true
  ? ColumnType<Io<C['type']>[0], Io<C['type']>[1] | undefined, Io<C['type']>[2]>
  : C['nullable'] extends true
    ? ColumnType<Io<C['type']>[0] | null, Io<C['type']>[1] | null | undefined, Io<C['type']>[2] | null>
    : ColumnType<Io<C['type']>[0], Io<C['type']>[1], Io<C['type']>[2]>;

type TableTs<T extends Record<string, ColumnSpec>> = { [K in keyof T]: ColumnTs<T[K]> };

type SchemaColumns = typeof schemaColumns;
export type DB = { [Table in keyof SchemaColumns]: TableTs<SchemaColumns[Table]> };
export type TableName = keyof DB;
