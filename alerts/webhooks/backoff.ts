// The retry schedule (pure): after failed attempt n (1-based) the next one waits
// min(firstDelaySeconds × 2^(n−1), maxDelaySeconds); after maxAttempts failures the event is dead-lettered.
import type { WebhookEndpoint } from '../../config/webhooks.ts';

export function retryDelayMs(failedAttempt: number, retry: WebhookEndpoint['retry']): number {
  const seconds = Math.min(retry.firstDelaySeconds * 2 ** Math.max(0, failedAttempt - 1), retry.maxDelaySeconds);
  return Math.round(seconds * 1000);
}

/**
 * When to try again after a failed attempt, or undefined when it was the last one. A Retry-After the
 * receiver sent (seconds, capped at maxDelaySeconds) pushes the time later, never earlier.
 */
export function nextAttemptAt(now: Date, failedAttempt: number, retry: WebhookEndpoint['retry'], retryAfterSeconds?: number): Date | undefined {
  if (failedAttempt >= retry.maxAttempts) return undefined;
  const wait = Math.max(retryDelayMs(failedAttempt, retry), Math.min(retryAfterSeconds ?? 0, retry.maxDelaySeconds) * 1000);
  return new Date(now.getTime() + wait);
}
