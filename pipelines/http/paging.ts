// How each preset (and each generic pagination type) asks for its first page, finds the records in
// a page, and builds the next page's URL. Pure: takes parsed JSON, returns URLs and records.
import type { HttpSource } from '../../config/sources.ts';
import { getPath, isObject } from './paths.ts';
import { withParams } from './url.ts';

/** How the next run's watermark is derived. */
export type WatermarkRule =
  | { readonly kind: 'none' }
  /** The maximum of a record field (numbers compare as numbers, otherwise as strings). */
  | { readonly kind: 'max'; readonly field: string }
  /** An opaque resume cursor the API hands back with each page. */
  | { readonly kind: 'cursor' };

export interface ReadPage {
  readonly records: readonly unknown[];
  /** The URL of the next page, or undefined when this was the last. */
  readonly nextUrl: string | undefined;
  /** For `cursor` watermarks: where the next run resumes if it commits after this page. */
  readonly resumeCursor?: string | undefined;
}

export interface Paging {
  readonly firstUrl: string;
  readonly watermark: WatermarkRule;
  /** Reads one parsed page. Throws PageShapeError when the page is not shaped as expected. */
  read(body: unknown): ReadPage;
}

/** The page parsed as JSON but is not what the API should return. */
export class PageShapeError extends Error {
  override readonly name = 'PageShapeError';
}

export const STRIPE_PAGE_SIZE = 100;

function recordsAt(body: unknown, path: string | undefined, what: string): readonly unknown[] {
  const records = path === undefined ? body : getPath(body, path);
  if (!Array.isArray(records)) {
    const found = records === undefined ? 'nothing' : records === null ? 'null' : typeof records;
    throw new PageShapeError(
      path === undefined ? `expected ${what} to be a JSON array (set recordsPath if the records are nested), found ${found}` : `expected an array of records at "${path}", found ${found}`,
    );
  }
  return records;
}

