// Sources: where data comes from and how a company's own export maps onto our fields.
// The mapping is how users adapt to their tools; no code change is needed for a new export shape.
import { z } from 'zod';

// Load order: accounts first (everything references them); subscriptions before renewals, which they derive.
export const ENTITIES = ['accounts', 'usage_daily', 'support_contacts', 'invoices', 'subscriptions', 'renewals', 'market_events', 'usage_events', 'usage_metrics', 'account_signals'] as const;
export type Entity = (typeof ENTITIES)[number];

const duration = z
  .string()
  .regex(/^\d+(h|d)$/, 'must be a duration like "36h" or "2d"')
  .describe('A duration in hours (h) or days (d).');

const envVarName = z.string().regex(/^[A-Z][A-Z0-9_]{1,63}$/, 'must be an environment variable name in UPPER_SNAKE_CASE');

const dateFormat = z
  .enum(['iso', 'YYYY-MM-DD', 'DD/MM/YYYY', 'MM/DD/YYYY', 'DD.MM.YYYY', 'YYYY/MM/DD', 'epoch-seconds', 'epoch-millis'])
  .describe('How dates and timestamps are written in the source; iso accepts YYYY-MM-DD and ISO 8601 timestamps.');

/** The CHECK on usage_metrics_daily.metric and account_signals.name. */
export const METRIC_NAME = /^[a-z][a-z0-9_]{0,62}$/;
const METRIC_NAME_RULE = 'must be a metric name: a lower-case letter, then up to 62 lower-case letters, digits or _';
const metricName = z.string().regex(METRIC_NAME, METRIC_NAME_RULE);

/** Which event names of a raw event export become which metrics (usage_events sources only). */
const eventSelection = z
  .object({
    rename: z.record(z.string().min(1), metricName).default({}).describe('Event name (as exported) → metric name, e.g. {"Report Created": reports}.'),
    include: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('Only these events (exported name or metric name) are loaded; others are counted in the run summary as not included.'),
    exclude: z.array(z.string().min(1)).default([]).describe('These events (exported name or metric name) are skipped and counted in the run summary.'),
  })
  .strict();

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
  events: eventSelection.optional().describe('usage_events: rename, include or exclude event names.'),
  metrics: z
    .record(z.string(), z.string().min(1))
    .optional()
    .describe('usage_metrics (wide daily files): metric name → the source column (or dotted JSON path) holding its daily value.'),
};

/** Keys that belong to one entity only: named where they are misplaced or missing. */
function checkEntityKeys(source: { entity?: Entity | undefined; events?: unknown; metrics?: Record<string, string> | undefined; preset?: string }, context: z.RefinementCtx): void {
  const entity = source.entity;
  if (source.events !== undefined && entity !== 'usage_events') context.addIssue({ code: 'custom', path: ['events'], message: `only usage_events sources take events (this one feeds ${entity})` });
  if (source.metrics !== undefined && entity !== 'usage_metrics') context.addIssue({ code: 'custom', path: ['metrics'], message: `only usage_metrics sources take metrics (this one feeds ${entity})` });
  if (entity === 'usage_metrics' && Object.keys(source.metrics ?? {}).length === 0) context.addIssue({ code: 'custom', path: ['metrics'], message: 'a usage_metrics source needs metrics: {metric_name: column}' });
  for (const name of Object.keys(source.metrics ?? {})) {
    // Checked here rather than as the record's key schema, whose issue would not say the rule.
    if (!METRIC_NAME.test(name)) context.addIssue({ code: 'custom', path: ['metrics', name], message: METRIC_NAME_RULE });
    if (name === 'account_id' || name === 'day') context.addIssue({ code: 'custom', path: ['metrics', name], message: `${name} is the row's own field; name the metric otherwise` });
  }
  if (source.preset === 'segment-track' && entity !== 'usage_events') context.addIssue({ code: 'custom', path: ['preset'], message: `preset segment-track feeds usage_events (this source says entity: ${entity})` });
}

