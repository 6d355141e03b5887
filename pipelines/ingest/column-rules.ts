// What a parsed value must be to fit the column it lands in, derived from the column's type in
// sql/schema.ts, so every entity (and any entity added later) gets the same checks without declaring them:
// a value that passes here cannot make COPY or the merge fail (issue 16, F1/F2). A bad value is then one
// quarantined row with a reason, never a failed load.
import { LONE_SURROGATE } from '../../sql/ingest.ts';
import { schemaColumns } from '../../sql/schema.ts';

/** Why a value does not fit its column, or undefined when it does. */
export type ColumnRule = (value: string | number) => string | undefined;

const INTEGER_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  smallint: [-32_768, 32_767],
  integer: [-2_147_483_648, 2_147_483_647],
  // int8's own range is wider, but rows are read back as JS numbers (sql/database.ts refuses unsafe ones).
  bigint: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/**
 * Text in a unique or primary key is indexed by a btree, whose entries must stay under ~2,700 bytes: 800
 * UTF-16 code units are at most 2,400 bytes of UTF-8. Other text is capped far below Postgres's 1 GB so a
 * runaway cell (an unterminated quote, a binary blob) is quarantined rather than stored.
 */
export const KEY_TEXT_LIMIT = 800;
export const TEXT_LIMIT = 100_000;

function rangeRule(type: string, [low, high]: readonly [number, number]): ColumnRule {
  return (value) => (typeof value === 'number' && (value < low || value > high) ? `${value} is out of range for ${type} (${low} to ${high})` : undefined);
}

function lengthRule(limit: number, why: string): ColumnRule {
  return (value) => (typeof value === 'string' && value.length > limit ? `is ${value.length} characters long, over the ${limit} a ${why} may hold` : undefined);
}

const finiteRule: ColumnRule = (value) => (typeof value === 'number' && !Number.isFinite(value) ? `${value} is not a finite number` : undefined);

/** The column's type as sql/schema.ts declares it, when the table and column are known there. */
export function columnType(table: string, column: string): string | undefined {
  const columns = (schemaColumns as Readonly<Record<string, Readonly<Record<string, { readonly type: string }>>>>)[table];
  return columns?.[column]?.type;
}

/** The rule for `table.column`; `inKey` when the column is part of the natural key (indexed). */
export function columnRule(table: string, column: string, inKey: boolean): ColumnRule | undefined {
  const type = columnType(table, column);
  if (type === undefined) return undefined;
  const range = INTEGER_RANGES[type];
  if (range) return rangeRule(type, range);
  if (type === 'double precision') return finiteRule;
  if (type === 'text' || type === 'character') return inKey ? lengthRule(KEY_TEXT_LIMIT, 'key column') : lengthRule(TEXT_LIMIT, 'text column');
  return undefined;
}

/** Whether the column holds text as given (so the source's characters reach the database unchanged). */
export function holdsText(table: string, column: string): boolean {
  const type = columnType(table, column);
  return type === 'text' || type === 'character';
}

// Fast pre-check for the three things text must not carry; surrogates are then told apart from valid pairs.
// eslint-disable-next-line no-control-regex -- finding NUL is the point
const SUSPECT = /[\u0000\uFFFD\uD800-\uDFFF]/;

/**
 * Why `text` cannot be stored as UTF-8 text, or undefined. Postgres text cannot hold NUL; invalid UTF-8 in a
 * file was decoded as U+FFFD (storing it would silently replace the source's bytes); an unpaired UTF-16
 * surrogate (from a JSON "\ud800" escape) has no UTF-8 form at all.
 */
export function encodingProblem(text: string): string | undefined {
  if (!SUSPECT.test(text)) return undefined;
  const nul = text.indexOf('\u0000');
  if (nul >= 0) return `contains a NUL byte (at character ${nul + 1}), which Postgres text cannot hold`;
  const replaced = text.indexOf('\uFFFD');
  if (replaced >= 0) return `contains invalid UTF-8 (a byte sequence that decodes to U+FFFD at character ${replaced + 1})`;
  const surrogate = LONE_SURROGATE.exec(text);
  if (surrogate) return `contains an unpaired UTF-16 surrogate (at character ${surrogate.index + 1}), which is not valid Unicode`;
  return undefined;
}
