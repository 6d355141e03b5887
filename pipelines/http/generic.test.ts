// Generic HTTP sources over real HTTP: page and cursor pagination, field watermarks, timeouts and
// a server that ignores the paging parameter.
import { afterEach, describe, expect, it } from 'vitest';
import { httpSourceSchema, type HttpSource } from '../../config/sources.ts';
import { RadarError } from '../errors.ts';
import { silentLogger } from '../log.ts';
import { fetchHttpSource, type FetchedPage, type FetchHttpSourceOptions } from './fetch-source.ts';
import { sendJson, startServer, type TestServer } from './test-servers.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function generic(config: Record<string, unknown>): HttpSource {
  return httpSourceSchema.parse({ kind: 'http', entity: 'usage_daily', ...config });
}

async function pull(src: HttpSource, options: Partial<FetchHttpSourceOptions> = {}): Promise<FetchedPage[]> {
  const pages: FetchedPage[] = [];
  for await (const page of fetchHttpSource(src, { watermark: undefined, secret: () => undefined, logger: silentLogger, sleep: async () => {}, ...options })) pages.push(page);
  return pages;
}

const items = (count: number) => Array.from({ length: count }, (_, i) => ({ id: i + 1, updated: 100 + i }));

describe('generic preset', () => {
  it('page pagination stops on a short page', async () => {
    const all = items(25);
    server = await startServer((_req, res, url) => {
      const page = Number(url.searchParams.get('page'));
      const size = Number(url.searchParams.get('per_page'));
      sendJson(res, { result: { items: all.slice((page - 1) * size, page * size) } });
    });
    const pages = await pull(generic({ url: `${server.origin}/items`, recordsPath: 'result.items', pagination: { type: 'page', pageSize: 10 } }));
    expect(pages.map((page) => page.records.length)).toEqual([10, 10, 5]);
    expect(server.requests.map((r) => r.url.search)).toEqual(['?page=1&per_page=10', '?page=2&per_page=10', '?page=3&per_page=10']);
  });

  it('page pagination stops on an empty page when the total is a multiple of the page size', async () => {
    const all = items(20);
    server = await startServer((_req, res, url) => {
      const page = Number(url.searchParams.get('p'));
      sendJson(res, all.slice(page * 10, page * 10 + 10));
    });
    const pages = await pull(generic({ url: `${server.origin}/items`, pagination: { type: 'page', pageParam: 'p', sizeParam: 'n', pageSize: 10, firstPage: 0 } }));
    expect(pages.map((page) => page.records.length)).toEqual([10, 10, 0]);
    expect(server.requests.map((r) => r.url.searchParams.get('p'))).toEqual(['0', '1', '2']);
  });

  it('cursor pagination with a field watermark sends the stored value and reports the maximum', async () => {
    const all = items(7);
    server = await startServer((_req, res, url) => {
      const since = Number(url.searchParams.get('since') ?? -1);
      const from = Number(url.searchParams.get('after') ?? 0);
      const rest = all.filter((item) => item.updated > since).slice(from);
      const page = rest.slice(0, 3);
      sendJson(res, { data: page, meta: { next: rest.length > 3 ? String(from + 3) : null, done: rest.length <= 3 } });
    });
    const src = generic({
      url: `${server.origin}/events`,
      recordsPath: 'data',
      pagination: { type: 'cursor', cursorParam: 'after', nextCursorPath: 'meta.next', donePath: 'meta.done' },
      watermark: { param: 'since', field: 'updated' },
    });
    const first = await pull(src);
    expect(first.map((page) => page.records.length)).toEqual([3, 3, 1]);
    expect(first.map((page) => page.watermark)).toEqual([undefined, undefined, '106']);
    expect(server.requests.map((r) => r.url.search)).toEqual(['', '?after=3', '?after=6']);

    all.push({ id: 8, updated: 107 });
    server.requests.length = 0;
    const second = await pull(src, { watermark: '106' });
    expect(second.flatMap((page) => page.records)).toEqual([{ id: 8, updated: 107 }]);
    expect(server.requests[0]?.url.searchParams.get('since')).toBe('106');
    expect(second.at(-1)?.watermark).toBe('107');
  });

  it('fails with a clear message when recordsPath does not hold an array', async () => {
    server = await startServer((_req, res) => sendJson(res, { data: { items: 'nope' } }));
    const error = await pull(generic({ url: `${server.origin}/x`, recordsPath: 'data.items' }), { name: 'crm' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RadarError);
    expect((error as Error).message).toBe(`source crm: page 1 (${server.origin}/x): expected an array of records at "data.items", found string`);
  });

  it('fails instead of looping when the server ignores the page parameter', async () => {
    server = await startServer((_req, res) => sendJson(res, items(10)));
    const error = await pull(generic({ url: `${server.origin}/x`, pagination: { type: 'page', pageSize: 10 } })).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/page 2 .*same page again/);
    expect(server.requests).toHaveLength(2);
  });

  it('times out a server that never answers, retries, then fails within bounded time', async () => {
    server = await startServer(() => {
      /* never answer */
    });
    const sleeps: number[] = [];
    const started = performance.now();
    const error = await pull(generic({ url: `${server.origin}/slow`, timeoutMs: 100, maxRetries: 2 }), {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    }).catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(RadarError);
    expect((error as RadarError).code).toBe('source_unavailable');
    expect((error as Error).message).toMatch(/failed after 3 attempts: timed out after 100 ms/);
    expect(sleeps).toHaveLength(2);
    expect(server.requests).toHaveLength(3);
    expect(elapsed).toBeLessThan(3000);
  });
});
