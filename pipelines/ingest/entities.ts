// What each entity's rows look like once mapped: the fields a source provides (by our names), how each
// is parsed and checked (zod, with reasons a person can act on), the table it lands in and its natural key.
import { z } from 'zod';
import { metricNameOf, type Entity } from '../../config/sources.ts';
import { columnRule, encodingProblem, holdsText, type ColumnRule } from './column-rules.ts';
import { parseDay, parseInstant, parseMoneyCents, parseWholeNumber, quote, type DateFormat, type Parsed } from './parse-values.ts';

export interface ParseSettings {
  readonly dateFormat: DateFormat;
  readonly timezone: string;
  readonly money: 'cents' | 'decimal';
}

/** A mapped source row: our field names → the source's text (null/undefined when absent or empty). */
export type MappedRow = Readonly<Record<string, string | null | undefined>>;

/** A validated row ready for staging: column → value (strings for days/instants, numbers, null). */
export type StagedRow = Record<string, string | number | null>;

type FieldParser = (text: string, settings: ParseSettings) => Parsed<string | number>;

export interface FieldSpec {
  /** Column in the target table (the field name, except account ids). */
  readonly column: string;
  readonly required: boolean;
  readonly parse: FieldParser;
  readonly fallback?: string | number;
}

const text =
  (maxLength = 500): FieldParser =>
  (value) =>
    value.length > maxLength ? { ok: false, reason: `is longer than ${maxLength} characters` } : { ok: true, value };
const day: FieldParser = (value, s) => parseDay(value, s.dateFormat, s.timezone);
const instant: FieldParser = (value, s) => {
  const parsed = parseInstant(value, s.dateFormat, s.timezone);
  return parsed.ok ? { ok: true, value: parsed.value.toISOString() } : parsed;
};
const count: FieldParser = (value) => {
  const parsed = parseWholeNumber(value);
  return parsed.ok && parsed.value < 0 ? { ok: false, reason: `${parsed.value} is negative` } : parsed;
};
const money: FieldParser = (value, s) => {
  const parsed = parseMoneyCents(value, s.money);
  return parsed.ok && parsed.value < 0 ? { ok: false, reason: `${quote(value)} is a negative amount` } : parsed;
};
const currency: FieldParser = (value) =>
  /^[a-zA-Z]{3}$/.test(value) ? { ok: true, value: value.toUpperCase() } : { ok: false, reason: `${quote(value)} is not a 3-letter currency code` };
const oneOf =
  (allowed: readonly string[]): FieldParser =>
  (value) => {
    const normalised = value.toLowerCase().replace(/[\s-]+/g, '_');
    return allowed.includes(normalised)
      ? { ok: true, value: normalised }
      : { ok: false, reason: `${quote(value)} is not one of ${allowed.join(', ')} (map it under the source's values)` };
  };
/** Slack member (U…, W…) or channel (C…, G…) ids: anything else could smuggle `<!channel>` into a mention. */
export const SLACK_ID = /^[UWCG][A-Z0-9]{2,}$/;
const slackId: FieldParser = (value) =>
  value.length <= 50 && SLACK_ID.test(value) ? { ok: true, value } : { ok: false, reason: `${quote(value)} is not a Slack id (expected U…, W…, C… or G… and capital letters or digits, e.g. U024BE7LH)` };
const satisfaction: FieldParser = (value) => {
  const parsed = parseWholeNumber(value);
  return parsed.ok && (parsed.value < 1 || parsed.value > 5) ? { ok: false, reason: `${parsed.value} is not between 1 and 5` } : parsed;
};

const flag: FieldParser = (value) => {
  const lower = value.toLowerCase();
  if (['true', 't', 'yes', 'y', '1'].includes(lower)) return { ok: true, value: 'true' };
  if (['false', 'f', 'no', 'n', '0'].includes(lower)) return { ok: true, value: 'false' };
  return { ok: false, reason: `"${value}" is not true or false` };
};

