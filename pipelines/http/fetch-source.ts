// Pulls an HTTP JSON source page by page. The caller (the ingestion core) maps, validates and
// commits; it stores the watermark of the last page it committed after.
import type { HttpSource } from '../../config/sources.ts';
import { RadarError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { maxWatermark, PageShapeError, pagingFor, type Paging } from './paging.ts';
import { getPath } from './paths.ts';
import { presetDefaults } from './presets.ts';
import { getJsonPage, type RequestContext } from './request.ts';
import { redactUrl } from './url.ts';

export interface FetchedPage {
  /** Raw JSON records of this page (after the preset's transform, see presets.ts). */
  readonly records: readonly unknown[];
  /** e.g. "page 3 (https://host/v1/invoices?starting_after=in_123)"; never contains secrets. */
  readonly location: string;
  /**
   * The watermark to store if the run commits after this page. Resume cursors (zendesk) advance
   * with every page. Maximum-of-a-field watermarks (stripe, generic) keep the stored value until the
   * last page and then become max(stored, every value seen): pages may arrive newest first (Stripe
   * does), so a maximum taken part-way could skip older records that were not fetched yet.
   */
  readonly watermark: string | undefined;
}

export interface FetchHttpSourceOptions {
  /** Stored by the last successful run, or undefined for a first (full) load. */
  readonly watermark: string | undefined;
  /** Reads the credential named by `auth.env`; pass config/environment.ts readSecret in production. */
  readonly secret: (envName: string) => string | undefined;
  readonly logger: Logger;
  /** Source name for logs and errors; defaults to the URL's host. */
  readonly name?: string;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Epoch milliseconds, for Retry-After HTTP-dates. */
  readonly now?: () => number;
  /** In [0, 1), for backoff jitter. */
  readonly random?: () => number;
  /**
   * stripe-invoices only: ask for `created > watermark - lookbackSeconds`, so invoices created in that
   * window are fetched again and their status and paid_at brought up to date (Stripe has no "updated
   * since" filter). 0 (the default) fetches only new invoices.
   */
  readonly lookbackSeconds?: number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function authHeaders(source: HttpSource, name: string, secret: FetchHttpSourceOptions['secret']): { headers: Record<string, string>; secrets: string[] } {
  if (!source.auth) return { headers: {}, secrets: [] };
  const variable = source.auth.env;
  let value: string | undefined;
  try {
    value = secret(variable);
  } catch (error) {
    throw new RadarError('config_invalid', `source ${name}: auth.env ${variable} cannot be used: ${(error as Error).message}`, { source: name, variable });
  }
  if (value === undefined || value === '') {
    throw new RadarError('source_unavailable', `source ${name}: environment variable ${variable} (auth.env) is not set`, { source: name, variable });
  }
  return { headers: { [source.auth.header]: `${source.auth.prefix}${value}` }, secrets: [value] };
}

function shapeError(name: string, location: string, error: unknown): RadarError {
  return new RadarError('source_unavailable', `source ${name}: ${location}: ${(error as Error).message}`, { source: name, location }, { cause: error });
}

/**
 * Yields one FetchedPage per HTTP page until the source has no more. Throws RadarError
 * (`source_unavailable`) when a page cannot be fetched after retries, a 4xx other than 429 arrives, a
 * page is not JSON or lacks its records, or the credential is missing.
 */
export async function* fetchHttpSource(source: HttpSource, options: FetchHttpSourceOptions): AsyncGenerator<FetchedPage> {
  const name = options.name ?? new URL(source.url).host;
  const { headers, secrets } = authHeaders(source, name, options.secret);
  const ctx: RequestContext = {
    source: name,
    headers: { accept: 'application/json', ...headers },
    timeoutMs: source.timeoutMs,
    maxRetries: source.maxRetries,
    fetch: options.fetch ?? globalThis.fetch,
    sleep: options.sleep ?? defaultSleep,
    now: options.now ?? Date.now,
    random: options.random ?? Math.random,
    logger: options.logger,
    secrets,
  };
  const transform = presetDefaults(source.preset).transform;

  let paging: Paging;
  try {
    paging = pagingFor(source, options.watermark, options.lookbackSeconds ?? 0);
  } catch (error) {
    throw shapeError(name, 'watermark', error);
  }
  const rule = paging.watermark;
  let seenMax: string | undefined = options.watermark;
  let cursor: string | undefined = options.watermark;
  let previousText: string | undefined;
  let url: string | undefined = paging.firstUrl;

  for (let page = 1; url !== undefined; page += 1) {
    const shownUrl = redactUrl(url, secrets);
    const location = `page ${page} (${shownUrl})`;
    const { body, text } = await getJsonPage(url, page, ctx);
    let read;
    try {
      read = paging.read(body);
    } catch (error) {
      if (error instanceof PageShapeError) throw shapeError(name, location, error);
      throw error;
    }
    if (read.nextUrl === url || (read.records.length > 0 && text === previousText)) {
      throw new RadarError('source_unavailable', `source ${name}: ${location}: the server returned the same page again; paging does not advance (check the paging parameters)`, {
        source: name,
        location,
      });
    }
    previousText = text;

    let watermark: string | undefined;
    if (rule.kind === 'max') {
      for (const record of read.records) seenMax = maxWatermark(seenMax, getPath(record, rule.field));
      // seenMax started at the stored watermark, so it never moves backwards.
      watermark = read.nextUrl === undefined ? seenMax : options.watermark;
    } else if (rule.kind === 'cursor') {
      cursor = read.resumeCursor ?? cursor;
      watermark = cursor;
    } else {
      watermark = options.watermark;
    }

    options.logger.info({ event: 'http_page', source: name, page, records: read.records.length, url: shownUrl, last: read.nextUrl === undefined }, 'http page');
    yield { records: transform ? read.records.map(transform) : read.records, location, watermark };
    url = read.nextUrl;
  }
}
