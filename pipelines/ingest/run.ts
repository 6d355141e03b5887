// Running sources: one source, every configured source, or a folder in the sample format.
import type { Kysely } from 'kysely';
import type { RadarConfig } from '../../config/schema.ts';
import { subscriptionsConfigSchema, type SubscriptionsConfig } from '../../config/subscriptions.ts';
import { ENTITIES, type Entity, type SourceConfig } from '../../config/sources.ts';
import { readSecret } from '../../config/environment.ts';
import { mergeWithPreset } from '../http/index.ts';
import { readWatermark } from '../../sql/ingest.ts';
import type { DB } from '../../sql/schema.ts';
import { recordRenewalsDecidedInTransaction, type WebhookSubscriber } from '../../sql/webhooks.ts';
import { RadarError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { ParseSettings } from './entities.ts';
import { openHttpSource } from './http-source.ts';
import type { MappingConfig } from './mapping.ts';
import { openFileSource, expandFiles } from './file-source.ts';
import { loadRecords, type LoadSummary } from './load.ts';
import type { RecordSource } from './records.ts';
import { sampleFormatSources, subscriptionsFormatSource } from './sample-format.ts';
import { sourceShape, type SourceShape } from './stager.ts';
import { SEGMENT_TRACK_MAPPING } from './usage-events.ts';
import { deriveFromSubscriptions } from './subscriptions.ts';

export interface IngestOptions {
  readonly logger: Logger;
  /** Directory relative file paths resolve against (the config file's directory). */
  readonly baseDir: string;
  /** Re-read files already loaded. */
  readonly force?: boolean;
  readonly secret?: (name: string) => string | undefined;
  /** For tests: the HTTP client and the wait between retries. */
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Overrides every source's maxRejectShare (CLI --max-reject-share). */
  readonly maxRejectShareOverride?: number;
  readonly onBatch?: (source: string, rowsRead: number, fractionDone: number | undefined) => void | Promise<void>;
  /** Rows per merge chunk (default 100,000); tests use tiny chunks to load one file in several merges. */
  readonly mergeChunkRows?: number;
  /** How subscriptions loads derive renewals (config `subscriptions`; defaults when absent). */
  readonly subscriptions?: SubscriptionsConfig;
  /** The derivation's "now" (default: the wall clock). */
  readonly now?: Date;
  /** Webhook endpoints (config `webhooks`): renewals a load decides are announced to them (renewal.decided). */
  readonly webhooks?: readonly WebhookSubscriber[];
}

export interface NamedSource {
  readonly name: string;
  readonly source: SourceConfig;
}

/** A source with its preset (HTTP) folded in: the entity, mapping and parse settings that apply. */
export interface EffectiveSource {
  readonly entity: Entity;
  readonly mapping: MappingConfig;
  readonly settings: ParseSettings;
}

/** A file preset's mapping under the source's own; a wide file's `metrics` are its metric fields' mapping. */
function fileMapping(source: Extract<SourceConfig, { kind: 'file' }>): MappingConfig {
  const preset = source.preset === 'segment-track' ? SEGMENT_TRACK_MAPPING : {};
  return { mapping: { ...preset, ...source.mapping, ...source.metrics }, values: source.values, defaults: source.defaults };
}

export function effectiveSource(source: SourceConfig): EffectiveSource {
  if (source.kind === 'file') {
    return { entity: source.entity, mapping: fileMapping(source), settings: { dateFormat: source.dateFormat, timezone: source.timezone, money: source.money } };
  }
  const merged = mergeWithPreset(source);
  return {
    entity: merged.entity,
    mapping: { mapping: { ...merged.mapping, ...source.metrics }, values: merged.values, defaults: source.defaults },
    settings: { dateFormat: merged.dateFormat, timezone: source.timezone, money: merged.money },
  };
}

/** The field spec and stager a named source loads with (see stager.ts). */
export function shapeOf(named: NamedSource, entity: Entity, options: { retry?: boolean } = {}): SourceShape {
  return sourceShape(entity, named.source, { source: named.name, ...options });
}

async function openSource(db: Kysely<DB>, named: NamedSource, effective: EffectiveSource, spec: SourceShape['spec'], options: IngestOptions): Promise<RecordSource> {
  const { name, source } = named;
  const watermark = await readWatermark(db, name);
  if (source.kind === 'file') {
    return openFileSource({ name, source, spec, mapping: effective.mapping, baseDir: options.baseDir, watermark, force: options.force ?? false });
  }
  return openHttpSource({
    name,
    source,
    spec,
    mapping: effective.mapping,
    // --force on an HTTP source re-fetches everything from the start.
    watermark: options.force ? undefined : watermark,
    secret: options.secret ?? ((variable) => readSecret(variable)),
    logger: options.logger,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
}

export async function ingestSource(db: Kysely<DB>, named: NamedSource, options: IngestOptions): Promise<LoadSummary> {
  const effective = effectiveSource(named.source);
  const shape = shapeOf(named, effective.entity);
  const recordSource = await openSource(db, named, effective, shape.spec, options);
  return loadRecords(db, recordSource, {
    spec: shape.spec,
    createStager: shape.createStager,
    source: named.name,
    entity: effective.entity,
    settings: effective.settings,
    maxRejectShare: options.maxRejectShareOverride ?? named.source.maxRejectShare,
    logger: options.logger,
    onBatch: options.onBatch ? (rows, fraction) => options.onBatch!(named.name, rows, fraction) : undefined,
    mergeChunkRows: options.mergeChunkRows,
    derive: deriveFor(effective.entity, options),
  });
}

/**
 * The work in a load's transaction after its merge: renewals derived from subscriptions, and the
 * renewal.decided webhook events for the renewals the transaction wrote (docs/api.md#webhooks).
 */
function deriveFor(entity: Entity, options: IngestOptions): ((trx: Kysely<DB>) => Promise<Record<string, unknown>>) | undefined {
  const subscriptions = entity === 'subscriptions';
  const announce = (subscriptions || entity === 'renewals') && (options.webhooks ?? []).length > 0;
  if (!subscriptions && !announce) return undefined;
  return async (trx) => {
    const derived = subscriptions ? await deriveFromSubscriptions(trx, options.subscriptions ?? subscriptionsConfigSchema.parse({}), options.now ?? new Date()) : {};
    const webhookEvents = announce ? await recordRenewalsDecidedInTransaction(trx, options.webhooks ?? []) : 0;
    return webhookEvents > 0 ? { ...derived, webhookEvents } : derived;
  };
}

/** Sources in dependency order: accounts before everything that references them. */
export function orderSources(sources: Readonly<Record<string, SourceConfig>>): NamedSource[] {
  return Object.entries(sources)
    .map(([name, source]) => ({ name, source }))
    .sort((a, b) => ENTITIES.indexOf(effectiveSource(a.source).entity) - ENTITIES.indexOf(effectiveSource(b.source).entity) || a.name.localeCompare(b.name));
}

export async function ingestConfigured(db: Kysely<DB>, config: RadarConfig, options: IngestOptions & { only?: string }): Promise<LoadSummary[]> {
  if (options.only && !(options.only in config.sources)) {
    throw new RadarError('usage', `no source named ${options.only} (configured: ${Object.keys(config.sources).join(', ') || 'none'})`);
  }
  const selected = orderSources(config.sources).filter((named) => !options.only || named.name === options.only);
  const summaries: LoadSummary[] = [];
  for (const named of selected) summaries.push(await ingestSource(db, named, { subscriptions: config.subscriptions, webhooks: config.webhooks, ...options }));
  return summaries;
}

/** Loads a folder laid out like `radar sample` output (with its billing export, if any). Entities without a file are skipped. */
export async function ingestDirectory(db: Kysely<DB>, dir: string, options: Omit<IngestOptions, 'baseDir'>): Promise<LoadSummary[]> {
  const summaries: LoadSummary[] = [];
  let billingExport = false;
  for (const named of sampleFormatSources()) {
    if (named.source.kind !== 'file') continue;
    if (named.source.entity === 'renewals') {
      const billing = subscriptionsFormatSource();
      billingExport = (await expandFiles(billing.source.path, dir)).length > 0;
      if (billingExport) summaries.push(await ingestSource(db, billing, { ...options, baseDir: dir }));
    }
    const files = await expandFiles(named.source.path, dir);
    // Renewals derived from a billing export need no renewals file.
    if (files.length === 0 && billingExport && named.source.entity === 'renewals') continue;
    if (files.length === 0) {
      if (named.source.entity === 'accounts') throw new RadarError('source_unavailable', `${dir}: no accounts file (accounts.csv) — every other file references it`);
      options.logger.warn({ event: 'ingest_file_missing', dir, entity: named.source.entity });
      continue;
    }
    summaries.push(await ingestSource(db, named, { ...options, baseDir: dir }));
  }
  return summaries;
}