export const fileSourceSchema = z
  .object({
    kind: z.literal('file'),
    path: z.string().min(1).describe('A file or a glob (relative to the config file). .gz files are decompressed.'),
    format: z.enum(['csv', 'ndjson']).optional().describe('Defaults from the file extension.'),
    delimiter: z.string().length(1).default(',').describe('CSV field delimiter.'),
    header: z
      .boolean()
      .default(true)
      .describe('Whether the first CSV row names the columns. With false, map every field to its 1-based column number (mapping: {account_id: 1, day: 2}).'),
    maxQuotedLines: z
      .number()
      .int()
      .min(0)
      .max(1_000_000)
      .default(10)
      .describe('Line breaks a quoted CSV field may span. More fails the file, naming the line the quote opened on: an unterminated quote would otherwise swallow the rows after it.'),
    preset: z.enum(['segment-track']).optional().describe('A known export shape: segment-track reads Segment track events (groupId or context.groupId, userId, event, timestamp) with no mapping.'),
    ...commonSourceFields,
    mapping: z
      .record(z.string(), z.union([z.string().min(1), z.number().int().positive().transform(String)], { error: 'must be a column name, or a 1-based column number (1, 2, …)' }))
      .default({})
      .describe('Our field → the source column (or dotted JSON path); a 1-based column number when header is false. Unmapped fields are looked up under their own name.'),
  })
  .strict()
  .superRefine((source, ctx) => {
    checkEntityKeys(source, ctx);
    if (source.header) return;
    for (const [field, column] of Object.entries(source.mapping)) {
      if (!/^[1-9]\d*$/.test(column)) ctx.addIssue({ code: 'custom', path: ['mapping', field], message: `with header: false, map each field to a 1-based column number (got "${column}")` });
    }
  });

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
  .refine((source) => source.preset !== 'generic' || source.entity !== undefined, { message: 'a generic http source needs an entity', path: ['entity'] })
  .superRefine(checkEntityKeys);

// Discriminated on kind, so a mistake in a file source is reported at its key, not as "Invalid input" for the union.
export const sourceSchema = z.discriminatedUnion('kind', [fileSourceSchema, httpSourceSchema]);
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
 * The metric (or signal) name an exported name becomes: lower-cased, accents dropped, every run of other
 * characters turned into one "_", trimmed of "_" at both ends, cut to 63 characters; a name that then
 * starts with a digit gets an "m_" prefix ("2FA Enabled" → m_2fa_enabled). Undefined when nothing is left.
 */
export function metricNameOf(exported: string): string | undefined {
  const base = exported
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (base === '') return undefined;
  const name = (/^[0-9]/.test(base) ? `m_${base}` : base).slice(0, 63).replace(/_+$/, '');
  return METRIC_NAME.test(name) ? name : undefined;
}

/** The metric an event of this exported name feeds, after the source's rename. */
export function eventMetricName(exported: string, rename: Readonly<Record<string, string>>): string | undefined {
  return rename[exported] ?? metricNameOf(exported);
}

/**
 * Usage metric names the configured sources feed (for `radar config check`): usage_daily's columns always;
 * an event source's rename targets and include list (open when it has no include list: any event name may
 * arrive); a wide source's metrics keys.
 */
export function fedMetricNames(sources: Readonly<Record<string, SourceConfig>>): FedNames {
  const names = new Set<string>(USAGE_DAILY_METRICS);
  // No source declared: data arrives through `radar ingest --dir` (the sample format), whose event export may carry any name.
  let open = Object.keys(sources).length === 0;
  for (const source of Object.values(sources)) {
    const entity = source.entity;
    if (entity === 'usage_metrics') for (const name of Object.keys(source.metrics ?? {})) names.add(name);
    if (entity !== 'usage_events') continue;
    const rename = source.events?.rename ?? {};
    const include = source.events?.include;
    if (include === undefined) {
      open = true;
      for (const name of Object.values(rename)) names.add(name);
      continue;
    }
    const excluded = new Set(source.events?.exclude ?? []);
    for (const entry of include) {
      const name = eventMetricName(entry, rename);
      if (name !== undefined && !excluded.has(entry) && !excluded.has(name)) names.add(name);
    }
  }
  return { names, open };
}

/**
 * Account signal names the configured sources feed (for `radar config check`): a signal source with a
 * fixed name (`defaults: {name: nps}` and no `mapping.name`) feeds that name; one that reads names from a
 * column is open.
 */
export function fedSignalNames(sources: Readonly<Record<string, SourceConfig>>): FedNames {
  const names = new Set<string>();
  // As for metrics: the sample format's signal file (nps_responses.csv) arrives without a declared source.
  let open = Object.keys(sources).length === 0;
  for (const source of Object.values(sources)) {
    if (source.entity !== 'account_signals') continue;
    const fixed = source.defaults.name;
    const name = source.mapping.name === undefined && fixed !== undefined ? metricNameOf(String(fixed)) : undefined;
    if (name === undefined) open = true;
    else names.add(name);
  }
  return { names, open };
}
