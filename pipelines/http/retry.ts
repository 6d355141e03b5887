// Retry timing: Retry-After parsing and exponential backoff with jitter. Pure: time and randomness
// come in as arguments.

/**
 * Milliseconds to wait according to a Retry-After header (RFC 9110: delay-seconds or an HTTP-date),
 * or undefined when the header is absent or unreadable. A date in the past means 0.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP-date always names a day or month; this keeps Date.parse from reading "5" as a year.
  if (!/[A-Za-z]{3}/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

export const BACKOFF_BASE_MS = 500;
export const BACKOFF_CAP_MS = 30_000;

/**
 * Wait before retry number `attempt` (0 for the first retry): the ceiling doubles from `baseMs` up to
 * `capMs`, and the wait is drawn uniformly from [ceiling/2, ceiling] ("equal jitter") so that many
 * workers hitting the same API spread out but never retry immediately.
 */
export function backoffDelay(attempt: number, random: number, baseMs = BACKOFF_BASE_MS, capMs = BACKOFF_CAP_MS): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt));
  const unit = Math.min(1, Math.max(0, random));
  return Math.round(ceiling / 2 + (unit * ceiling) / 2);
}
