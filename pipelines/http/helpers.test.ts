// Pure helpers: dotted paths, URL building and redaction, Retry-After, backoff, watermark order.
import { describe, expect, it } from 'vitest';
import { compareWatermarks, maxWatermark } from './paging.ts';
import { getPath } from './paths.ts';
import { backoffDelay, parseRetryAfter } from './retry.ts';
import { redactUrl, scrub, withParams } from './url.ts';

describe('getPath', () => {
  const doc = { a: { b: { c: 3 } }, list: [{ id: 'x' }], nil: null, 'dotted.key': 1 };
  it('walks objects and array indices', () => {
    expect(getPath(doc, 'a.b.c')).toBe(3);
    expect(getPath(doc, 'list.0.id')).toBe('x');
    expect(getPath(doc, 'nil')).toBeNull();
    expect(getPath(doc, '')).toBe(doc);
  });
  it('returns undefined for missing steps, non-objects and inherited properties', () => {
    expect(getPath(doc, 'a.x.c')).toBeUndefined();
    expect(getPath(doc, 'nil.x')).toBeUndefined();
    expect(getPath(doc, 'list.first')).toBeUndefined();
    expect(getPath(doc, 'a.b.c.d')).toBeUndefined();
    expect(getPath(doc, 'a.toString')).toBeUndefined();
    expect(getPath(doc, 'dotted.key')).toBeUndefined();
  });
});

describe('withParams', () => {
  it('sets, replaces and removes parameters and keeps the others', () => {
    expect(withParams('https://h/x?a=1&b=2', { b: 3, c: 'z y' })).toBe('https://h/x?a=1&b=3&c=z+y');
    expect(withParams('https://h/x?a=1&b=2', { a: undefined }, ['b'])).toBe('https://h/x');
    expect(withParams('https://h/v1/invoices', { 'created[gt]': 5 })).toBe('https://h/v1/invoices?created%5Bgt%5D=5');
  });
});

describe('redactUrl', () => {
  it('hides credential-like parameters and user info but keeps paging parameters', () => {
    expect(redactUrl('https://u:p@h/x?api_key=abc&access_token=t&page=2&starting_after=in_1')).toBe(
      'https://h/x?api_key=REDACTED&access_token=REDACTED&page=2&starting_after=in_1',
    );
  });
  it('scrubs a known secret wherever it appears, raw or encoded', () => {
    expect(redactUrl('https://h/x/s3cr3t+v/y?q=s3cr3t%2Bv', ['s3cr3t+v'])).toBe('https://h/x/[redacted]/y?q=[redacted]');
    expect(scrub('a secret here', ['secret', ''])).toBe('a [redacted] here');
  });
  it('does not throw on garbage', () => {
    expect(redactUrl('not a url')).toBe('(unparseable URL)');
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 2, 1, 12, 0, 0);
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('1', now)).toBe(1000);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
    expect(parseRetryAfter('0', now)).toBe(0);
  });
  it('reads an HTTP-date relative to now, never negative', () => {
    expect(parseRetryAfter('Sun, 01 Mar 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 01 Mar 2026 11:00:00 GMT', now)).toBe(0);
  });
  it('ignores absent or unreadable values', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  it('doubles the ceiling per attempt and draws from its upper half', () => {
    expect([0, 1, 2, 3].map((attempt) => backoffDelay(attempt, 0))).toEqual([250, 500, 1000, 2000]);
    expect([0, 1, 2, 3].map((attempt) => backoffDelay(attempt, 1))).toEqual([500, 1000, 2000, 4000]);
  });
  it('is capped', () => {
    expect(backoffDelay(20, 1)).toBe(30_000);
    expect(backoffDelay(20, 0)).toBe(15_000);
  });
});

describe('watermark order', () => {
  it('compares numbers numerically and other values as strings', () => {
    expect(compareWatermarks('9', '10')).toBeLessThan(0);
    expect(compareWatermarks('2026-01-02T00:00:00Z', '2026-01-10T00:00:00Z')).toBeLessThan(0);
    expect(compareWatermarks('b', 'a')).toBeGreaterThan(0);
    expect(compareWatermarks('', '0')).toBeLessThan(0);
  });
  it('keeps the maximum and ignores values that are not numbers or strings', () => {
    expect(maxWatermark(undefined, 5)).toBe('5');
    expect(maxWatermark('5', 40)).toBe('40');
    expect(maxWatermark('40', '9')).toBe('40');
    expect(maxWatermark('40', null)).toBe('40');
    expect(maxWatermark('40', { x: 1 })).toBe('40');
    expect(maxWatermark(undefined, '')).toBeUndefined();
  });
});
