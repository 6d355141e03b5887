// Presets: what a known API's records mean in our fields, so `{kind: http, preset: stripe-invoices,
// url, auth}` needs no mapping. User `mapping`/`values` entries override preset ones.
//
// The mapping is "our field ← dotted path" plus per-field value maps. Two things do not fit that
// shape, so a preset may have a tiny `transform(record)` that adds computed values under the
// `_radar` key of a shallow copy (the original fields are untouched). fetchHttpSource applies it,
// so the records it yields are what the mapping reads; quarantined raw rows show `_radar` too.
import type { Entity, HttpSource } from '../../config/sources.ts';
import { RadarError } from '../errors.ts';
import { isObject } from './paths.ts';

export type Preset = HttpSource['preset'];
export type DateFormat = NonNullable<HttpSource['dateFormat']>;
export type MoneyFormat = NonNullable<HttpSource['money']>;

export interface PresetDefaults {
  /** The table the preset feeds; undefined for `generic`. */
  readonly entity: Entity | undefined;
  readonly mapping: Readonly<Record<string, string>>;
  readonly values: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly dateFormat: DateFormat;
  readonly money: MoneyFormat;
  /** Adds computed values under `_radar`; applied by fetchHttpSource to every record. */
  readonly transform?: (record: unknown) => unknown;
}

/** Key under which a transform puts computed values. */
export const COMPUTED_KEY = '_radar';

function withComputed(record: unknown, computed: Record<string, unknown>): unknown {
  if (!isObject(record)) return record; // the mapping step rejects non-objects with the raw value
  return { ...record, [COMPUTED_KEY]: computed };
}

/**
 * Stripe `GET /v1/invoices`.
 * - status: `draft` → `open`. Subscription drafts are finalised within about an hour, and a row we
 *   cannot store would be quarantined and count against maxRejectShare; treating it as open is the
 *   smaller error. Users who prefer otherwise override `values.status.draft`.
 * - due_on ← `_radar.due_on` = `due_date`, or `created` when `due_date` is null: Stripe leaves it null
 *   for `charge_automatically` invoices, whose payment is due at once. invoices.due_on is NOT NULL.
 * - currency ← `_radar.currency` = upper-cased `currency` (Stripe writes `usd`; we store ISO `USD`).
 * - amount_cents ← `amount_due`, in the currency's smallest unit (for zero-decimal currencies such
 *   as JPY that is whole yen, not cents).
 */
const STRIPE_INVOICES: PresetDefaults = {
  entity: 'invoices',
  mapping: {
    external_id: 'id',
    account_id: 'customer',
    issued_on: 'created',
    due_on: `${COMPUTED_KEY}.due_on`,
    paid_at: 'status_transitions.paid_at',
    amount_cents: 'amount_due',
    currency: `${COMPUTED_KEY}.currency`,
    status: 'status',
    failed_attempts: 'attempt_count',
  },
  values: { status: { draft: 'open' } },
  dateFormat: 'epoch-seconds',
  money: 'cents',
  transform: (record) => {
    if (!isObject(record)) return record;
    const due = record.due_date ?? record.created;
    const currency = typeof record.currency === 'string' ? record.currency.toUpperCase() : record.currency;
    return withComputed(record, { due_on: due ?? null, currency: currency ?? null });
  },
};

/**
 * Stripe `GET /v1/subscriptions?status=all` (issue 15). The list holds each subscription's CURRENT period
 * only; Radar keeps every period it has seen, so load it at least once per billing period.
 * - period_start/period_end ← `current_period_start`/`current_period_end`, or the first item's (API
 *   versions from 2025-03-31 moved them onto the items).
 * - interval/interval_count ← the first item's `price.recurring` (Stripe bills all items on one interval).
 * - amount_cents/quantity ← the item's `price.unit_amount` and `quantity` when there is one item; with
 *   several, amount_cents is Σ unit_amount × quantity and quantity 1. Metered prices (no unit_amount) add 0.
 * - currency upper-cased; `cancel_at_period_end`, `canceled_at`, `ended_at` and `status` as they are.
 */
