// `radar serve`: Slack interactivity (POST /slack/actions), the slash command (POST /slack/commands)
// and GET /healthz; with `api`, also the REST API and /readyz (pipelines/api, mounted by the caller so
// this module does not load it).
//
// Node's own `http`, no framework: there are three routes, and signature verification needs the raw
// request bytes, which frameworks parse away by default (Fastify and Hono need extra plumbing for it).
// No new dependency to keep up to date for that.
//
// Every /slack/* request is verified (alerts/serve/verify.ts) before its body is parsed; failures are
// answered 401 and logged with the reason and never the body. A body over server.bodyLimitBytes is
// answered 413: at once from Content-Length, else as soon as the limit is passed, without reading on.
// Slack's 3-second rule: handlers answer after the database write, and the slow parts (chat.update,
// views.open, response_url) run after the answer, tracked so shutdown can wait for them.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql, type Kysely } from 'kysely';
import type { ServerConfig } from '../../config/server.ts';
import type { Logger } from '../../pipelines/log.ts';
import type { DB } from '../../sql/schema.ts';
import type { WebhookSubscriber } from '../../sql/webhooks.ts';
import type { Renderer } from '../render.ts';
import { createRefresher, handleInteraction, type HttpAnswer } from './actions.ts';
import { handleSlashCommand } from './commands.ts';
import type { InteractivityApi } from './slack-web.ts';
import { verifySlackRequest } from './verify.ts';

export interface ServeOptions {
  readonly db: Kysely<DB>;
  readonly server: ServerConfig;
  /** null: no Slack endpoints (`radar serve --api-only`): /slack/* answers 404. */
  readonly signingSecret: string | null;
  readonly slack: InteractivityApi | null;
  readonly renderer: Renderer;
  readonly logger: Logger;
  /** CSM email → Slack id (routing.csmSlackIds), for `/radar mine`. */
  readonly csmSlackIds?: Readonly<Record<string, string>>;
  readonly now?: () => Date;
  readonly fetch?: typeof fetch;
  /** Webhook endpoints (config `webhooks`) that tasks completed with a button are announced to. */
  readonly webhooks?: readonly WebhookSubscriber[];
  /** Mounts more routes (the REST API); the handler answers and returns true for its own paths. */
  readonly api?: (shared: { readonly refresh: (alertId: number) => void }) => RouteHandler;
}

export type RouteHandler = (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;

export interface RadarServer {
  readonly url: string;
  readonly port: number;
  /** Resolves when no follow-up work (chat.update, views.open, response_url) is running. */
  idle(): Promise<void>;
  /** Stops accepting, finishes in-flight requests and follow-up work (up to shutdownTimeoutMs). Does not close the database. */
  close(): Promise<void>;
}

export class BodyTooLarge extends Error {}

export function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.off('data', onData);
        request.pause();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.once('end', () => resolve(Buffer.concat(chunks)));
    request.once('error', reject);
  });
}

function send(response: ServerResponse, answer: HttpAnswer, headers: Record<string, string> = {}): void {
  if (response.headersSent) return;
  if (answer.body === undefined) {
    response.writeHead(answer.status, { 'content-length': '0', ...headers });
    response.end();
    return;
  }
  const body = JSON.stringify(answer.body);
  response.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), ...headers });
  response.end(body);
}