function cursorText(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * Stripe lists: newest first, `starting_after=<last id>` while `has_more`, `limit=100`; incremental with
 * `created[gt]=<watermark - lookback>` where the watermark is the largest `created` seen.
 */
export function stripePaging(url: string, watermark: string | undefined, lookbackSeconds: number): Paging {
  const since = watermark === undefined ? undefined : Number(watermark) - lookbackSeconds;
  if (since !== undefined && !Number.isFinite(since)) throw new PageShapeError(`stored watermark "${watermark}" is not unix seconds`);
  const base = withParams(url, { limit: new URL(url).searchParams.get('limit') ?? STRIPE_PAGE_SIZE, 'created[gt]': since }, ['starting_after']);
  return {
    firstUrl: base,
    watermark: { kind: 'max', field: 'created' },
    read(body) {
      if (!isObject(body) || body.object !== 'list') throw new PageShapeError('expected a Stripe list object ({"object": "list", "data": [...]})');
      const records = recordsAt(body, 'data', 'data');
      if (body.has_more !== true) return { records, nextUrl: undefined };
      const last = records.at(-1);
      const lastId = isObject(last) ? cursorText(last.id) : undefined;
      if (lastId === undefined) throw new PageShapeError('has_more is true but the last record has no id to continue after');
      return { records, nextUrl: withParams(base, { starting_after: lastId }) };
    },
  };
}

/**
 * Stripe `/v1/subscriptions`: the whole list on every load (`status=all`, so cancelled and ended ones come
 * too; a user-set `status` stays), paged like every Stripe list. No watermark: a subscription's current
 * period, status and cancellation change without a newer `created`.
 */
export function stripeSubscriptionsPaging(url: string): Paging {
  const status = new URL(url).searchParams.get('status') ?? 'all';
  const paging = stripePaging(withParams(url, { status }), undefined, 0);
  return { ...paging, watermark: { kind: 'none' } };
}

/**
 * Zendesk incremental cursor export: `start_time=<unix seconds>` first (kept from the configured URL,
 * else 0), then `cursor=<after_cursor>` until `end_of_stream`. The watermark is the last after_cursor.
 */
export function zendeskPaging(url: string, watermark: string | undefined): Paging {
  const configuredStart = new URL(url).searchParams.get('start_time');
  const firstUrl =
    watermark === undefined ? withParams(url, { start_time: configuredStart ?? 0 }, ['cursor']) : withParams(url, { cursor: watermark }, ['start_time']);
  return {
    firstUrl,
    watermark: { kind: 'cursor' },
    read(body) {
      if (!isObject(body)) throw new PageShapeError('expected a JSON object with "tickets"');
      const records = recordsAt(body, 'tickets', 'tickets');
      const after = cursorText(body.after_cursor);
      if (typeof body.end_of_stream !== 'boolean') throw new PageShapeError('expected "end_of_stream" to be true or false');
      if (body.end_of_stream) return { records, nextUrl: undefined, resumeCursor: after };
      if (after === undefined) throw new PageShapeError('end_of_stream is false but there is no after_cursor');
      return { records, nextUrl: withParams(url, { cursor: after }, ['start_time']), resumeCursor: after };
    },
  };
}

type GenericSource = Pick<HttpSource, 'url' | 'recordsPath' | 'pagination' | 'watermark'>;

/** Generic APIs: everything from config. */
export function genericPaging(source: GenericSource, watermark: string | undefined): Paging {
  const rule: WatermarkRule = source.watermark ? { kind: 'max', field: source.watermark.field } : { kind: 'none' };
  const filtered = source.watermark && watermark !== undefined ? withParams(source.url, { [source.watermark.param]: watermark }) : source.url;
  const pagination = source.pagination;
  const path = source.recordsPath;
  switch (pagination.type) {
    case 'none':
      return { firstUrl: filtered, watermark: rule, read: (body) => ({ records: recordsAt(body, path, 'the page'), nextUrl: undefined }) };
    case 'cursor':
      return {
        firstUrl: filtered,
        watermark: rule,
        read(body) {
          const records = recordsAt(body, path, 'the page');
          const done = pagination.donePath !== undefined && getPath(body, pagination.donePath) === true;
          const next = cursorText(getPath(body, pagination.nextCursorPath));
          return { records, nextUrl: done || next === undefined ? undefined : withParams(filtered, { [pagination.cursorParam]: next }) };
        },
      };
    case 'page': {
      const pageUrl = (n: number) => withParams(filtered, { [pagination.pageParam]: n, [pagination.sizeParam]: pagination.pageSize });
      let current = pagination.firstPage;
      return {
        firstUrl: pageUrl(current),
        watermark: rule,
        read(body) {
          const records = recordsAt(body, path, 'the page');
          // An empty or short page is the last one.
          if (records.length < pagination.pageSize) return { records, nextUrl: undefined };
          current += 1;
          return { records, nextUrl: pageUrl(current) };
        },
      };
    }
  }
}

export function pagingFor(source: HttpSource, watermark: string | undefined, lookbackSeconds = 0): Paging {
  switch (source.preset) {
    case 'stripe-invoices':
      return stripePaging(source.url, watermark, lookbackSeconds);
    case 'stripe-subscriptions':
      return stripeSubscriptionsPaging(source.url);
    case 'zendesk-tickets':
      return zendeskPaging(source.url, watermark);
    case 'generic':
      return genericPaging(source, watermark);
  }
}

/** Compares watermark values: numerically when both are numbers, otherwise as strings. */
export function compareWatermarks(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  if (a.trim() !== '' && b.trim() !== '' && Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The larger of the current maximum and a record's field value (numbers or strings; others ignored). */
export function maxWatermark(current: string | undefined, value: unknown): string | undefined {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : typeof value === 'string' && value !== '' ? value : undefined;
  if (text === undefined) return current;
  if (current === undefined) return text;
  return compareWatermarks(text, current) > 0 ? text : current;
}
