// The stored detail of a custom indicator: packed into indicator_values.detail_values like a built-in's
// (indicators/detail.ts), its first element naming the kind whose field list packed the rest. The field
// list depends only on the kind, so a row reads back right even after its indicator's kind was changed in
// config or the indicator was removed, with no config at hand (readers only know the indicator id).
//
// Why packed and not jsonb: to_jsonb of the detail row cost about a microsecond per row (a type lookup per
// field, numbers converted through text to numeric), 2–10% of the statement with 12 custom indicators
// (docs/custom-indicators.md "Fifth pass").
import { sql, type RawBuilder } from 'kysely';
import { RadarError } from '../../pipelines/errors.ts';
import type { Json } from '../../sql/schema.ts';
import { detailFields, unpackOne, type DetailFields } from '../detail.ts';
import type { IndicatorDetail } from '../types.ts';
import { CUSTOM_KINDS, type CustomKind } from './schema.ts';

type FieldKind = 'number' | 'boolean' | 'date' | 'timestamp';

/** The detail fields each kind stores, in packing order (after the kind), usable as explain {placeholders}. */
export const DETAIL_FIELD_KINDS: Readonly<Record<CustomKind, Readonly<Record<string, FieldKind>>>> = {
  level: { windowDays: 'number', coveredDays: 'number', total: 'number', perDenominator: 'number' },
  change: { recentDays: 'number', baselineDays: 'number', enoughHistory: 'boolean', recent: 'number', baseline: 'number' },
  trend: { windowDays: 'number', coveredDays: 'number', mean: 'number', slopePer30Days: 'number' },
  ratio: { windowDays: 'number', coveredDays: 'number', numeratorTotal: 'number', denominatorTotal: 'number', floor: 'number' },
  share: { windowDays: 'number', coveredDays: 'number', activeDays: 'number' },
  daysSince: { windowDays: 'number', coveredDays: 'number', lastSeen: 'date' },
  latest: { observedAt: 'timestamp' },
  latestChange: { latest: 'number', previous: 'number', observedAt: 'timestamp', previousObservedAt: 'timestamp' },
  average: { windowDays: 'number', observations: 'number', observedAt: 'timestamp' },
};

/** The detail field names of a kind. */
export const detailKeys = (kind: CustomKind): readonly string[] => Object.keys(DETAIL_FIELD_KINDS[kind]);

/** A kind's fields after a leading `kind` field (its position in CUSTOM_KINDS, read back as the kind's name). */
function taggedFields(kind: CustomKind): DetailFields {
  return detailFields({ kind: CUSTOM_KINDS, ...DETAIL_FIELD_KINDS[kind] });
}

// Built on first use: schema.ts (CUSTOM_KINDS) imports this module through words.ts.
const tagged = new Map<CustomKind, DetailFields>();
function taggedOf(kind: CustomKind): DetailFields {
  let fields = tagged.get(kind);
  if (!fields) tagged.set(kind, (fields = taggedFields(kind)));
  return fields;
}

/** Epoch seconds as 'YYYY-MM-DDTHH:MM:SSZ', cut to the second as to_char did before packing (never rounded up into the next second). */
const toTheSecond = (epochSeconds: number): string => new Date(Math.floor(epochSeconds) * 1000).toISOString().replace('.000Z', 'Z');

/**
 * Custom detail packed values (a leading kind tag, then that kind's fields) as the detail object, without
 * the tag; timestamps to the second as before packing ('2024-03-31T23:59:59Z'). Undefined when `values` is
 * not such an array (a row written as jsonb before packing: its detail is the stored object).
 */
export function unpackCustomDetail(values: readonly (number | null)[]): IndicatorDetail | undefined {
  const kind = CUSTOM_KINDS[values[0] ?? -1];
  if (!kind) return undefined;
  const { names, kinds } = taggedOf(kind);
  if (values.length !== names.length) return undefined;
  // A loop, not unpack-then-drop-the-tag: evaluate reads 12 of these per account.
  const detail: Record<string, Json> = {};
  for (let index = 1; index < names.length; index++) {
    const name = names[index]!;
    const value = values[index];
    detail[name] = kinds[name] === 'timestamp' && typeof value === 'number' ? toTheSecond(value) : unpackOne(kinds[name]!, value);
  }
  return detail;
}

/** The DetailFields of a custom indicator of `kind`: packs the tag and the fields; reads any kind's rows. */
export function customDetailFields(kind: CustomKind): DetailFields {
  const fields = taggedOf(kind);
  return {
    ...fields,
    pack: (values) => fields.pack({ ...values, kind: sql`${kind}::text` }),
    unpack: (values, stored) => (values && unpackCustomDetail(values)) ?? stored ?? {},
  };
}

/** The packed detail of `kind` from its field expressions (each name of DETAIL_FIELD_KINDS[kind], no more, no less). */
export function packCustomDetail(kind: CustomKind, values: Readonly<Record<string, RawBuilder<unknown>>>): RawBuilder<(number | null)[]> {
  const expected = detailKeys(kind);
  const given = Object.keys(values);
  if (given.length !== expected.length || expected.some((name) => !(name in values))) {
    throw new RadarError('usage', `custom ${kind} detail fields [${given.join(', ')}] are not [${expected.join(', ')}]`);
  }
  return customDetailFields(kind).pack(values as Record<string, RawBuilder<unknown>>);
}
