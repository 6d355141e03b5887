// Small formatting helpers for explain sentences.
import type { IndicatorDetail } from './types.ts';

/** A numeric field of a detail object, or null. */
export function num(detail: IndicatorDetail, key: string): number | null {
  const value = detail[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** 41.234 → "41.2", 1234.5 → "1,235", null → "n/a". */
export function fmt(value: number | null, digits = 1): string {
  if (value === null) return 'n/a';
  const abs = Math.abs(value);
  const maximumFractionDigits = abs >= 100 ? 0 : abs >= 1 ? digits : Math.max(digits, 2);
  return value.toLocaleString('en-US', { maximumFractionDigits });
}

/** −0.4612 → "−46%". */
export function pct(value: number | null, digits = 0): string {
  if (value === null) return 'n/a';
  const text = `${Math.abs(value * 100).toFixed(digits)}%`;
  return value < 0 ? `\u2212${text}` : value > 0 ? `+${text}` : text;
}

/** 123456 cents → "$1,234.56". */
export function money(cents: number | null): string {
  if (cents === null) return 'n/a';
  return `$${(cents / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

export function plural(count: number | null, word: string, pluralWord = `${word}s`): string {
  return `${fmt(count, 0)} ${count === 1 ? word : pluralWord}`;
}

/** "the prior quarter" for 90 days, "the prior month" for 30, "the prior year" for 365, else "the prior N days". */
export function priorWindow(days: number | null): string {
  if (days === 90) return 'the prior quarter';
  if (days === 30) return 'the prior month';
  if (days === 365) return 'the prior year';
  return days === null ? 'before' : `the prior ${days} days`;
}
