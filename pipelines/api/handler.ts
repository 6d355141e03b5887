// The HTTP layer of /api/v1 and /readyz, mounted in `radar serve` (alerts/serve/server.ts): routing,
// bearer-token auth and scopes, the per-token rate limit, request and response validation with the
// route's zod schemas, ETags on list pages, and RFC 9457 problem+json for every error. Each request
// is logged once (method, path, status, tokenName, milliseconds), never with its token (the
// logger also redacts any `token` field).
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sql, type Kysely } from 'kysely';
import type { z } from 'zod';
import packageJson from '../../package.json' with { type: 'json' };
import { BodyTooLarge, readBody } from '../../alerts/serve/server.ts';
import type { RadarConfig } from '../../config/schema.ts';
import type { ServerConfig } from '../../config/server.ts';
import { apiTokenByHash, appliedMigrations, touchApiToken, type ApiTokenRow } from '../../sql/api.ts';
import { readMigrations } from '../../sql/migrate.ts';
import type { DB } from '../../sql/schema.ts';
import type { Logger } from '../log.ts';
import { openApiDocument } from './openapi.ts';
import { createRateLimiter } from './rate-limit.ts';
import { ApiProblem, routes, type Route } from './routes.ts';
import { hashToken } from './tokens.ts';

export interface ApiOptions {
  readonly db: Kysely<DB>;
  readonly server: Pick<ServerConfig, 'api' | 'bodyLimitBytes'>;
  /** The whole config: for the routes that compute (the weekly report) and the webhook endpoints a task completed through the API is announced to. */
  readonly config: RadarConfig;
  readonly logger: Logger;
  readonly now?: () => Date;
  /** Called after a write changed an alert (or one of its tasks), to re-render its Slack message. */
  readonly changed?: (alertId: number) => void;
}

/** Answers the request and returns true when the path is the API's; false leaves it to the caller. */
export type ApiHandler = (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;

const PREFIX = '/api/v1';

interface Compiled {
  readonly route: Route;
  readonly pattern: RegExp;
  readonly names: readonly string[];
}

const compiled: readonly Compiled[] = routes.map((route) => {
  const names: string[] = [];
  const pattern = new RegExp(`^${route.path.replace(/\{(\w+)\}/g, (_, name: string) => (names.push(name), '([^/]+)'))}$`);
  return { route, pattern, names };
});

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, type = 'application/json'): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': `${type}; charset=utf-8`, 'content-length': String(Buffer.byteLength(text)), 'cache-control': 'no-store', ...headers });
  response.end(text);
}

function sendProblem(response: ServerResponse, path: string, problem: ApiProblem, headers: Record<string, string> = {}): void {
  if (response.headersSent) return;
  sendJson(
    response,
    problem.status,
    { type: `urn:radar:problem:${problem.slug}`, title: problem.title, status: problem.status, detail: problem.detail, instance: path, ...(problem.errors ? { errors: problem.errors } : {}) },
    headers,
    'application/problem+json',
  );
}

function issues(error: z.ZodError, where: string): { path: string; message: string }[] {
  return error.issues.map((issue) => ({ path: [where, ...issue.path.map(String)].join('.'), message: issue.message }));
}

function invalid(error: z.ZodError, where: string): ApiProblem {
  const list = issues(error, where);
  return new ApiProblem(400, 'invalid-request', 'Invalid request', list.map((issue) => `${issue.path}: ${issue.message}`).join('; '), list);
}

