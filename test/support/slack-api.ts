// A local HTTP server that answers like Slack's Web API, for the real @slack/web-api WebClient
// (pointed here with `slackApiUrl`). It keeps channels and messages in memory, records every
// request, and fails chosen calls on demand (429 with Retry-After, 5xx, {ok:false,error}).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';

export type SlackFailureSpec =
  | { readonly status: 429; readonly retryAfter: number }
  | { readonly status: 500 | 502 | 503; readonly afterProcessing?: boolean }
  | { readonly error: string };

export interface RecordedRequest {
  readonly method: string;
  readonly body: Record<string, unknown>;
  /** Whether a bearer token was sent (the token itself is not kept). */
  readonly authorized: boolean;
  /** The answer: HTTP status and Slack's ok/error. */
  status: number;
  ok: boolean;
  error?: string;
}

export interface StoredMessage {
  readonly channel: string;
  readonly ts: string;
  readonly text: string;
  readonly blocks: unknown;
  readonly threadTs: string | null;
  readonly metadata: { event_type: string; event_payload: Record<string, unknown> } | null;
}

export interface FakeSlack {
  readonly url: string;
  readonly token: string;
  readonly requests: RecordedRequest[];
  readonly messages: StoredMessage[];
  /** Email → user id known to users.lookupByEmail. */
  readonly users: Map<string, string>;
  /** Channel ids that exist (DM channels are created by conversations.open). */
  readonly channels: Set<string>;
  /** Modals opened with views.open. */
  readonly views: { readonly triggerId: string; readonly view: Record<string, unknown> }[];
  /** JSON POSTed to `hookUrl(…)` URLs (slash command response_url stand-ins). */
  readonly hooks: { readonly path: string; readonly body: Record<string, unknown> }[];
  /** A response_url on this server: POSTs to it are answered 200 and recorded in `hooks`. */
  hookUrl(name: string): string;
  /** The next `times` calls of `method` fail as specified. */
  failNext(method: string, failure: SlackFailureSpec, times?: number): void;
  posts(dedupKey?: string): RecordedRequest[];
  reset(): void;
  close(): Promise<void>;
}

function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  if (contentType?.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    // The WebClient sends nested values (blocks, metadata) as JSON strings.
    if ((value.startsWith('{') || value.startsWith('[')) && (key === 'blocks' || key === 'metadata' || key === 'attachments')) out[key] = JSON.parse(value);
    else if (value === 'true' || value === 'false') out[key] = value === 'true';
    else out[key] = value;
  }
  return out;
}

