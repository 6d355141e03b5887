// Formatting for the report's renderers. Money is formatted from integer cents with integer
// arithmetic only, so a figure shown is exactly the figure computed. Text for Markdown is escaped here.
import { cleanText } from '../../alerts/mrkdwn.ts';

const SYMBOLS: Readonly<Record<string, string>> = { USD: '$', EUR: '€', GBP: '£', JPY: '¥', CAD: 'CA$', AUD: 'A$' };

/** 123456789 cents → '$1,234,567.89'; negative → '−$5.00'; an unknown currency is written as its code. */
export function money(cents: number, currency = 'USD'): string {
  if (!Number.isSafeInteger(cents)) throw new RangeError(`money expects integer cents, got ${cents}`);
  const negative = cents < 0;
  const absolute = Math.abs(cents);
  const whole = Math.floor(absolute / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const fraction = String(absolute % 100).padStart(2, '0');
  const symbol = SYMBOLS[currency];
  const body = symbol ? `${symbol}${whole}.${fraction}` : `${whole}.${fraction} ${currency}`;
  return negative ? `−${body}` : body;
}

/** Compact money for chart labels: '$1.2M', '$350k', '$900'. Never used for a table figure. */
export function moneyShort(cents: number, currency = 'USD'): string {
  const symbol = SYMBOLS[currency] ?? '';
  const units = cents / 100;
  const absolute = Math.abs(units);
  const text = absolute >= 1e6 ? `${(units / 1e6).toFixed(1)}M` : absolute >= 1e3 ? `${(units / 1e3).toFixed(0)}k` : units.toFixed(0);
  return `${symbol}${text}`;
}

/** 0.9753 → '97.5%'; null → 'n/a'. */
export function percent(rate: number | null, digits = 1): string {
  return rate === null ? 'n/a' : `${(rate * 100).toFixed(digits)}%`;
}

/** Percentage points: 0.12 → '+12.0 pts'. */
export function points(difference: number | null): string {
  if (difference === null) return 'n/a';
  const value = (difference * 100).toFixed(1);
  return `${difference >= 0 ? '+' : '−'}${value.replace('-', '')} pts`;
}

export function decimal(value: number | null, digits = 3): string {
  return value === null ? 'n/a' : value.toFixed(digits);
}

export function count(value: number): string {
  return value.toLocaleString('en-US');
}

/** '3 of 4 (75.0%)', or 'n/a (0 decided)'. */
export function share(part: number, whole: number): string {
  return whole === 0 ? 'n/a (none decided)' : `${count(part)} of ${count(whole)} (${percent(part / whole)})`;
}

/** Characters that start Markdown inline syntax (emphasis, code, links, raw HTML, entities, table
 *  cells, strikethrough): a backslash makes each one literal (CommonMark escapes any ASCII punctuation). */
const MARKDOWN_INLINE = /[\\`*_[\]<>|~&]/g;
/** Markers that open a block (heading, list item, setext line) when they begin a line. */
const MARKDOWN_BLOCK_START = /^(#|[-+=]|\d+[.)])(?=\s|$)/;

/** Every value interpolated into the Markdown report goes through this: one line (control and bidi
 *  characters out), every inline marker escaped, and with `lineStart` also a leading block marker,
 *  so `"><img src=x onerror=alert(1)>`, `[x](javascript:…)` and `|` in a cell stay plain text. */
export function markdownEscape(value: string, { lineStart = false } = {}): string {
  const text = cleanText(value).replace(MARKDOWN_INLINE, '\\$&');
  return lineStart ? text.replace(MARKDOWN_BLOCK_START, (marker) => `${marker.slice(0, -1)}\\${marker.slice(-1)}`) : text;
}
