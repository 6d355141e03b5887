import { ErrorCode } from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import { backoffMs, outboxFileName } from './deliver.ts';
import { classifySlackError } from './slack.ts';

const coded = (code: string, extra: Record<string, unknown>) => Object.assign(new Error(code), { code, ...extra });

describe('Slack error handling', () => {
  it('classifies 429, 5xx, network and platform errors', () => {
    expect(classifySlackError(coded(ErrorCode.RateLimitedError, { retryAfter: 3 }))).toEqual({ kind: 'rate_limited', retryAfterMs: 3000, reason: 'ratelimited (HTTP 429)' });
    expect(classifySlackError(coded(ErrorCode.HTTPError, { statusCode: 503 }))).toEqual({ kind: 'transient', reason: 'HTTP 503', ambiguous: true });
    expect(classifySlackError(coded(ErrorCode.HTTPError, { statusCode: 404 }))).toEqual({ kind: 'permanent', reason: 'HTTP 404' });
    expect(classifySlackError(coded(ErrorCode.PlatformError, { data: { ok: false, error: 'invalid_auth' } }))).toEqual({ kind: 'permanent', reason: 'invalid_auth' });
    expect(classifySlackError(coded(ErrorCode.PlatformError, { data: { ok: false, error: 'channel_not_found' } }))).toEqual({ kind: 'permanent', reason: 'channel_not_found' });
    expect(classifySlackError(coded(ErrorCode.PlatformError, { data: { ok: false, error: 'ratelimited' } }))).toMatchObject({ kind: 'rate_limited', retryAfterMs: null });
    expect(classifySlackError(coded(ErrorCode.PlatformError, { data: { ok: false, error: 'internal_error' } }))).toMatchObject({ kind: 'transient', ambiguous: true });
    expect(classifySlackError(coded(ErrorCode.RequestError, {}))).toMatchObject({ kind: 'transient', ambiguous: true });
  });

  it('backs off exponentially up to the cap and names outbox files safely', () => {
    const retry = { baseDelayMs: 1000, maxDelayMs: 5000 };
    expect([1, 2, 3, 4].map((attempt) => backoffMs(attempt, retry))).toEqual([1000, 2000, 4000, 5000]);
    expect(outboxFileName('digest:dana@vendor.example:2026-01-15')).toBe('digest_dana_vendor.example_2026-01-15.json');
  });
});