const STRIPE_SUBSCRIPTIONS: PresetDefaults = {
  entity: 'subscriptions',
  mapping: {
    account_id: 'customer',
    subscription_id: 'id',
    period_start: `${COMPUTED_KEY}.period_start`,
    period_end: `${COMPUTED_KEY}.period_end`,
    interval: `${COMPUTED_KEY}.interval`,
    interval_count: `${COMPUTED_KEY}.interval_count`,
    amount_cents: `${COMPUTED_KEY}.amount`,
    quantity: `${COMPUTED_KEY}.quantity`,
    currency: `${COMPUTED_KEY}.currency`,
    status: 'status',
    canceled_at: 'canceled_at',
    cancel_at_period_end: 'cancel_at_period_end',
    ended_at: 'ended_at',
  },
  values: {},
  dateFormat: 'epoch-seconds',
  money: 'cents',
  transform: (record) => {
    if (!isObject(record)) return record;
    const items = isObject(record.items) && Array.isArray(record.items.data) ? record.items.data.filter(isObject) : [];
    const item = items[0];
    const price = item && isObject(item.price) ? item.price : undefined;
    const recurring = price && isObject(price.recurring) ? price.recurring : undefined;
    const unitAmount = (entry: Record<string, unknown>) => (isObject(entry.price) && typeof entry.price.unit_amount === 'number' ? entry.price.unit_amount : 0);
    const quantityOf = (entry: Record<string, unknown>) => (typeof entry.quantity === 'number' ? entry.quantity : 1);
    const single = items.length === 1 && item !== undefined;
    const currency = typeof record.currency === 'string' ? record.currency.toUpperCase() : price && typeof price.currency === 'string' ? price.currency.toUpperCase() : null;
    return withComputed(record, {
      period_start: record.current_period_start ?? item?.current_period_start ?? null,
      period_end: record.current_period_end ?? item?.current_period_end ?? null,
      interval: recurring?.interval ?? null,
      interval_count: recurring?.interval_count ?? null,
      amount: single ? (price?.unit_amount ?? null) : items.reduce((sum, entry) => sum + unitAmount(entry) * quantityOf(entry), 0),
      quantity: single ? quantityOf(item) : 1,
      currency,
    });
  },
};

/** Zendesk `via.channel` → our channel. Channels not listed pass through and are quarantined. */
const ZENDESK_CHANNELS: Readonly<Record<string, string>> = {
  web: 'web',
  web_form: 'web',
  web_widget: 'web',
  help_center: 'web',
  forum: 'web',
  mobile_sdk: 'web',
  email: 'email',
  chat: 'chat',
  native_messaging: 'chat',
  messaging: 'chat',
  voice: 'phone',
  sms: 'phone',
  twitter: 'social',
  facebook: 'social',
  instagram_dm: 'social',
  whatsapp: 'social',
  line: 'social',
  wechat: 'social',
  telegram: 'social',
  viber: 'social',
  apple_business_chat: 'social',
  google_business_messages: 'social',
  api: 'other',
  mobile: 'other',
  rule: 'other',
  system: 'other',
  any_channel: 'other',
  closed_ticket: 'other',
  ticket_sharing: 'other',
  side_conversation: 'other',
  sample_ticket: 'other',
  linked_problem: 'other',
  batch: 'other',
};

/** Ticket statuses that end a ticket; `deleted` ones no longer weigh on support load either. */
export const ZENDESK_CLOSED_STATUSES: ReadonlySet<string> = new Set(['solved', 'closed', 'deleted']);

/**
 * Zendesk `GET /api/v2/incremental/tickets/cursor.json`.
 * - closed_at ← `_radar.closed_at` = `updated_at` when status is solved, closed or deleted, else null.
 *   The export has no solved-at time; the last update of a solved ticket is usually its solving (or the
 *   automatic close some days later), so this can be late by that much. Exact times need the
 *   ticket-metrics API.
 * - satisfaction ← `satisfaction_rating.score`: good → 5, bad → 1, offered/unoffered → '' (no rating).
 * - category ← `type` (question, incident, problem, task).
 */