/** Billing intervals subscription periods may have; anything else is quarantined. */
export const BILLING_INTERVALS = ['day', 'week', 'month', 'year'] as const;
/** Subscription statuses, in Stripe's vocabulary (other systems map theirs under `values.status`). */
export const SUBSCRIPTION_STATUSES = ['active', 'trialing', 'past_due', 'unpaid', 'canceled', 'incomplete', 'incomplete_expired', 'paused', 'ended'] as const;

/** An event's day: its timestamp's date in the source's time zone (a bare date is that day). */
const UTC_INSTANT = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?Z$/;
const eventDay: FieldParser = (value, s) => {
  // The usual export (ISO instants in UTC, loaded as UTC) without the general path's time-zone arithmetic,
  // which costs more than the rest of an event's validation.
  if (s.timezone === 'UTC' && (s.dateFormat === 'iso' || s.dateFormat === 'YYYY-MM-DD')) {
    const match = UTC_INSTANT.exec(value);
    if (match) return parseDay(match[1]!, 'YYYY-MM-DD');
  }
  const parsed = parseDay(value, s.dateFormat, s.timezone);
  return parsed.ok || s.dateFormat !== 'iso' ? parsed : { ok: false, reason: `"${value}" is not a timestamp (expected ISO 8601, e.g. 2026-01-31T14:05:00Z)` };
};
const amount: FieldParser = (value) => {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed)) return { ok: false, reason: `"${value}" is not a number` };
  return parsed < 0 ? { ok: false, reason: `${parsed} is negative` } : { ok: true, value: parsed };
};
const signalValue: FieldParser = (value) => {
  const parsed = Number(value);
  return value.trim() === '' || !Number.isFinite(parsed) ? { ok: false, reason: `"${value}" is not a number (map text answers under the source's values.value)` } : { ok: true, value: parsed };
};
const metricName: FieldParser = (value) => {
  const name = metricNameOf(value);
  return name === undefined ? { ok: false, reason: `"${value}" has no letters or digits to name a signal` } : { ok: true, value: name };
};

const required = (column: string, parse: FieldParser): FieldSpec => ({ column, required: true, parse });
const optional = (column: string, parse: FieldParser, fallback?: string | number): FieldSpec => ({ column, required: false, parse, ...(fallback === undefined ? {} : { fallback }) });

export interface EntitySpec {
  readonly entity: Entity;
  /** The table rows land in (the entity's name, except subscriptions → subscription_periods, events and wide metrics → usage_metrics_daily). */
  readonly table: string;
  /** Input field → how it is read. `account_id` is always the account's external id. */
  readonly fields: Readonly<Record<string, FieldSpec>>;
  /** Columns that identify a row: the upsert's conflict target. */
  readonly naturalKey: readonly string[];
  /** Whether rows reference an account by `account_id` (resolved to the internal id before staging). */
  readonly referencesAccount: boolean;
  /** Cross-field rules, after each field parsed. Returns reasons. */
  readonly check?: (row: StagedRow) => string[];
  /** Column holding the newest fact date, for freshness. */
  readonly factColumn: string;
}

