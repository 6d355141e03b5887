// Test support (not a test file): real HTTP servers on 127.0.0.1 shaped like the APIs we read, and a
// logger whose output the test can read. Used only by pipelines/http/*.test.ts.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../log.ts';

export interface RecordedRequest {
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
}

export interface TestServer {
  /** Base URL, e.g. http://127.0.0.1:43121 */
  readonly origin: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/** `n` counts requests from 1. */
export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL, n: number) => void;

export async function startServer(handler: Handler): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push({ url, headers: req.headers });
    handler(req, res, url, requests.length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

export function sendJson(res: ServerResponse, body: unknown, status = 200, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Sends the headers and half of the body, then kills the connection. */
export function sendHalfThenDrop(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.write(text.slice(0, Math.floor(text.length / 2)), () => setTimeout(() => res.socket?.destroy(), 20));
}

// ---- Stripe-shaped invoices -------------------------------------------------------------------

export interface StripeInvoice {
  id: string;
  object: 'invoice';
  customer: string;
  created: number;
  due_date: number | null;
  status: 'draft' | 'open' | 'paid' | 'void' | 'uncollectible';
  status_transitions: { paid_at: number | null };
  amount_due: number;
  currency: string;
  attempt_count: number;
}

export const STRIPE_EPOCH = 1_700_000_000;

/** Invoices `from`..`to` (inclusive), one a minute, ids in_0001…; every fifth is auto-charged (no due date). */
export function makeInvoices(from: number, to: number): StripeInvoice[] {
  const out: StripeInvoice[] = [];
  for (let i = from; i <= to; i += 1) {
    const created = STRIPE_EPOCH + i * 60;
    const paid = i % 3 === 0;
    out.push({
      id: `in_${String(i).padStart(4, '0')}`,
      object: 'invoice',
      customer: `cus_${i % 17}`,
      created,
      due_date: i % 5 === 0 ? null : created + 30 * 86_400,
      status: paid ? 'paid' : i % 11 === 0 ? 'draft' : 'open',
      status_transitions: { paid_at: paid ? created + 3600 : null },
      amount_due: 1000 + i,
      currency: 'usd',
      attempt_count: i % 4,
    });
  }
  return out;
}

/** The body a Stripe list (GET /v1/invoices, /v1/subscriptions) would return: newest first, created[gt], starting_after, limit. */
export function stripeList(invoices: readonly { readonly id: string; readonly created: number }[], url: URL): unknown {
  const limit = Number(url.searchParams.get('limit') ?? 10);
  const gt = url.searchParams.get('created[gt]');
  let list = [...invoices].sort((a, b) => b.created - a.created);
  if (gt !== null) list = list.filter((invoice) => invoice.created > Number(gt));
  const after = url.searchParams.get('starting_after');
  if (after !== null) list = list.slice(list.findIndex((invoice) => invoice.id === after) + 1);
  return { object: 'list', url: '/v1/invoices', data: list.slice(0, limit), has_more: list.length > limit };
}

// ---- Zendesk-shaped tickets -------------------------------------------------------------------

export interface ZendeskTicket {
  id: number;
  organization_id: number | null;
  created_at: string;
  updated_at: string;
  status: string;
  priority: string | null;
  type: string | null;
  via: { channel: string };
  satisfaction_rating: { score: string } | null;
  tags: string[];
}

const ZENDESK_EPOCH = Date.UTC(2026, 0, 5, 9, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

export function makeTickets(from: number, to: number): ZendeskTicket[] {
  const statuses = ['new', 'open', 'pending', 'solved', 'closed'];
  const channels = ['web', 'email', 'chat', 'voice', 'api'];
  const scores = ['good', 'bad', 'offered', 'unoffered'];
  const out: ZendeskTicket[] = [];
  for (let i = from; i <= to; i += 1) {
    const created = ZENDESK_EPOCH + i * 3_600_000;
    out.push({
      id: 1000 + i,
      organization_id: 500 + (i % 4),
      created_at: iso(created),
      updated_at: iso(created + 1_800_000),
      status: statuses[i % statuses.length] ?? 'open',
      priority: i % 6 === 0 ? null : (['low', 'normal', 'high', 'urgent'][i % 4] ?? 'normal'),
      type: 'question',
      via: { channel: channels[i % channels.length] ?? 'web' },
      satisfaction_rating: { score: scores[i % scores.length] ?? 'unoffered' },
      tags: [],
    });
  }
  return out;
}

/**
 * The body of Zendesk's incremental cursor export, `pageSize` tickets a page, ordered by updated_at.
 * Cursors are opaque to the client; here "c<index>" is the position after the last ticket sent.
 */
export function zendeskExport(tickets: readonly ZendeskTicket[], url: URL, pageSize: number): unknown {
  const sorted = [...tickets].sort((a, b) => a.updated_at.localeCompare(b.updated_at));
  const cursor = url.searchParams.get('cursor');
  let start: number;
  if (cursor !== null) start = Number(cursor.slice(1));
  else {
    const since = Number(url.searchParams.get('start_time') ?? 'missing') * 1000;
    start = sorted.findIndex((ticket) => Date.parse(ticket.updated_at) >= since);
    if (start < 0) start = sorted.length;
  }
  const page = sorted.slice(start, start + pageSize);
  const next = start + page.length;
  return { tickets: page, after_cursor: `c${next}`, before_cursor: `c${start}`, after_url: null, end_of_stream: next >= sorted.length };
}

// ---- Logs -------------------------------------------------------------------------------------

export interface CapturedLogs {
  readonly logger: Logger;
  text(): string;
  events(): Array<Record<string, unknown>>;
}

/** A real pino logger (the project's createLogger) writing into memory. */
export function captureLogs(): CapturedLogs {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const logger = createLogger({ level: 'debug', destination });
  const text = () => chunks.join('');
  return {
    logger,
    text,
    events: () =>
      text()
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
