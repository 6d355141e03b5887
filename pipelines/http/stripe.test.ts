// Stripe-shaped invoices over real HTTP: paging to the end, resuming from the watermark, and
// surviving 429s, 500s and dropped connections; failing at once on 401 and a missing credential.
import { afterEach, describe, expect, it } from 'vitest';
import { httpSourceSchema, type HttpSource } from '../../config/sources.ts';
import { RadarError } from '../errors.ts';
import { fetchHttpSource, type FetchedPage, type FetchHttpSourceOptions } from './fetch-source.ts';
import { backoffDelay } from './retry.ts';
import { captureLogs, makeInvoices, sendHalfThenDrop, sendJson, startServer, stripeList, STRIPE_EPOCH, type Handler, type StripeInvoice, type TestServer } from './test-servers.ts';

const SECRET = 'sk_test_51SuperSecretValue0123456789';
const ENV = 'STRIPE_TEST_KEY';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function stripeSource(origin: string, extra: Record<string, unknown> = {}): HttpSource {
  return httpSourceSchema.parse({ kind: 'http', preset: 'stripe-invoices', entity: 'invoices', url: `${origin}/v1/invoices`, auth: { env: ENV }, ...extra });
}

async function collect(pages: AsyncIterable<FetchedPage>): Promise<FetchedPage[]> {
  const out: FetchedPage[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

const idsOf = (pages: readonly FetchedPage[]) => pages.flatMap((page) => page.records.map((record) => (record as { id: string }).id));

function run(source: HttpSource, overrides: Partial<FetchHttpSourceOptions> = {}) {
  const logs = captureLogs();
  const sleeps: number[] = [];
  const options: FetchHttpSourceOptions = {
    watermark: undefined,
    secret: (name) => (name === ENV ? SECRET : undefined),
    logger: logs.logger,
    name: 'stripe',
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...overrides,
  };
  return { pages: collect(fetchHttpSource(source, options)), logs, sleeps };
}

/** A Stripe server over `invoices`; `fault` may answer a request itself and return true. */
async function stripeServer(invoices: StripeInvoice[], fault?: (...args: Parameters<Handler>) => boolean): Promise<TestServer> {
  server = await startServer((req, res, url, n) => {
    if (fault?.(req, res, url, n)) return;
    sendJson(res, stripeList(invoices, url));
  });
  return server;
}

describe('stripe-invoices preset', () => {
  it('pages through 250 invoices to the end with limit=100 and starting_after', async () => {
    const invoices = makeInvoices(1, 250);
    const srv = await stripeServer(invoices);
    const { pages, logs } = run(stripeSource(srv.origin));
    const result = await pages;

    expect(result.map((page) => page.records.length)).toEqual([100, 100, 50]);
    const ids = idsOf(result);
    expect(new Set(ids).size).toBe(250);
    expect(ids.sort()).toEqual(invoices.map((invoice) => invoice.id).sort());
    expect(srv.requests.map((r) => [r.url.searchParams.get('limit'), r.url.searchParams.get('starting_after')])).toEqual([
      ['100', null],
      ['100', 'in_0151'],
      ['100', 'in_0051'],
    ]);
    expect(srv.requests.every((r) => r.url.searchParams.get('created[gt]') === null)).toBe(true);
    // A maximum is only safe to store once every page is in: Stripe sends newest first.
    expect(result.map((page) => page.watermark)).toEqual([undefined, undefined, String(STRIPE_EPOCH + 250 * 60)]);
    expect(result[1]?.location).toBe(`page 2 (${srv.origin}/v1/invoices?limit=100&starting_after=in_0151)`);
    const pageEvents = logs.events().filter((event) => event.event === 'http_page');
    expect(pageEvents.map((event) => [event.source, event.page, event.records])).toEqual([
      ['stripe', 1, 100],
      ['stripe', 2, 100],
      ['stripe', 3, 50],
    ]);
  });

  it('adds the computed due date and upper-case currency, keeping the raw fields', async () => {
    const srv = await stripeServer(makeInvoices(1, 10));
    const records = (await run(stripeSource(srv.origin)).pages).flatMap((page) => page.records) as Array<StripeInvoice & { _radar: { due_on: number; currency: string } }>;
    const autoCharged = records.find((record) => record.id === 'in_0005');
    expect(autoCharged?.due_date).toBeNull();
    expect(autoCharged?._radar).toEqual({ due_on: STRIPE_EPOCH + 5 * 60, currency: 'USD' });
    const invoiced = records.find((record) => record.id === 'in_0004');
    expect(invoiced?._radar.due_on).toBe(STRIPE_EPOCH + 4 * 60 + 30 * 86_400);
    expect(invoiced?.currency).toBe('usd');
  });

  it('resumes from the stored watermark and returns only newer invoices', async () => {
    const invoices = makeInvoices(1, 250);
    const srv = await stripeServer(invoices);
    const first = await run(stripeSource(srv.origin)).pages;
    const stored = first.at(-1)?.watermark;
    expect(stored).toBe(String(STRIPE_EPOCH + 250 * 60));

    invoices.push(...makeInvoices(251, 255));
    srv.requests.length = 0;
    const second = await run(stripeSource(srv.origin), { watermark: stored }).pages;
    expect(idsOf(second).sort()).toEqual(['in_0251', 'in_0252', 'in_0253', 'in_0254', 'in_0255']);
    expect(srv.requests[0]?.url.searchParams.get('created[gt]')).toBe(stored);
    expect(second.at(-1)?.watermark).toBe(String(STRIPE_EPOCH + 255 * 60));

    // Nothing new: one empty page, and the stored watermark is kept (not lost).
    const third = await run(stripeSource(srv.origin), { watermark: second.at(-1)?.watermark }).pages;
    expect(third.map((page) => page.records.length)).toEqual([0]);
    expect(third[0]?.watermark).toBe(String(STRIPE_EPOCH + 255 * 60));
  });

  it('with lookbackSeconds fetches recent invoices again so their status can be updated', async () => {
    const srv = await stripeServer(makeInvoices(1, 250));
    const stored = String(STRIPE_EPOCH + 250 * 60);
    const result = await run(stripeSource(srv.origin), { watermark: stored, lookbackSeconds: 600 }).pages;
    expect(srv.requests[0]?.url.searchParams.get('created[gt]')).toBe(String(STRIPE_EPOCH + 250 * 60 - 600));
    expect(idsOf(result)).toHaveLength(10);
    expect(result.at(-1)?.watermark).toBe(stored);
  });

  it('survives a 429 with Retry-After: 1 on page 2, waiting what it asked and reading the page once', async () => {
    const srv = await stripeServer(makeInvoices(1, 250), (_req, res, _url, n) => {
      if (n !== 2) return false;
      sendJson(res, { error: { message: 'Too many requests' } }, 429, { 'retry-after': '1' });
      return true;
    });
    const { pages, sleeps, logs } = run(stripeSource(srv.origin));
    const result = await pages;
    expect(sleeps).toEqual([1000]);
    expect(result).toHaveLength(3);
    const ids = idsOf(result);
    expect(ids).toHaveLength(250);
    expect(new Set(ids).size).toBe(250);
    expect(srv.requests).toHaveLength(4);
    const retry = logs.events().find((event) => event.event === 'http_retry');
    expect(retry).toMatchObject({ source: 'stripe', page: 2, status: 429, waitMs: 1000, attempt: 1 });
  });

  it('gives up at once when Retry-After asks for longer than five minutes', async () => {
    const srv = await stripeServer([], (_req, res) => {
      sendJson(res, {}, 429, { 'retry-after': '600' });
      return true;
    });
    const { pages, sleeps } = run(stripeSource(srv.origin));
    const error = await pages.catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/HTTP 429 asking to retry after 600 s; giving up/);
    expect(sleeps).toEqual([]);
    expect(srv.requests).toHaveLength(1);
  });

  it('honours a Retry-After HTTP-date against the injected clock', async () => {
    const now = Date.UTC(2026, 2, 1, 12, 0, 0);
    const srv = await stripeServer(makeInvoices(1, 5), (_req, res, _url, n) => {
      if (n !== 1) return false;
      sendJson(res, {}, 503, { 'retry-after': new Date(now + 3000).toUTCString() });
      return true;
    });
    const { pages, sleeps } = run(stripeSource(srv.origin), { now: () => now });
    expect(idsOf(await pages)).toHaveLength(5);
    expect(sleeps).toEqual([3000]);
  });

  it('retries a connection dropped mid-body and delivers every record exactly once', async () => {
    const invoices = makeInvoices(1, 250);
    const srv = await stripeServer(invoices, (_req, res, url, n) => {
      if (n !== 2) return false;
      sendHalfThenDrop(res, stripeList(invoices, url));
      return true;
    });
    const { pages, logs, sleeps } = run(stripeSource(srv.origin));
    const ids = idsOf(await pages);
    expect(ids).toHaveLength(250);
    expect(new Set(ids).size).toBe(250);
    expect(sleeps).toHaveLength(1);
    const retry = logs.events().find((event) => event.event === 'http_retry');
    expect(retry?.page).toBe(2);
    expect(String(retry?.error)).toMatch(/while reading the body/);
    expect(srv.requests.map((r) => r.url.searchParams.get('starting_after'))).toEqual([null, 'in_0151', 'in_0151', 'in_0051']);
  });

  it('retries a 500 after an exponential, jittered backoff', async () => {
    const srv = await stripeServer(makeInvoices(1, 3), (_req, res, _url, n) => {
      if (n !== 1) return false;
      sendJson(res, { error: 'boom' }, 500);
      return true;
    });
    const { pages, sleeps } = run(stripeSource(srv.origin), { random: () => 0.5 });
    expect(idsOf(await pages)).toHaveLength(3);
    expect(sleeps).toEqual([backoffDelay(0, 0.5)]);
    expect(sleeps[0]).toBe(375);
  });

  it('gives up after maxRetries with the attempts counted and waits growing', async () => {
    const srv = await stripeServer([], (_req, res) => {
      sendJson(res, { error: 'down' }, 502);
      return true;
    });
    const { pages, sleeps } = run(stripeSource(srv.origin, { maxRetries: 2 }));
    const error = await pages.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RadarError);
    expect((error as RadarError).code).toBe('source_unavailable');
    expect((error as Error).message).toMatch(/failed after 3 attempts: HTTP 502/);
    expect(sleeps).toEqual([375, 750]);
    expect(srv.requests).toHaveLength(3);
  });

  it('fails at once on 401 with the status and URL, never the secret', async () => {
    const srv = await stripeServer([], (_req, res) => {
      sendJson(res, { error: { message: 'Invalid API Key provided' } }, 401);
      return true;
    });
    const { pages, sleeps, logs } = run(stripeSource(srv.origin));
    const error = await pages.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RadarError);
    expect((error as RadarError).code).toBe('source_unavailable');
    expect((error as Error).message).toContain('HTTP 401');
    expect((error as Error).message).toContain(`${srv.origin}/v1/invoices?limit=100`);
    expect((error as Error).message).toContain('Invalid API Key provided');
    expect((error as Error).message).not.toContain(SECRET);
    expect(srv.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(logs.text()).not.toContain(SECRET);
  });

  it('names the missing environment variable and sends nothing', async () => {
    const srv = await stripeServer(makeInvoices(1, 3));
    const { pages } = run(stripeSource(srv.origin), { secret: () => undefined });
    const error = await pages.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RadarError);
    expect((error as RadarError).code).toBe('source_unavailable');
    expect((error as Error).message).toContain(ENV);
    expect((error as RadarError).context).toMatchObject({ variable: ENV });
    expect(srv.requests).toHaveLength(0);
  });

  it('sends the auth header to the server and never writes it to the logs', async () => {
    const srv = await stripeServer(makeInvoices(1, 120), (_req, res, _url, n) => {
      if (n !== 1) return false;
      sendJson(res, {}, 500);
      return true;
    });
    const { pages, logs } = run(stripeSource(srv.origin));
    await pages;
    expect(srv.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${SECRET}`, `Bearer ${SECRET}`, `Bearer ${SECRET}`]);
    const text = logs.text();
    expect(logs.events().map((event) => event.event)).toEqual(['http_retry', 'http_page', 'http_page']);
    expect(text).not.toContain(SECRET);
    expect(text.toLowerCase()).not.toContain('authorization');
  });

  it('fails clearly when a page is not JSON or is not a Stripe list', async () => {
    const html = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>Please log in</html>');
    });
    try {
      const error = await run(stripeSource(html.origin)).pages.catch((e: unknown) => e);
      expect((error as Error).message).toMatch(/page 1 .* is not valid JSON \(content-type text\/html/);
      expect(html.requests).toHaveLength(1);
    } finally {
      await html.close();
    }

    const srv = await stripeServer([], (_req, res) => {
      sendJson(res, { object: 'list', has_more: false });
      return true;
    });
    const error = await run(stripeSource(srv.origin)).pages.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RadarError);
    expect((error as Error).message).toMatch(/source stripe: page 1 \(.*\): expected an array of records at "data", found nothing/);
  });

  it('redacts credential-like query parameters from errors', async () => {
    const srv = await stripeServer([], (_req, res) => {
      sendJson(res, { error: 'not here' }, 404);
      return true;
    });
    const source = httpSourceSchema.parse({ kind: 'http', preset: 'stripe-invoices', entity: 'invoices', url: `${srv.origin}/v1/invoices?api_key=qwerty12345` });
    const error = await run(source).pages.catch((e: unknown) => e);
    expect((error as Error).message).toContain('HTTP 404');
    expect((error as Error).message).toContain('api_key=REDACTED');
    expect((error as Error).message).not.toContain('qwerty12345');
    expect(srv.requests[0]?.url.searchParams.get('api_key')).toBe('qwerty12345');
  });
});
