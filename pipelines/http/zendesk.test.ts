// Zendesk-shaped incremental ticket export over real HTTP: cursor paging to end_of_stream and
// resuming from the stored after_cursor.
import { afterEach, describe, expect, it } from 'vitest';
import { httpSourceSchema, type HttpSource } from '../../config/sources.ts';
import { silentLogger } from '../log.ts';
import { fetchHttpSource, type FetchedPage } from './fetch-source.ts';
import { makeTickets, sendJson, startServer, zendeskExport, type TestServer, type ZendeskTicket } from './test-servers.ts';

const PAGE_SIZE = 3;
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function zendeskServer(tickets: ZendeskTicket[]): Promise<TestServer> {
  server = await startServer((_req, res, url) => sendJson(res, zendeskExport(tickets, url, PAGE_SIZE)));
  return server;
}

function source(origin: string, query = ''): HttpSource {
  return httpSourceSchema.parse({
    kind: 'http',
    preset: 'zendesk-tickets',
    entity: 'support_contacts',
    url: `${origin}/api/v2/incremental/tickets/cursor.json${query}`,
    auth: { env: 'ZENDESK_TOKEN', prefix: 'Basic ' },
  });
}

async function pull(src: HttpSource, watermark: string | undefined): Promise<FetchedPage[]> {
  const pages: FetchedPage[] = [];
  const options = { watermark, secret: () => 'dXNlckBleGFtcGxlLmNvbS90b2tlbjpzZWNyZXQ=', logger: silentLogger, sleep: async () => {} };
  for await (const page of fetchHttpSource(src, options)) pages.push(page);
  return pages;
}

const ticketIds = (pages: readonly FetchedPage[]) => pages.flatMap((page) => page.records.map((record) => (record as ZendeskTicket).id));

describe('zendesk-tickets preset', () => {
  it('follows after_cursor to end_of_stream, storing each page’s cursor as the watermark', async () => {
    const srv = await zendeskServer(makeTickets(1, 7));
    const pages = await pull(source(srv.origin), undefined);
    expect(pages.map((page) => page.records.length)).toEqual([3, 3, 1]);
    expect(ticketIds(pages)).toEqual([1001, 1002, 1003, 1004, 1005, 1006, 1007]);
    expect(pages.map((page) => page.watermark)).toEqual(['c3', 'c6', 'c7']);
    expect(srv.requests.map((r) => r.url.search)).toEqual(['?start_time=0', '?cursor=c3', '?cursor=c6']);
    expect(srv.requests[0]?.headers.authorization).toBe('Basic dXNlckBleGFtcGxlLmNvbS90b2tlbjpzZWNyZXQ=');
  });

  it('resumes from the stored after_cursor and returns only new tickets', async () => {
    const tickets = makeTickets(1, 7);
    const srv = await zendeskServer(tickets);
    const first = await pull(source(srv.origin), undefined);
    const stored = first.at(-1)?.watermark;

    tickets.push(...makeTickets(8, 9));
    srv.requests.length = 0;
    const second = await pull(source(srv.origin), stored);
    expect(ticketIds(second)).toEqual([1008, 1009]);
    expect(srv.requests[0]?.url.searchParams.get('cursor')).toBe(stored);
    expect(srv.requests[0]?.url.searchParams.has('start_time')).toBe(false);
    expect(second.at(-1)?.watermark).toBe('c9');

    // Nothing new: the cursor stays where it was.
    const third = await pull(source(srv.origin), 'c9');
    expect(ticketIds(third)).toEqual([]);
    expect(third.at(-1)?.watermark).toBe('c9');
  });

  it('keeps a start_time given in the configured URL for the first run', async () => {
    const tickets = makeTickets(1, 7);
    const srv = await zendeskServer(tickets);
    const since = Math.floor(Date.parse(tickets[4]?.updated_at ?? '') / 1000);
    const pages = await pull(source(srv.origin, `?start_time=${since}&per_page=3`), undefined);
    expect(ticketIds(pages)).toEqual([1005, 1006, 1007]);
    expect(srv.requests[0]?.url.searchParams.get('start_time')).toBe(String(since));
    expect(srv.requests[0]?.url.searchParams.get('per_page')).toBe('3');
  });

  it('adds closed_at for solved, closed and deleted tickets only', async () => {
    const srv = await zendeskServer(makeTickets(1, 5));
    const records = (await pull(source(srv.origin), undefined)).flatMap((page) => page.records) as Array<ZendeskTicket & { _radar: { closed_at: string | null } }>;
    for (const record of records) {
      const expected = ['solved', 'closed', 'deleted'].includes(record.status) ? record.updated_at : null;
      expect(record._radar.closed_at).toBe(expected);
    }
    expect(records.filter((record) => record._radar.closed_at !== null)).toHaveLength(2);
  });

  it('fails clearly when the export lacks tickets or end_of_stream', async () => {
    server = await startServer((_req, res) => sendJson(res, { results: [], end_of_stream: true }));
    await expect(pull(source(server.origin), undefined)).rejects.toThrow(/expected an array of records at "tickets", found nothing/);
    await server.close();
    server = await startServer((_req, res) => sendJson(res, { tickets: [], after_cursor: 'x' }));
    await expect(pull(source(server.origin), undefined)).rejects.toThrow(/end_of_stream/);
  });
});