export const entitySpecs: Readonly<Record<Entity, EntitySpec>> = {
  accounts: {
    entity: 'accounts',
    table: 'accounts',
    fields: {
      account_id: required('external_id', text(200)),
      name: required('name', text()),
      segment: optional('segment', text(100), 'unassigned'),
      industry: optional('industry', text(100)),
      plan: optional('plan', text(100)),
      arr_cents: required('arr_cents', money),
      currency: optional('currency', currency, 'USD'),
      csm_email: optional('csm_email', text(320)),
      csm_slack_id: optional('csm_slack_id', slackId),
      contract_start: required('contract_start', day),
      renewal_date: required('renewal_date', day),
      status: optional('status', oneOf(['active', 'churned', 'inactive']), 'active'),
    },
    naturalKey: ['external_id'],
    referencesAccount: false,
    check: (row) => (String(row.renewal_date) <= String(row.contract_start) ? [`renewal_date ${row.renewal_date} is not after contract_start ${row.contract_start}`] : []),
    factColumn: 'updated_at',
  },
  usage_daily: {
    entity: 'usage_daily',
    table: 'usage_daily',
    fields: {
      account_id: required('account_id', text(200)),
      day: required('day', day),
      active_users: required('active_users', count),
      sessions: optional('sessions', count, 0),
      events: optional('events', count, 0),
      minutes: optional('minutes', count, 0),
      licensed_seats: optional('licensed_seats', count),
    },
    naturalKey: ['account_id', 'day'],
    referencesAccount: true,
    factColumn: 'day',
  },
  support_contacts: {
    entity: 'support_contacts',
    table: 'support_contacts',
    fields: {
      external_id: required('external_id', text(200)),
      account_id: required('account_id', text(200)),
      opened_at: required('opened_at', instant),
      closed_at: optional('closed_at', instant),
      channel: optional('channel', oneOf(['email', 'chat', 'phone', 'web', 'social', 'other']), 'other'),
      priority: optional('priority', oneOf(['low', 'normal', 'high', 'urgent']), 'normal'),
      category: optional('category', text(200)),
      satisfaction: optional('satisfaction', satisfaction),
    },
    naturalKey: ['external_id'],
    referencesAccount: true,
    check: (row) => (row.closed_at !== null && String(row.closed_at) < String(row.opened_at) ? [`closed_at ${row.closed_at} is before opened_at ${row.opened_at}`] : []),
    factColumn: 'opened_at',
  },
  invoices: {
    entity: 'invoices',
    table: 'invoices',
    fields: {
      external_id: required('external_id', text(200)),
      account_id: required('account_id', text(200)),
      issued_on: required('issued_on', day),
      due_on: required('due_on', day),
      paid_at: optional('paid_at', instant),
      amount_cents: required('amount_cents', money),
      currency: optional('currency', currency, 'USD'),
      status: required('status', oneOf(['open', 'paid', 'void', 'uncollectible'])),
      failed_attempts: optional('failed_attempts', count, 0),
    },
    naturalKey: ['external_id'],
    referencesAccount: true,
    check: (row) => [
      ...(String(row.due_on) < String(row.issued_on) ? [`due_on ${row.due_on} is before issued_on ${row.issued_on}`] : []),
      ...(row.status === 'paid' && row.paid_at === null ? ['status is paid but paid_at is empty'] : []),
    ],
    factColumn: 'issued_on',
  },
  subscriptions: {
    entity: 'subscriptions',
    table: 'subscription_periods',
    fields: {
      account_id: required('account_id', text(200)),
      subscription_id: required('subscription_id', text(200)),
      period_start: required('period_start', day),
      period_end: required('period_end', day),
      interval: required('billing_interval', oneOf(BILLING_INTERVALS)),
      interval_count: optional('interval_count', count, 1),
      amount_cents: required('amount_cents', money),
      quantity: optional('quantity', count, 1),
      currency: optional('currency', currency, 'USD'),
      status: optional('status', oneOf(SUBSCRIPTION_STATUSES), 'active'),
      canceled_at: optional('canceled_at', instant),
      cancel_at_period_end: optional('cancel_at_period_end', flag, 'false'),
      ended_at: optional('ended_at', instant),
      term_end: optional('term_end', day),
    },
    naturalKey: ['account_id', 'subscription_id', 'period_start'],
    referencesAccount: true,
    check: (row) => [
      ...(String(row.period_end) <= String(row.period_start) ? [`period_end ${row.period_end} is not after period_start ${row.period_start}`] : []),
      ...(row.interval_count === 0 ? ['interval_count is 0 (a period lasts at least one interval)'] : []),
      ...(row.term_end != null && String(row.term_end) <= String(row.period_start) ? [`term_end ${row.term_end} is not after period_start ${row.period_start}`] : []),
    ],
    factColumn: 'period_start',
  },
  renewals: {
    entity: 'renewals',
    table: 'renewals',
    fields: {
      account_id: required('account_id', text(200)),
      renewal_date: required('renewal_date', day),
      outcome: required('outcome', oneOf(['renewed', 'churned', 'downgraded', 'expanded'])),
      arr_before_cents: required('arr_before_cents', money),
      arr_after_cents: required('arr_after_cents', money),
      decided_at: required('decided_at', instant),
      // Not read from the source: marks the row as the source's, so deriving renewals from subscriptions
      // (which writes `true`) leaves it alone from now on, even where it replaced a derived row.
      derived_from_subscriptions: { column: 'derived_from_subscriptions', required: false, parse: () => ({ ok: true, value: 'false' }), fallback: 'false' },
    },
    naturalKey: ['account_id', 'renewal_date'],
    referencesAccount: true,
    check: (row) => {
      const before = Number(row.arr_before_cents);
      const after = Number(row.arr_after_cents);
      if (row.outcome === 'churned' && after !== 0) return [`outcome churned needs arr_after 0, got ${after} cents`];
      if (row.outcome === 'downgraded' && !(after < before)) return [`outcome downgraded needs arr_after below arr_before (${after} ≥ ${before} cents)`];
      if (row.outcome === 'expanded' && !(after > before)) return [`outcome expanded needs arr_after above arr_before (${after} ≤ ${before} cents)`];
      return [];
    },
    factColumn: 'decided_at',
  },
  market_events: {
    entity: 'market_events',
    table: 'market_events',
    fields: {
      event_date: required('event_date', day),
      competitor: required('competitor', text(200)),
      kind: required('kind', oneOf(['launch', 'feature', 'price_cut', 'acquisition', 'funding', 'other'])),
      segment: optional('segment', text(100)),
      industry: optional('industry', text(100)),
      title: optional('title', text(500)),
    },
    naturalKey: ['event_date', 'competitor', 'kind', 'segment', 'industry'],
    referencesAccount: false,
    factColumn: 'event_date',
  },
  // One row per raw event, aggregated on load into usage_metrics_daily (pipelines/ingest/usage-metrics.ts).
  usage_events: {
    entity: 'usage_events',
    table: 'usage_metrics_daily',
    fields: {
      account_id: required('account_id', text(200)),
      timestamp: required('day', eventDay),
      event: required('event', text(200)),
      user_id: optional('user_id', text(200)),
      count: optional('value', amount, 1),
    },
    naturalKey: ['account_id', 'day', 'metric'],
    referencesAccount: true,
    factColumn: 'day',
  },
  // Wide daily files: the source's `metrics` add one field per metric (pipelines/ingest/usage-metrics.ts).
  usage_metrics: {
    entity: 'usage_metrics',
    table: 'usage_metrics_daily',
    fields: {
      account_id: required('account_id', text(200)),
      day: required('day', day),
    },
    naturalKey: ['account_id', 'day', 'metric'],
    referencesAccount: true,
    factColumn: 'day',
  },
  account_signals: {
    entity: 'account_signals',
    table: 'account_signals',
    fields: {
      account_id: required('account_id', text(200)),
      observed_at: required('observed_at', instant),
      name: required('name', metricName),
      value: required('value', signalValue),
    },
    naturalKey: ['account_id', 'name', 'observed_at'],
    referencesAccount: true,
    factColumn: 'observed_at',
  },
};

