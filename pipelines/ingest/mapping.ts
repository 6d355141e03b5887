// Column mapping: how a company's export becomes our fields. `mapping` names, per field of ours, the
// source column (CSV) or dotted path (JSON); unmapped fields are looked up under their own name.
// `values` translates codes (P1 → urgent), `defaults` fills fields the source lacks.
import { RadarError } from '../errors.ts';
import type { EntitySpec, MappedRow } from './entities.ts';

export interface MappingConfig {
  readonly mapping: Readonly<Record<string, string>>;
  readonly values: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly defaults: Readonly<Record<string, string | number | boolean>>;
}

/**
 * Reads a dotted path ("status_transitions.paid_at") from a JSON value. "a|b" lists alternatives: the
 * first that is present (not null or missing) wins, e.g. Segment's "groupId|context.groupId".
 */
export function getPath(record: unknown, path: string): unknown {
  if (path.includes('|')) {
    for (const alternative of path.split('|')) {
      const value = getDottedPath(record, alternative);
      if (value !== null && value !== undefined) return value;
    }
    return undefined;
  }
  return getDottedPath(record, path);
}

function getDottedPath(record: unknown, path: string): unknown {
  let current: unknown = record;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function asText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

function checkFields(spec: EntitySpec, config: MappingConfig, source: string): void {
  for (const key of [...Object.keys(config.mapping), ...Object.keys(config.values), ...Object.keys(config.defaults)]) {
    if (!(key in spec.fields)) {
      throw new RadarError('config_invalid', `source ${source}: "${key}" is not a field of ${spec.entity} (fields: ${Object.keys(spec.fields).join(', ')})`, { source, field: key });
    }
  }
}

function translate(config: MappingConfig, field: string, text: string | null): string | null {
  const table = config.values[field];
  if (table && text !== null) {
    const trimmed = text.trim();
    const exact = table[trimmed];
    if (exact !== undefined) return exact;
    const lower = trimmed.toLowerCase();
    for (const [from, to] of Object.entries(table)) if (from.toLowerCase() === lower) return to;
  }
  if ((text === null || text.trim() === '') && config.defaults[field] !== undefined) return String(config.defaults[field]);
  return text;
}

export type RecordMapper = (record: unknown) => MappedRow;

/** Mapper for JSON records (NDJSON files, HTTP APIs): dotted paths into each record. */
export function jsonMapper(spec: EntitySpec, config: MappingConfig, source: string): RecordMapper {
  checkFields(spec, config, source);
  const paths = Object.keys(spec.fields).map((field) => [field, config.mapping[field] ?? field] as const);
  return (record) => {
    const row: Record<string, string | null> = {};
    for (const [field, path] of paths) row[field] = translate(config, field, asText(getPath(record, path)));
    return row;
  };
}

/**
 * Mapper for CSV rows (arrays), resolved once against the header. A required field whose column is
 * missing, or a field mapped to a column that is missing, fails the whole file: that is an export format
 * change, not a bad row. `positional`: the file has no header row; `header` is 1, 2, 3… and the mapping
 * names 1-based column numbers.
 */
export function csvMapper(
  spec: EntitySpec,
  config: MappingConfig,
  source: string,
  header: readonly string[],
  file: string,
  { positional = false }: { positional?: boolean } = {},
): (cells: readonly string[]) => MappedRow {
  checkFields(spec, config, source);
  const index = new Map(header.map((name, position) => [name.trim(), position]));
  const lowerIndex = new Map(header.map((name, position) => [name.trim().toLowerCase(), position]));
  const columns = Object.entries(spec.fields).map(([field, fieldSpec]) => {
    const mapped = config.mapping[field];
    const column = mapped ?? field;
    // "a|b" (by name): the first of these columns the header has.
    const position = positional
      ? mapped === undefined
        ? undefined
        : index.get(mapped)
      : column
          .split('|')
          .map((name) => index.get(name) ?? lowerIndex.get(name.toLowerCase()))
          .find((found) => found !== undefined);
    const needed = mapped !== undefined || (fieldSpec.required && config.defaults[field] === undefined);
    if (position === undefined && needed) {
      const context = { source, file, field, column };
      if (!positional) {
        throw new RadarError('ingest_failed', `${file}: column "${column}" for ${spec.entity}.${field} is not in the header (${header.join(', ')}); map it under sources.${source}.mapping.${field}`, context);
      }
      throw new RadarError(
        'ingest_failed',
        mapped === undefined
          ? `${file}: the file has no header row (header: false), so ${spec.entity}.${field} needs a column number under sources.${source}.mapping.${field} (the first row has ${header.length} fields)`
          : `${file}: sources.${source}.mapping.${field} is column ${mapped}, but the first row has only ${header.length} fields`,
        context,
      );
    }
    // Most fields have no value map and no default: their text passes as read (translate would return it).
    return [field, position, config.values[field] !== undefined || config.defaults[field] !== undefined] as const;
  });
  return (cells) => {
    const row: Record<string, string | null> = {};
    for (const [field, position, translated] of columns) {
      const text = position === undefined ? null : (cells[position] ?? null);
      row[field] = translated ? translate(config, field, text) : text;
    }
    return row;
  };
}