export async function startFakeSlack(options: { token?: string; pageSize?: number; /** Answer each chat.postMessage this late (after storing it), like a slow Slack. */ postDelayMs?: number } = {}): Promise<FakeSlack> {
  const token = options.token ?? 'xoxb-test-token-0000';
  const pageSize = options.pageSize ?? 100;
  const requests: RecordedRequest[] = [];
  const messages: StoredMessage[] = [];
  const users = new Map<string, string>();
  const channels = new Set<string>();
  const failures = new Map<string, SlackFailureSpec[]>();
  const views: FakeSlack['views'] = [];
  const hooks: FakeSlack['hooks'] = [];
  // Slack ts are seconds.microseconds of the post; real time, so `oldest` filters behave as in Slack.
  let seq = 0;
  const nextTs = () => {
    seq += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(seq).padStart(6, '0')}`;
  };

  const handle = (method: string, body: Record<string, unknown>): Record<string, unknown> => {
    switch (method) {
      case 'auth.test':
        return { ok: true, team: 'Radar Test', user_id: 'UBOT', bot_id: 'BBOT' };
      case 'users.lookupByEmail': {
        const id = users.get(String(body.email ?? '').toLowerCase());
        return id ? { ok: true, user: { id, profile: {} } } : { ok: false, error: 'users_not_found' };
      }
      case 'conversations.open': {
        const user = String(body.users ?? '');
        if (!/^[UW]/.test(user)) return { ok: false, error: 'user_not_found' };
        const id = `D${user.slice(1)}`;
        channels.add(id);
        return { ok: true, channel: { id } };
      }
      case 'chat.postMessage': {
        const channel = String(body.channel ?? '');
        if (!channels.has(channel)) return { ok: false, error: 'channel_not_found' };
        const threadTs = typeof body.thread_ts === 'string' ? body.thread_ts : null;
        if (threadTs && !messages.some((m) => m.channel === channel && m.ts === threadTs)) return { ok: false, error: 'thread_not_found' };
        const ts = nextTs();
        const metadata = (body.metadata as StoredMessage['metadata']) ?? null;
        messages.push({ channel, ts, text: String(body.text ?? ''), blocks: body.blocks ?? null, threadTs, metadata });
        return { ok: true, channel, ts, message: { ts, text: body.text } };
      }
      case 'chat.update': {
        const index = messages.findIndex((m) => m.channel === body.channel && m.ts === body.ts);
        if (index < 0) return { ok: false, error: 'message_not_found' };
        const old = messages[index]!;
        messages[index] = { ...old, text: String(body.text ?? old.text), blocks: body.blocks ?? old.blocks };
        return { ok: true, channel: old.channel, ts: old.ts };
      }
      case 'views.open': {
        const triggerId = String(body.trigger_id ?? '');
        if (!triggerId) return { ok: false, error: 'invalid_arguments' };
        if (views.some((v) => v.triggerId === triggerId)) return { ok: false, error: 'expired_trigger_id' };
        const view = (typeof body.view === 'string' ? JSON.parse(body.view) : body.view) as Record<string, unknown>;
        views.push({ triggerId, view });
        return { ok: true, view: { id: `V${String(views.length).padStart(6, '0')}`, ...view } };
      }
      case 'conversations.history':
      case 'conversations.replies': {
        const channel = String(body.channel ?? '');
        if (!channels.has(channel)) return { ok: false, error: 'channel_not_found' };
        const oldest = Number(body.oldest ?? 0);
        const withMetadata = body.include_all_metadata === true;
        const replies = method === 'conversations.replies';
        const all = messages
          .filter((m) => m.channel === channel && Number(m.ts) >= oldest)
          .filter((m) => (replies ? m.ts === body.ts || m.threadTs === body.ts : m.threadTs === null))
          .sort((a, b) => Number(b.ts) - Number(a.ts));
        const start = Number(body.cursor ?? 0);
        const page = all.slice(start, start + pageSize);
        const next = start + pageSize < all.length ? String(start + pageSize) : '';
        return {
          ok: true,
          has_more: next !== '',
          messages: page.map((m) => ({ type: 'message', ts: m.ts, text: m.text, ...(m.threadTs ? { thread_ts: m.threadTs } : {}), ...(withMetadata && m.metadata ? { metadata: m.metadata } : {}) })),
          response_metadata: { next_cursor: next },
        };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  };

  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if ((request.url ?? '').startsWith('/hooks/')) {
        const raw = Buffer.concat(chunks).toString('utf8');
        hooks.push({ path: (request.url ?? '').slice('/hooks/'.length), body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {} });
        response.writeHead(200, { 'content-type': 'text/plain' });
        response.end('ok');
        return;
      }
      const method = (request.url ?? '').replace(/^\/api\//, '').replace(/\?.*$/, '');
      const body = parseBody(Buffer.concat(chunks).toString('utf8'), request.headers['content-type']);
      const authorization = request.headers.authorization ?? '';
      const record: RecordedRequest = { method, body, authorized: authorization.startsWith('Bearer '), status: 200, ok: false };
      requests.push(record);
      const send = (status: number, payload: Record<string, unknown>, headers: Record<string, string> = {}) => {
        record.status = status;
        record.ok = payload.ok === true;
        if (typeof payload.error === 'string') record.error = payload.error;
        response.writeHead(status, { 'content-type': 'application/json', ...headers });
        response.end(JSON.stringify(payload));
      };
      const queue = failures.get(method);
      const failure = queue?.shift();
      if (failure) {
        if ('error' in failure) return send(200, { ok: false, error: failure.error });
        if (failure.status === 429) return send(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(failure.retryAfter) });
        if (failure.afterProcessing) handle(method, body); // Slack did the work, then the answer was lost
        return send(failure.status, { ok: false, error: 'internal_error' });
      }
      if (authorization !== `Bearer ${token}`) return send(200, { ok: false, error: authorization ? 'invalid_auth' : 'not_authed' });
      const answer = handle(method, body);
      if (method === 'chat.postMessage' && options.postDelayMs) setTimeout(() => send(200, answer), options.postDelayMs);
      else send(200, answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/api/`,
    token,
    requests,
    messages,
    users,
    channels,
    views,
    hooks,
    hookUrl: (name) => `http://127.0.0.1:${port}/hooks/${encodeURIComponent(name)}`,
    failNext(method, failure, times = 1) {
      const queue = failures.get(method) ?? [];
      for (let i = 0; i < times; i += 1) queue.push(failure);
      failures.set(method, queue);
    },
    posts(dedupKey) {
      return requests.filter((r) => r.method === 'chat.postMessage' && (dedupKey === undefined || (r.body.metadata as { event_payload?: { dedup_key?: string } } | undefined)?.event_payload?.dedup_key === dedupKey));
    },
    reset() {
      requests.length = 0;
      messages.length = 0;
      views.length = 0;
      hooks.length = 0;
      failures.clear();
    },
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

/** One stand-in for a whole test file: started before its tests, closed after them. */
export function fakeSlackForFile(options: { token?: string; pageSize?: number } = {}): () => FakeSlack {
  let fake: FakeSlack | undefined;
  beforeAll(async () => {
    fake = await startFakeSlack(options);
  });
  afterAll(async () => {
    await fake?.close();
  });
  return () => {
    if (!fake) throw new Error('the Slack stand-in is not started yet');
    return fake;
  };
}