/** A daily metric value of a wide file: a non-negative number. */
export const metricValueField = (column: string): FieldSpec => optional(column, amount);

/** Columns staged and merged for an entity, in a fixed order (input field order). */
export function stagedColumns(spec: EntitySpec): string[] {
  return Object.values(spec.fields).map((field) => field.column);
}

/** A field with the checks its column implies (sql/schema.ts), compiled once per entity. */
interface CompiledField {
  readonly name: string;
  readonly spec: FieldSpec;
  /** Whether the raw text reaches a text column (or the account lookup) as given, so its encoding matters. */
  readonly checkEncoding: boolean;
  readonly rule: ColumnRule | undefined;
}

const compiledFields = new WeakMap<EntitySpec, readonly CompiledField[]>();

function compileFields(spec: EntitySpec): readonly CompiledField[] {
  let fields = compiledFields.get(spec);
  if (!fields) {
    fields = Object.entries(spec.fields).map(([name, field]) => {
      const accountReference = spec.referencesAccount && name === 'account_id';
      return {
        name,
        spec: field,
        checkEncoding: accountReference || holdsText(spec.table, field.column),
        rule: accountReference ? undefined : columnRule(spec.table, field.column, spec.naturalKey.includes(field.column)),
      };
    });
    compiledFields.set(spec, fields);
  }
  return fields;
}