function etagOf(text: string): string {
  return `"${createHash('sha256').update(text).digest('base64url').slice(0, 27)}"`;
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((candidate) => {
    const value = candidate.trim().replace(/^W\//, '');
    return value === '*' || value === etag;
  });
}

export function createApiHandler(options: ApiOptions): ApiHandler {
  const { db, logger } = options;
  const now = options.now ?? (() => new Date());
  const config = options.server.api;
  const limiter = createRateLimiter({ perMinute: config.rateLimitPerMinute, burst: config.burst });
  const lastTouched = new Map<number, number>();
  let document: string | undefined;

  async function authenticate(request: IncomingMessage): Promise<ApiTokenRow> {
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw new ApiProblem(401, 'unauthorized', 'Unauthorized', header ? 'the Authorization header must be "Bearer <token>"' : 'no Authorization header: send "Authorization: Bearer <token>" (radar tokens create)');
    const token = await apiTokenByHash(db, hashToken(match[1]!));
    if (!token) throw new ApiProblem(401, 'unauthorized', 'Unauthorized', 'unknown token');
    if (token.revokedAt) throw new ApiProblem(401, 'unauthorized', 'Unauthorized', `token "${token.name}" was revoked`);
    return token;
  }

  async function readiness(response: ServerResponse): Promise<void> {
    const expected = (await readMigrations()).map((file) => file.name);
    let applied: string[] | null = null;
    try {
      await sql`SELECT 1`.execute(db);
      applied = await appliedMigrations(db);
    } catch {
      applied = null;
    }
    const pending = applied ? expected.filter((name) => !applied.includes(name)) : expected;
    const ok = applied !== null && pending.length === 0;
    sendJson(response, ok ? 200 : 503, { ok, database: applied !== null, migrations: { expected: expected.length, applied: applied?.length ?? 0, pending } });
  }

  async function serve(request: IncomingMessage, response: ServerResponse, url: URL, log: { token: string | null }): Promise<void> {
    const path = url.pathname;
    if (path === `${PREFIX}/openapi.json`) {
      document ??= JSON.stringify(openApiDocument(packageJson.version));
      response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(document)) });
      response.end(document);
      return;
    }
    let found: { entry: Compiled; match: RegExpExecArray } | undefined;
    const allowed: string[] = [];
    for (const entry of compiled) {
      const match = entry.pattern.exec(path);
      if (!match) continue;
      allowed.push(entry.route.method);
      if (entry.route.method === request.method || (request.method === 'HEAD' && entry.route.method === 'GET')) found = { entry, match };
    }
    if (!found) {
      if (allowed.length > 0) throw Object.assign(new ApiProblem(405, 'method-not-allowed', 'Method not allowed', `${request.method} is not allowed on ${path} (allowed: ${allowed.join(', ')})`), { allow: allowed.join(', ') });
      throw new ApiProblem(404, 'not-found', 'Not found', `no API route ${path} (the document is at ${PREFIX}/openapi.json)`);
    }
    const { route } = found.entry;
    const token = await authenticate(request);
    log.token = token.name;
    if (!token.scopes.includes(route.scope)) throw new ApiProblem(403, 'forbidden', 'Forbidden', `token "${token.name}" lacks the "${route.scope}" scope (it has: ${token.scopes.join(', ') || 'none'})`);
    const wait = limiter.take(token.tokenId, now().getTime());
    if (wait > 0) throw Object.assign(new ApiProblem(429, 'rate-limited', 'Too many requests', `token "${token.name}" made more than ${config.rateLimitPerMinute} requests a minute: retry after ${wait} s`), { retryAfter: wait });
    const at = now();
    if (at.getTime() - (lastTouched.get(token.tokenId) ?? 0) > 60_000) {
      lastTouched.set(token.tokenId, at.getTime());
      await touchApiToken(db, token.tokenId, at);
    }

    const query = route.query.safeParse(Object.fromEntries(url.searchParams));
    if (!query.success) throw invalid(query.error, 'query');
    const params = route.params.safeParse(Object.fromEntries(found.entry.names.map((name, index) => [name, decodeURIComponent(found.match[index + 1]!)])));
    if (!params.success) throw invalid(params.error, 'path');
    let body: unknown;
    if (route.body) {
      let raw: Buffer;
      try {
        raw = await readBody(request, options.server.bodyLimitBytes);
      } catch (error) {
        if (error instanceof BodyTooLarge) throw new ApiProblem(413, 'body-too-large', 'Request body too large', `bodies over ${options.server.bodyLimitBytes} bytes are refused`);
        throw error;
      }
      let json: unknown = {};
      if (raw.length > 0) {
        try {
          json = JSON.parse(raw.toString('utf8'));
        } catch {
          throw new ApiProblem(400, 'invalid-request', 'Invalid request', 'the body is not JSON');
        }
      }
      const parsed = route.body.safeParse(json);
      if (!parsed.success) throw invalid(parsed.error, 'body');
      body = parsed.data;
    }
    const result = await route.handle({ query: query.data, params: params.data, body, db, config: options.config, now: at, token, maxPageSize: config.maxPageSize, changed: options.changed ?? (() => undefined), webhooks: options.config.webhooks });
    // The response schema is checked too: a row the schema does not describe is a bug, not an answer.
    const checked = route.response.safeParse(result);
    if (!checked.success) {
      logger.error({ event: 'api_response_invalid', path, issues: issues(checked.error, 'response').slice(0, 5) });
      throw new ApiProblem(500, 'internal', 'Internal error', 'the response did not match its schema');
    }
    const text = JSON.stringify(checked.data);
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };
    if (route.etag) {
      const etag = etagOf(text);
      headers.etag = etag;
      if (matchesEtag(request.headers['if-none-match'], etag)) {
        response.writeHead(304, headers);
        response.end();
        return;
      }
    }
    response.writeHead(200, { ...headers, 'content-length': String(Buffer.byteLength(text)) });
    response.end(request.method === 'HEAD' ? undefined : text);
  }

  return async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://radar.invalid');
    if (url.pathname === '/readyz') {
      await readiness(response);
      return true;
    }
    if (url.pathname !== PREFIX && !url.pathname.startsWith(`${PREFIX}/`)) return false;
    const started = performance.now();
    const log: { token: string | null } = { token: null };
    try {
      await serve(request, response, url, log);
    } catch (error) {
      if (error instanceof ApiProblem) {
        const extra = error as ApiProblem & { allow?: string; retryAfter?: number };
        const headers: Record<string, string> = {};
        if (extra.allow) headers.allow = extra.allow;
        if (extra.retryAfter !== undefined) headers['retry-after'] = String(extra.retryAfter);
        if (error.status === 401) headers['www-authenticate'] = 'Bearer realm="radar"';
        if (error.status === 413) headers.connection = 'close';
        sendProblem(response, url.pathname, error, headers);
      } else {
        logger.error({ event: 'api_request_failed', method: request.method, path: url.pathname, error: (error as Error)?.message ?? String(error) });
        sendProblem(response, url.pathname, new ApiProblem(500, 'internal', 'Internal error', 'the request failed; the server log has the details'));
      }
    }
    logger.info({ event: 'api_request', method: request.method, path: url.pathname, status: response.statusCode, tokenName: log.token, ms: Math.round((performance.now() - started) * 10) / 10 });
    return true;
  };
}
