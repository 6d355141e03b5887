// CSV writing (RFC 4180, and what Postgres COPY … FORMAT csv reads): NULL/undefined is an empty unquoted
// field, an empty string is "" (COPY tells it from NULL that way), and a field with a delimiter, quote,
// line break or surrounding spaces is quoted.
export type Cell = string | number | null | undefined;

// One regex for "has a delimiter, quote or line break, or leading/trailing white space" (no trim() copy).
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

export function csvField(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  if (value === '' || NEEDS_QUOTES.test(value)) return `"${value.replaceAll('"', '""')}"`;
  return value;
}

/** One CSV record, without the line break. */
export function csvLine(cells: readonly Cell[]): string {
  let line = '';
  for (let index = 0; index < cells.length; index += 1) {
    if (index > 0) line += ',';
    line += csvField(cells[index]);
  }
  return line;
}

/** The named `columns` of `record` as one CSV record, without the line break (no intermediate array: loaders call it per row). */
export function csvLineOf(record: Readonly<Record<string, Cell>>, columns: readonly string[]): string {
  let line = '';
  for (let index = 0; index < columns.length; index += 1) {
    if (index > 0) line += ',';
    line += csvField(record[columns[index]!]);
  }
  return line;
}

/**
 * A text cell safe to open in a spreadsheet: text starting with = + - @ (or a tab or carriage return,
 * which some spreadsheets skip before reading a formula) is prefixed with ' so it is shown, not run
 * (OWASP "CSV injection"). Only for exports meant for people's spreadsheets: it changes the text.
 */
export function spreadsheetText(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}
