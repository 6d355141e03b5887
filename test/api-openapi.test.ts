// The OpenAPI 3.1 document served at /api/v1/openapi.json: valid by an OpenAPI validator, and every
// route's real answers (and a problem+json error) match the response schema the document gives them,
// checked with a JSON Schema 2020-12 validator against the served document itself.
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { routes } from '../pipelines/api/routes.ts';
import { seedApiWorld, seedOutcomes, startApiServer, tokenFor, type ApiServer, type ApiWorld } from './api-fixtures.ts';
import { describeEachBackend } from './support/database.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;

interface Document {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
}

const pointer = (...segments: string[]) => segments.map((segment) => encodeURIComponent(segment.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');

describeEachBackend('OpenAPI document', (context) => {
  let api: ApiServer;
  let world: ApiWorld;
  let token = '';
  let document: Document;
  let ajv: Ajv2020;

  beforeAll(async () => {
    const { db } = context();
    world = await seedApiWorld(db);
    await seedOutcomes(db);
    token = await tokenFor(db, 'crm-sync', ['read', 'tasks:write', 'alerts:write']);
    api = await startApiServer(db);
    const served = await fetch(`${api.server.url}/api/v1/openapi.json`);
    expect(served.status).toBe(200);
    document = (await served.json()) as Document;
    ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema(document as object, 'openapi.json');
  });
  afterAll(async () => {
    await api?.server.close();
  });

  /** Validates a body against the document's schema for this route, status and media type; returns the errors. */
  function check(path: string, method: string, status: string, body: unknown, media = 'application/json'): unknown[] {
    const validate = ajv.getSchema(`openapi.json#/${pointer('paths', path, method, 'responses', status, 'content', media, 'schema')}`);
    if (!validate) throw new Error(`no schema for ${method} ${path} ${status} ${media}`);
    return validate(body) ? [] : (validate.errors ?? []);
  }

  it('is a valid OpenAPI 3.1 document with every route', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document) as unknown as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    // The validator can fail: the same document without its info object is refused.
    const { info: _info, ...broken } = structuredClone(document) as Document & { info?: unknown };
    expect((await new Validator().validate(broken as unknown as Parameters<Validator['validate']>[0])).valid).toBe(false);
    const documented = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual(routes.map((route) => `${route.method} ${route.path}`).sort());
  });

  it("every route's real 200 answer matches its documented schema", async () => {
    const calls: Record<string, { url: string; body?: unknown }> = {
      'GET /api/v1/accounts': { url: '/api/v1/accounts?asOf=2026-01-14&limit=2' },
      'GET /api/v1/accounts/{id}': { url: '/api/v1/accounts/ACME-1' },
      'GET /api/v1/accounts/{id}/history': { url: '/api/v1/accounts/ACME-1/history' },
      'GET /api/v1/alerts': { url: '/api/v1/alerts' },
      'GET /api/v1/alerts/{id}': { url: `/api/v1/alerts/${world.alerts.acme}` },
      'GET /api/v1/tasks': { url: '/api/v1/tasks?limit=1' },
      'GET /api/v1/tasks/{id}': { url: `/api/v1/tasks/${world.tasks.acmeCall}` },
      'POST /api/v1/tasks/{id}/complete': { url: `/api/v1/tasks/${world.tasks.acmeCall}/complete`, body: { note: 'done' } },
      'POST /api/v1/alerts/{id}/snooze': { url: `/api/v1/alerts/${world.alerts.beta}/snooze`, body: {} },
      'GET /api/v1/outcomes': { url: '/api/v1/outcomes?limit=3' },
      'GET /api/v1/save-rate': { url: '/api/v1/save-rate?byTier=true' },
      'GET /api/v1/reports/weekly/{week}': { url: '/api/v1/reports/weekly/2026-W04' },
      'POST /api/v1/alerts/{id}/not-a-risk': { url: `/api/v1/alerts/${world.alerts.acme}/not-a-risk`, body: { reason: 'customer_fine', note: 'sponsor confirmed' } },
    };
    expect(Object.keys(calls).sort()).toEqual(routes.map((route) => `${route.method} ${route.path}`).sort());
    const failures: Record<string, unknown> = {};
    for (const route of routes) {
      const call = calls[`${route.method} ${route.path}`]!;
      const response = await api.call(call.url, token, call.body !== undefined ? { body: call.body } : {});
      expect(response.status, `${route.method} ${call.url}`).toBe(200);
      const errors = check(route.path, route.method.toLowerCase(), '200', await response.json());
      if (errors.length) failures[`${route.method} ${route.path}`] = errors;
    }
    expect(failures).toEqual({});
  });

  it('a schema that does not match is caught (the check can fail)', () => {
    expect(check('/api/v1/accounts', 'get', '200', { items: [{ id: 'ACME-1' }], nextCursor: null }).length).toBeGreaterThan(0);
    expect(check('/api/v1/tasks/{id}', 'get', '200', { id: 'not a number' }).length).toBeGreaterThan(0);
  });

  it('errors match the documented problem+json schema', async () => {
    const unauthorized = await api.call('/api/v1/accounts', null);
    expect(check('/api/v1/accounts', 'get', '401', await unauthorized.json(), 'application/problem+json')).toEqual([]);
    const invalid = await api.call('/api/v1/accounts?limit=-1', token);
    expect(invalid.status).toBe(400);
    expect(check('/api/v1/accounts', 'get', '400', await invalid.json(), 'application/problem+json')).toEqual([]);
    const missing = await api.call('/api/v1/accounts/NOPE', token);
    expect(check('/api/v1/accounts/{id}', 'get', '404', await missing.json(), 'application/problem+json')).toEqual([]);
  });
});
