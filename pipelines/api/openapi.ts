// The OpenAPI 3.1 document, generated from the route table's zod schemas with zod-openapi. Chosen
// over @asteasolutions/zod-to-openapi because it reads zod 4's native `.meta()` and converts through
// zod's own `z.toJSONSchema` (no prototype patching, no second registry), and over a hand-made builder
// around `z.toJSONSchema` because it already handles parameters, components and input/output types.
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import { problemSchema } from './schemas.ts';
import { routes } from './routes.ts';

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: problemSchema } } });

export function openApiDocument(version: string): ReturnType<typeof createDocument> {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of routes) {
    const operation: ZodOpenApiOperationObject = {
      operationId: route.operationId,
      summary: route.summary,
      description: `Needs a token with the \`${route.scope}\` scope.`,
      security: [{ bearer: [route.scope] }],
      requestParams: { query: route.query as never, path: route.params as never },
      ...(route.body ? { requestBody: { required: false, content: { 'application/json': { schema: route.body } } } } : {}),
      responses: {
        200: {
          description: 'OK',
          ...(route.etag ? { headers: { ETag: { description: 'Send it back as If-None-Match: 304 while the page is unchanged.', schema: { type: 'string' } } } } : {}),
          content: { 'application/json': { schema: route.response } },
        },
        ...(route.etag ? { 304: { description: 'Not modified: the page still has the ETag sent in If-None-Match' } } : {}),
        400: problem('Invalid query, path parameter or body'),
        401: problem('Missing, unknown or revoked token'),
        403: problem('The token lacks the scope'),
        ...(route.method === 'GET' && !route.etag ? { 404: problem('No such resource') } : {}),
        ...(route.method === 'POST' ? { 404: problem('No such resource') } : {}),
        429: { ...problem('Rate limit reached: retry after Retry-After seconds'), headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } } },
      },
    };
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation };
  }
  return createDocument({
    openapi: '3.1.0',
    info: { title: 'Renewal Radar API', version, description: 'Scores, alerts and tasks of Renewal Radar, and the writes behind its Slack buttons. See docs/api.md.' },
    servers: [{ url: '/' }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token from `radar tokens create`.' } } },
    paths,
  });
}
