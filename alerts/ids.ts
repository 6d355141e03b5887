// Ids that arrive as text — Slack button values, modal metadata, CLI arguments — parsed one way.
// `Number()` accepts "0x5", "5e0", " 5 ", "5.0" and "+5", so a hostile or mistyped value could name a
// row it does not spell; only plain decimal digits are an id here.
import { RadarError } from '../pipelines/errors.ts';

const PLAIN_DIGITS = /^[1-9][0-9]{0,15}$/;

/** A positive id written as plain decimal digits, else a usage error naming the field and the value. */
export function parseId(value: unknown, field: string): number {
  const text = typeof value === 'string' ? value : typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : undefined;
  const id = text !== undefined && PLAIN_DIGITS.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(id)) {
    const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value;
    throw new RadarError('usage', `${field} must be a positive whole number written with the digits 0-9 only, got ${shown}`, { field });
  }
  return id;
}

/** `parseId` for payloads where a foreign value is ignored rather than refused: the id, or the reason it is not one. */
export function tryParseId(value: unknown, field: string): { readonly id: number } | { readonly error: string } {
  try {
    return { id: parseId(value, field) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}