const ZENDESK_TICKETS: PresetDefaults = {
  entity: 'support_contacts',
  mapping: {
    external_id: 'id',
    account_id: 'organization_id',
    opened_at: 'created_at',
    closed_at: `${COMPUTED_KEY}.closed_at`,
    channel: 'via.channel',
    priority: 'priority',
    category: 'type',
    satisfaction: 'satisfaction_rating.score',
  },
  values: {
    channel: ZENDESK_CHANNELS,
    satisfaction: { good: '5', bad: '1', offered: '', unoffered: '' },
  },
  dateFormat: 'iso',
  money: 'cents',
  transform: (record) => {
    if (!isObject(record)) return record;
    const closed = typeof record.status === 'string' && ZENDESK_CLOSED_STATUSES.has(record.status);
    return withComputed(record, { closed_at: closed ? (record.updated_at ?? null) : null });
  },
};

const GENERIC: PresetDefaults = { entity: undefined, mapping: {}, values: {}, dateFormat: 'iso', money: 'cents' };

const PRESETS: Readonly<Record<Preset, PresetDefaults>> = {
  generic: GENERIC,
  'stripe-invoices': STRIPE_INVOICES,
  'stripe-subscriptions': STRIPE_SUBSCRIPTIONS,
  'zendesk-tickets': ZENDESK_TICKETS,
};

export function presetDefaults(preset: Preset): PresetDefaults {
  return PRESETS[preset];
}

export interface EffectiveMapping {
  readonly entity: Entity;
  readonly mapping: Readonly<Record<string, string>>;
  readonly values: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly dateFormat: DateFormat;
  readonly money: MoneyFormat;
}

/** What the schema fills in when the user writes nothing; such a value cannot override a preset. */
const SCHEMA_DEFAULTS = { dateFormat: 'iso', money: 'cents' } as const;

type MergeInput = Pick<HttpSource, 'preset' | 'mapping' | 'values'> & {
  readonly entity?: Entity | undefined;
  readonly dateFormat?: DateFormat | undefined;
  readonly money?: MoneyFormat | undefined;
};

/**
 * The mapping, value maps, date format and money format in effect for a source: the preset's, with
 * the user's `mapping` entries and `values` entries (per source value) on top. `dateFormat` and `money`
 * come from the preset unless the user set a value other than the schema default (zod fills defaults,
 * so an explicit `iso`/`cents` cannot be told apart from an omitted one).
 */
export function mergeWithPreset(source: MergeInput): EffectiveMapping {
  const preset = presetDefaults(source.preset);
  if (preset.entity !== undefined && source.entity !== undefined && source.entity !== preset.entity) {
    throw new RadarError('config_invalid', `preset ${source.preset} feeds ${preset.entity}, but the source says entity: ${source.entity}`, {
      preset: source.preset,
      entity: source.entity,
    });
  }
  const entity = source.entity ?? preset.entity;
  if (entity === undefined) throw new RadarError('config_invalid', 'a generic http source needs an entity', { preset: source.preset });

  const values: Record<string, Record<string, string>> = {};
  for (const field of new Set([...Object.keys(preset.values), ...Object.keys(source.values)])) {
    values[field] = { ...preset.values[field], ...source.values[field] };
  }
  const pick = <K extends 'dateFormat' | 'money'>(key: K): NonNullable<MergeInput[K]> => {
    const own = source[key];
    return (own !== undefined && own !== SCHEMA_DEFAULTS[key] ? own : preset[key]) as NonNullable<MergeInput[K]>;
  };
  return { entity, mapping: { ...preset.mapping, ...source.mapping }, values, dateFormat: pick('dateFormat'), money: pick('money') };
}
