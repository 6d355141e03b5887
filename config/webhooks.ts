// `webhooks:` in radar.yaml: signed HTTP callbacks (docs/api.md#webhooks). A list of endpoints, each
// with the events it wants; the signing secret is never in the file, only the name of the environment
// variable that holds it (read by config/environment.ts's readSecret when delivering).
import { z } from 'zod';

export const WEBHOOK_EVENTS = ['tier.changed', 'alert.created', 'task.completed', 'renewal.decided', 'forecast.published'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

/** Events a preset can shape; `crm` is an upsert of the account's score by external id. */
export const PRESET_EVENTS = { crm: ['tier.changed'] } as const satisfies Record<string, readonly WebhookEventType[]>;

const retrySchema = z
  .object({
    maxAttempts: z.number().int().min(1).max(50).default(10).describe('Attempts before an event is dead-lettered (`radar webhooks list --dead`, `radar webhooks replay`).'),
    firstDelaySeconds: z.number().min(0).max(86_400).default(60).describe('Wait after the first failed attempt; each further failure doubles it.'),
    maxDelaySeconds: z.number().min(0).max(604_800).default(21_600).describe('Longest wait between two attempts (the doubling stops here).'),
  })
  .strict();

export const webhookEndpointSchema = z
  .object({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, - and _ (at most 64), starting with a letter or digit')
      .describe('Stable name of the endpoint: outbox rows, `radar webhooks list` and replays refer to it.'),
    url: z
      .string()
      .url()
      .refine((url) => /^https?:\/\//.test(url), 'must be an http(s) URL')
      .describe('Where events are POSTed.'),
    events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).optional().describe(`Events sent to this endpoint, a subset of ${WEBHOOK_EVENTS.join(', ')}. Default: every event (with preset crm: tier.changed).`),
    secretEnv: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]{1,63}$/, 'an environment variable name (upper case, digits, _)')
      .describe('Environment variable holding the signing secret (whsec_ followed by base64, as Standard Webhooks); never put the secret itself in this file.'),
    preset: z.enum(['crm']).optional().describe('crm: the body is { externalId, churnProbability, tier, topDrivers, renewalDate, asOf }, for an upsert by external id.'),
    timeoutMs: z.number().int().min(100).max(120_000).default(10_000).describe('An attempt with no complete answer within this time counts as failed.'),
    retry: retrySchema.prefault({}).describe('Retries with exponential backoff, then the dead-letter list.'),
  })
  .strict()
  .superRefine((endpoint, ctx) => {
    if (!endpoint.preset || !endpoint.events) return;
    const allowed: readonly string[] = PRESET_EVENTS[endpoint.preset];
    endpoint.events.forEach((event, index) => {
      if (!allowed.includes(event)) ctx.addIssue({ code: 'custom', path: ['events', index], message: `preset ${endpoint.preset} shapes only ${allowed.join(', ')}, not ${event}` });
    });
  })
  .transform((endpoint) => ({ ...endpoint, events: endpoint.events ?? (endpoint.preset ? [...PRESET_EVENTS[endpoint.preset]] : [...WEBHOOK_EVENTS]) }));

export const webhooksConfigSchema = z.array(webhookEndpointSchema).superRefine((endpoints, ctx) => {
  const seen = new Set<string>();
  endpoints.forEach((endpoint, index) => {
    if (seen.has(endpoint.id)) ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `duplicate webhook id "${endpoint.id}"` });
    seen.add(endpoint.id);
  });
});

export type WebhookEndpoint = z.infer<typeof webhookEndpointSchema>;
export type WebhooksConfig = z.infer<typeof webhooksConfigSchema>;
