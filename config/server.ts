import { z } from 'zod';

export const serverConfigSchema = z
  .object({
    port: z.number().int().min(0).max(65_535).default(3000).describe('Port of `radar serve` (0 = any free port).'),
    host: z
      .string()
      .min(1)
      .default('127.0.0.1')
      .describe('Bind address of `radar serve`. Keep 127.0.0.1 behind a reverse proxy that terminates TLS; 0.0.0.0 exposes it on every interface.'),
    bodyLimitBytes: z
      .number()
      .int()
      .min(1024)
      .max(1_048_576)
      .default(65_536)
      .describe('Largest request body accepted; larger ones are answered 413 without being read.'),
    shutdownTimeoutMs: z
      .number()
      .int()
      .min(0)
      .default(10_000)
      .describe('On SIGTERM/SIGINT, how long in-flight requests and follow-up work (chat.update, response_url) may take before the server stops anyway.'),
    responseUrlAllowList: z
      .array(z.string().url())
      .default([])
      .describe('Extra origins (e.g. http://127.0.0.1:4000 in tests) a slash command response_url may point at. https://hooks.slack.com is always allowed; nothing else is ever fetched.'),
    api: z
      .object({
        rateLimitPerMinute: z.number().int().min(1).max(1_000_000).default(600).describe('Requests per minute each API token may make on average; past it the API answers 429 with Retry-After.'),
        burst: z.number().int().min(1).max(100_000).default(60).describe('Requests a token may make at once before the per-minute rate applies (the token bucket size).'),
        maxPageSize: z.number().int().min(1).max(1000).default(200).describe('Largest `limit` a list request may ask for.'),
      })
      .strict()
      .prefault({})
      .describe('The REST API under /api/v1 (docs/api.md).'),
  })
  .strict();

export type ServerConfig = z.infer<typeof serverConfigSchema>;