const header = (request: IncomingMessage, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

export async function startServer(options: ServeOptions): Promise<RadarServer> {
  const { db, logger } = options;
  const now = options.now ?? (() => new Date());
  const limit = options.server.bodyLimitBytes;
  const pending = new Set<Promise<void>>();
  const later = (name: string, work: () => Promise<void>) => {
    const task: Promise<void> = work()
      .catch((error: unknown) => logger.error({ event: 'slack_followup_failed', work: name, error: (error as Error)?.message ?? String(error) }))
      .finally(() => pending.delete(task));
    pending.add(task);
  };
  const deps = { db, slack: options.slack, renderer: options.renderer, logger, now, later, webhooks: options.webhooks ?? [] };
  const refresh = createRefresher(deps);
  const commandDeps = {
    db, logger, now, later,
    responseUrlAllowList: options.server.responseUrlAllowList,
    csmSlackIds: options.csmSlackIds ?? {},
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };

  const api = options.api?.({ refresh: (alertId) => later(`refresh alert ${alertId}`, () => refresh(alertId)) });
  const signingSecret = options.signingSecret;

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = (request.url ?? '/').replace(/\?.*$/, '');
    if (api && (await api(request, response))) return;
    if (path === '/healthz') {
      if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, { status: 405, body: { error: 'method not allowed' } }, { allow: 'GET' });
      try {
        await sql`SELECT 1`.execute(db);
        return send(response, { status: 200, body: { ok: true } });
      } catch {
        return send(response, { status: 503, body: { ok: false, error: 'database unavailable' } });
      }
    }
    if (signingSecret === null || (path !== '/slack/actions' && path !== '/slack/commands')) return send(response, { status: 404, body: { error: 'not found' } });
    if (request.method !== 'POST') return send(response, { status: 405, body: { error: 'method not allowed' } }, { allow: 'POST' });

    const retryNum = header(request, 'x-slack-retry-num');
    const log = { path, retryNum: retryNum ?? null, retryReason: header(request, 'x-slack-retry-reason') ?? null };
    const declared = Number(header(request, 'content-length') ?? 'NaN');
    if (Number.isFinite(declared) && declared > limit) {
      logger.warn({ event: 'slack_request_refused', ...log, status: 413, reason: `body of ${declared} bytes over the ${limit}-byte limit` });
      return send(response, { status: 413, body: { error: 'request body too large' } }, { connection: 'close' });
    }
    let raw: Buffer;
    try {
      raw = await readBody(request, limit);
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) throw error;
      logger.warn({ event: 'slack_request_refused', ...log, status: 413, reason: `body over the ${limit}-byte limit` });
      return send(response, { status: 413, body: { error: 'request body too large' } }, { connection: 'close' });
    }
    const verified = verifySlackRequest({
      secret: signingSecret,
      timestamp: header(request, 'x-slack-request-timestamp'),
      signature: header(request, 'x-slack-signature'),
      rawBody: raw,
      now: now(),
    });
    if (!verified.ok) {
      // The reason only: never the body (it may hold user data) nor the signature.
      logger.warn({ event: 'slack_request_refused', ...log, status: 401, reason: verified.reason, remote: request.socket.remoteAddress ?? null });
      return send(response, { status: 401, body: { error: 'invalid signature' } });
    }
    const form = new URLSearchParams(raw.toString('utf8'));
    if (path === '/slack/commands') return send(response, await handleSlashCommand(commandDeps, form));
    let payload: unknown;
    try {
      payload = JSON.parse(form.get('payload') ?? '');
    } catch {
      return send(response, { status: 400, body: { error: 'payload is not JSON' } });
    }
    return send(response, await handleInteraction(deps, refresh, payload));
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      logger.error({ event: 'slack_request_failed', path: (request.url ?? '').replace(/\?.*$/, ''), error: (error as Error)?.message ?? String(error) });
      send(response, { status: 500, body: { error: 'internal error' } });
    });
  });
  // Slack gives up after 3 s; a stalled client must not hold a socket for long.
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.server.port, options.server.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const idle = async () => {
    while (pending.size > 0) await Promise.allSettled([...pending]);
  };
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    idle,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), options.server.shutdownTimeoutMs);
        });
        const result = await Promise.race([Promise.all([stopped, idle()]).then(() => 'done' as const), timeout]);
        clearTimeout(timer);
        if (result === 'timeout') {
          logger.warn({ event: 'serve_shutdown_timeout', pending: pending.size });
          server.closeAllConnections();
        }
      })();
      return closing;
    },
  };
}
