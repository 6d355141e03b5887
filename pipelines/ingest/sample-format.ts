// The folder format `radar sample` writes, as built-in file sources, so `radar ingest --dir DIR`
// loads it (or a user's own exports laid out the same way) with no config.
import type { FileSource } from '../../config/sources.ts';
import { fileSourceSchema } from '../../config/sources.ts';

/** Entities in load order: accounts first, since every other entity references them. */
export const SAMPLE_FILES = [
  { entity: 'accounts', path: 'accounts.{csv,csv.gz,ndjson,ndjson.gz}' },
  { entity: 'usage_daily', path: 'usage_daily.{csv,csv.gz,ndjson,ndjson.gz}' },
  { entity: 'support_contacts', path: 'support_contacts.{csv,csv.gz,ndjson,ndjson.gz}' },
  { entity: 'invoices', path: 'invoices.{csv,csv.gz,ndjson,ndjson.gz}', mapping: { amount_cents: 'amount' }, money: 'decimal' as const },
  { entity: 'renewals', path: 'renewals.{csv,csv.gz,ndjson,ndjson.gz}' },
  { entity: 'market_events', path: 'market_events.{csv,csv.gz,ndjson,ndjson.gz}' },
  // Bring your own signals: a Segment track export of product events, and NPS survey answers.
  { entity: 'usage_events', path: 'events.{ndjson,ndjson.gz}', preset: 'segment-track' },
  { entity: 'account_signals', path: 'nps_responses.{csv,csv.gz}', mapping: { observed_at: 'responded_at', value: 'score' }, defaults: { name: 'nps' } },
] as const;

export function sampleFormatSources(): Array<{ name: string; source: FileSource }> {
  return SAMPLE_FILES.map(({ entity, ...settings }) => ({
    name: `dir-${entity.replaceAll('_', '-')}`,
    // Parsed through the same schema as user config, so the defaults (maxRejectShare…) are the same.
    source: fileSourceSchema.parse({ kind: 'file', entity, ...settings }),
  }));
}

/**
 * A billing export in the folder (`radar sample --subscriptions` writes one): loaded just before the renewals
 * file, so renewals are derived from it, and a renewals file, if there is one too, wins for its dates.
 */
export function subscriptionsFormatSource(): { name: string; source: FileSource } {
  return { name: 'dir-subscriptions', source: fileSourceSchema.parse({ kind: 'file', entity: 'subscriptions', path: 'subscriptions.{csv,csv.gz,ndjson,ndjson.gz}' }) };
}
