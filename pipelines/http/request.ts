// One GET of one JSON page, with a per-attempt timeout and retries. Transient failures (network
// errors, timeouts, a connection dropped mid-body, 429, 5xx) are retried with backoff, honouring
// Retry-After; other 4xx fail at once. Pages are idempotent reads, so a retry simply asks again.
import { RadarError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { backoffDelay, parseRetryAfter } from './retry.ts';
import { redactUrl, scrub } from './url.ts';

/** A Retry-After longer than this fails the run instead of parking a worker for it. */
export const MAX_RETRY_AFTER_MS = 5 * 60_000;

export interface RequestContext {
  readonly source: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly fetch: typeof fetch;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  readonly random: () => number;
  readonly logger: Logger;
  /** Values to scrub from anything shown (the credential). */
  readonly secrets: readonly string[];
}

export interface JsonPage {
  readonly body: unknown;
  /** The raw text, used to notice a server that returns the same page again. */
  readonly text: string;
}

/** A failure worth another attempt, with what the server asked us to wait (if anything). */
class Transient extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retryAfterMs: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function describeError(error: unknown, timeoutMs: number): string {
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') return `timed out after ${timeoutMs} ms`;
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
  return cause && cause !== message ? `${message} (${cause})` : message;
}

const isJsonType = (contentType: string) => /\bjson\b/i.test(contentType);

async function attempt(url: string, shown: string, page: number, ctx: RequestContext): Promise<JsonPage> {
  let response: Response;
  try {
    response = await ctx.fetch(url, { method: 'GET', headers: ctx.headers, redirect: 'follow', signal: AbortSignal.timeout(ctx.timeoutMs) });
  } catch (error) {
    throw new Transient(scrub(describeError(error, ctx.timeoutMs), ctx.secrets), undefined, undefined, { cause: error });
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw new Transient(`connection lost while reading the body: ${scrub(describeError(error, ctx.timeoutMs), ctx.secrets)}`, response.status, undefined, { cause: error });
  }
  if (response.status === 429 || response.status >= 500) {
    throw new Transient(`HTTP ${response.status}`, response.status, parseRetryAfter(response.headers.get('retry-after'), ctx.now()));
  }
  if (!response.ok) {
    const hint = response.status === 401 || response.status === 403 ? ' (check the credential and its permissions)' : '';
    const snippet = scrub(text.replace(/\s+/g, ' ').trim().slice(0, 200), ctx.secrets);
    throw new RadarError(
      'source_unavailable',
      `source ${ctx.source}: HTTP ${response.status} for GET ${shown}${hint}${snippet ? `: ${snippet}` : ''}`,
      { source: ctx.source, status: response.status, url: shown, page },
    );
  }
  const contentType = response.headers.get('content-type') ?? '';
  try {
    return { body: JSON.parse(text) as unknown, text };
  } catch (error) {
    const what = `page ${page} (${shown}) is not valid JSON (content-type ${contentType || 'none'}, ${text.length} bytes)`;
    // A JSON response that does not parse was most likely cut short: ask again. Anything else
    // (an HTML login page, a proxy error) will not improve by retrying.
    if (isJsonType(contentType)) throw new Transient(what, response.status, undefined, { cause: error });
    throw new RadarError('source_unavailable', `source ${ctx.source}: ${what}: ${scrub(text.slice(0, 80), ctx.secrets)}`, { source: ctx.source, url: shown, page });
  }
}

/** GETs `url` and parses the JSON body, retrying transient failures up to `maxRetries` times. */
export async function getJsonPage(url: string, page: number, ctx: RequestContext): Promise<JsonPage> {
  const shown = redactUrl(url, ctx.secrets);
  for (let retry = 0; ; retry += 1) {
    try {
      return await attempt(url, shown, page, ctx);
    } catch (error) {
      if (!(error instanceof Transient)) throw error;
      const attempts = retry + 1;
      if (retry >= ctx.maxRetries) {
        throw new RadarError(
          'source_unavailable',
          `source ${ctx.source}: GET ${shown} failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${error.message}`,
          { source: ctx.source, url: shown, page, attempts, status: error.status },
          { cause: error },
        );
      }
      if (error.retryAfterMs !== undefined && error.retryAfterMs > MAX_RETRY_AFTER_MS) {
        throw new RadarError(
          'source_unavailable',
          `source ${ctx.source}: GET ${shown} answered HTTP ${error.status} asking to retry after ${Math.ceil(error.retryAfterMs / 1000)} s; giving up (limit ${MAX_RETRY_AFTER_MS / 1000} s)`,
          { source: ctx.source, url: shown, page, status: error.status, retryAfterMs: error.retryAfterMs },
        );
      }
      const waitMs = error.retryAfterMs ?? backoffDelay(retry, ctx.random());
      ctx.logger.warn(
        { event: 'http_retry', source: ctx.source, page, url: shown, attempt: attempts, status: error.status ?? null, error: error.message, waitMs, retryAfter: error.retryAfterMs !== undefined },
        'http request failed; retrying',
      );
      await ctx.sleep(waitMs);
    }
  }
}
