// Sample-specific formatting; CSV quoting itself is shared with the loader (pipelines/csv.ts).
export { csvField, csvLine, csvLineOf, type Cell } from '../csv.ts';

/** Integer cents as a decimal amount, e.g. 125000 → "1250.00". */
export function centsToDecimal(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(Math.round(cents));
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
