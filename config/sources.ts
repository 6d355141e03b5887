// Sources: where data comes from and how a company's own export maps onto our fields.
// The mapping is how users adapt to their tools; no code change is needed for a new export shape.
import { z } from 'zod';

// Load order: accounts first (everything references them); subscriptions before renewals, which they derive.
export const ENTITIES = ['accounts', 'usage_daily', 'support_contacts', 'invoices', 'subscriptions', 'renewals', 'market_events'] as const;
export type Entity = (typeof ENTITIES)[number];

const duration = z
  .string()
  .regex(/^\d+(h|d)$/, 'must be a duration like "36h" or "2d"')
  .describe('A duration in hours (h) or days (d).');

const envVarName = z.string().regex(/^[A-Z][A-Z0-9_]{1,63}$/, 'must be an environment variable name in UPPER_SNAKE_CASE');

const dateFormat = z
  .enum(['iso', 'YYYY-MM-DD', 'DD/MM/YYYY', 'MM/DD/YYYY', 'DD.MM.YYYY', 'YYYY/MM/DD', 'epoch-seconds', 'epoch-millis'])
  .describe('How dates and timestamps are written in the source; iso accepts YYYY-MM-DD and ISO 8601 timestamps.');

const commonSourceFields = {
  entity: z.enum(ENTITIES).describe('Which table the source feeds.'),
  mapping: z
    .record(z.string(), z.string().min(1))
    .default({})
    .describe('Our field → the source column (or dotted JSON path). Unmapped fields are looked up under their own name.'),
  values: z
    .record(z.string(), z.record(z.string(), z.string()))
    .default({})
    .describe('Per field, source value → our value, e.g. priority: {P1: urgent}.'),
  defaults: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}).describe('Values for fields the source lacks.'),
  dateFormat: dateFormat.default('iso'),
  timezone: z.string().min(1).default('UTC').describe('IANA zone for timestamps without an offset.'),
  money: z.enum(['cents', 'decimal']).default('cents').describe('Whether money columns hold integer cents or decimal amounts (12.34).'),
  maxRejectShare: z.number().min(0).max(1).default(0.05).describe('A run rejecting more than this share of rows fails and loads nothing.'),
  maxStaleness: duration.default('48h').describe('Flag the source as stale when its newest fact is older than this.'),
  schedule: z.string().regex(/^(\S+\s+){4}\S+$/, 'must be a five-field cron expression').optional().describe('Own ingest schedule; defaults to the daily run.'),
};

export const fileSourceSchema = z
  .object({
    kind: z.literal('file'),
    path: z.string().min(1).describe('A file or a glob (relative to the config file). .gz files are decompressed.'),
    format: z.enum(['csv', 'ndjson']).optional().describe('Defaults from the file extension.'),
    delimiter: z.string().length(1).default(',').describe('CSV field delimiter.'),
    ...commonSourceFields,
  })
  .strict();

export const httpSourceSchema = z
  .object({
    kind: z.literal('http'),
    preset: z.enum(['generic', 'stripe-invoices', 'stripe-subscriptions', 'zendesk-tickets']).default('generic').describe('Request and paging shape of a known API.'),
    url: z.string().url().describe('First page URL.'),
    auth: z
      .object({
        header: z.string().min(1).default('Authorization'),
        prefix: z.string().default('Bearer '),
        env: envVarName.describe('Environment variable holding the secret; never put secrets in this file.'),
      })
      .strict()
      .optional(),
    recordsPath: z.string().min(1).optional().describe('Dotted path of the record array in each page (generic preset).'),
    pagination: z
      .discriminatedUnion('type', [
        z.object({ type: z.literal('none') }).strict(),
        z
          .object({
            type: z.literal('cursor'),
            cursorParam: z.string().min(1).describe('Query parameter that carries the cursor.'),
            nextCursorPath: z.string().min(1).describe('Dotted path of the next cursor in a page.'),
            donePath: z.string().min(1).optional().describe('Dotted path of a boolean that is true on the last page.'),
          })
          .strict(),
        z
          .object({
            type: z.literal('page'),
            pageParam: z.string().min(1).default('page'),
            sizeParam: z.string().min(1).default('per_page'),
            pageSize: z.number().int().positive().max(10_000).default(100),
            firstPage: z.number().int().min(0).default(1),
          })
          .strict(),
      ])
      .default({ type: 'none' }),
    watermark: z
      .object({
        param: z.string().min(1).describe('Query parameter sent with the stored watermark.'),
        field: z.string().min(1).describe('Dotted path in each record whose maximum becomes the next watermark.'),
      })
      .strict()
      .optional()
      .describe('Incremental loading: only records newer than the stored watermark are asked for.'),
    timeoutMs: z.number().int().positive().default(30_000),
    maxRetries: z.number().int().min(0).max(10).default(5),
    lookback: duration
      .optional()
      .describe('stripe-invoices: also re-read invoices created this long before the watermark, so later payments and voids arrive (35d suggested).'),
    ...commonSourceFields,
    // A preset implies these; they stay optional so the preset's value applies unless overridden.
    entity: z.enum(ENTITIES).optional().describe('Which table the source feeds; a preset implies it.'),
    dateFormat: dateFormat.optional().describe("Defaults to the preset's (iso for generic)."),
    money: z.enum(['cents', 'decimal']).optional().describe("Defaults to the preset's (cents for generic)."),
  })
  .strict()
  .refine((source) => source.preset !== 'generic' || source.entity !== undefined, { message: 'a generic http source needs an entity', path: ['entity'] });

export const sourceSchema = z.union([fileSourceSchema, httpSourceSchema]);
export const sourcesConfigSchema = z.record(z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, 'source names are lower-case letters, digits, - and _'), sourceSchema);

export type FileSource = z.infer<typeof fileSourceSchema>;
export type HttpSource = z.infer<typeof httpSourceSchema>;
export type SourceConfig = z.infer<typeof sourceSchema>;

/** "36h" / "2d" → milliseconds. */
export function durationMs(text: string): number {
  const amount = Number(text.slice(0, -1));
  return amount * (text.endsWith('d') ? 86_400_000 : 3_600_000);
}

/** Names some configured source feeds; `open` when a source may feed names not listed in config (e.g. raw events without an include list). */
export interface FedNames {
  readonly names: ReadonlySet<string>;
  readonly open: boolean;
}

/** usage_daily's own columns, readable by custom indicators as metrics of these names. */
export const USAGE_DAILY_METRICS = ['active_users', 'sessions', 'events', 'minutes'] as const;

/**
 * Usage metric names the configured sources feed (for `radar config check`): usage_daily's columns always,
 * plus what event and wide-metric sources declare. Event and metric sources extend this (issue 14).
 */
export function fedMetricNames(sources: Readonly<Record<string, SourceConfig>>): FedNames {
  void sources;
  return { names: new Set(USAGE_DAILY_METRICS), open: false };
}

/** Account signal names the configured sources feed (for `radar config check`). Signal sources extend this (issue 14). */
export function fedSignalNames(sources: Readonly<Record<string, SourceConfig>>): FedNames {
  void sources;
  return { names: new Set(), open: false };
}