function parseField({ name, spec: field, checkEncoding, rule }: CompiledField, raw: string | null | undefined, settings: ParseSettings): Parsed<string | number | null> {
  const trimmed = raw?.trim() ?? '';
  if (trimmed === '') {
    if (field.fallback !== undefined) return { ok: true, value: field.fallback };
    return field.required ? { ok: false, reason: `${name} is missing` } : { ok: true, value: null };
  }
  if (checkEncoding) {
    const problem = encodingProblem(trimmed);
    if (problem) return { ok: false, reason: `${name} ${problem}` };
  }
  const parsed = field.parse(trimmed, settings);
  if (!parsed.ok) return { ok: false, reason: `${name} ${parsed.reason}` };
  const broken = rule?.(parsed.value);
  return broken ? { ok: false, reason: `${name} ${broken}` } : parsed;
}

/**
 * The zod schema that turns a mapped row into a staged row. Issues are phrased for people:
 * `due_on "2026-13-01" is not a date (expected YYYY-MM-DD)`. It is the reference definition; the
 * loader runs `createRowValidator`, compiled from the same field specs, because zod's per-row object
 * machinery costs 8× the parsing itself (134k vs 1.07M usage rows/s measured here).
 * pipelines/ingest/entities.test.ts checks the two agree row for row.
 */
export function rowSchema(spec: EntitySpec, settings: ParseSettings) {
  const shape = Object.fromEntries(
    compileFields(spec).map((field) => [
      field.name,
      z.string().nullish().transform((raw, ctx): string | number | null => {
        const parsed = parseField(field, raw, settings);
        if (parsed.ok) return parsed.value;
        ctx.addIssue({ code: 'custom', message: parsed.reason });
        return null;
      }),
    ]),
  );
  return z.object(shape).transform((values, ctx): StagedRow => {
    const row: StagedRow = {};
    for (const [name, field] of Object.entries(spec.fields)) row[field.column] = values[name] ?? null;
    for (const reason of spec.check?.(row) ?? []) ctx.addIssue({ code: 'custom', message: reason });
    return row;
  });
}

export type RowValidator = (row: MappedRow) => { ok: true; row: StagedRow } | { ok: false; reason: string };

/** The loader's validator: the same rules as `rowSchema`, without zod's per-row overhead. */
export function createRowValidator(spec: EntitySpec, settings: ParseSettings): RowValidator {
  const fields = compileFields(spec);
  return (input) => {
    const row: StagedRow = {};
    let reasons: string[] | undefined;
    for (const field of fields) {
      const parsed = parseField(field, input[field.name], settings);
      if (parsed.ok) row[field.spec.column] = parsed.value;
      else (reasons ??= []).push(parsed.reason);
    }
    if (!reasons) {
      const broken = spec.check?.(row);
      if (broken && broken.length > 0) reasons = broken;
    }
    return reasons ? { ok: false, reason: reasons.join('; ') } : { ok: true, row };
  };
}
