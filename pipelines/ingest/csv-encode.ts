// Encodes staged rows as CSV for COPY … WITH (FORMAT csv): NULL is an empty unquoted field, an empty
// string is "" (quoted), and anything with a delimiter, quote or line break is quoted.
const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  if (value === '' || NEEDS_QUOTES.test(value) || value.trim() !== value) return `"${value.replaceAll('"', '""')}"`;
  return value;
}

export function csvLine(values: readonly (string | number | null | undefined)[]): string {
  let line = '';
  for (let index = 0; index < values.length; index += 1) {
    if (index > 0) line += ',';
    line += csvField(values[index]);
  }
  return `${line}\n`;
}
