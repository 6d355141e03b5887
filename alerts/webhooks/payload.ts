// What an endpoint receives for an outbox row (pure). The standard body follows Standard Webhooks:
// { type, timestamp, data }, `timestamp` being when the fact happened. The crm preset is the flat
// record a CRM upserts by external id. Both are built from the stored row alone, so every retry of an
// event sends the same bytes.
import type { WebhookEndpoint } from '../../config/webhooks.ts';
import type { Json, OutboxRowLike } from './types.ts';

const asRecord = (value: Json): Record<string, Json> => (value && typeof value === 'object' && !Array.isArray(value) ? value : {});

/** The crm preset's body: `{ externalId, churnProbability, tier, topDrivers, renewalDate, asOf }`. */
export function crmRecord(data: Json): Record<string, Json> {
  const fields = asRecord(data);
  const drivers = Array.isArray(fields.drivers) ? fields.drivers : [];
  return {
    externalId: fields.externalId ?? null,
    churnProbability: fields.probability ?? null,
    tier: fields.tier ?? null,
    topDrivers: drivers.map((driver) => asRecord(driver).sentence ?? null).filter((sentence): sentence is string => typeof sentence === 'string'),
    renewalDate: fields.renewalDate ?? null,
    asOf: fields.asOf ?? null,
  };
}

export function webhookBody(row: OutboxRowLike, endpoint: Pick<WebhookEndpoint, 'preset'>): string {
  if (endpoint.preset === 'crm') return JSON.stringify(crmRecord(row.data));
  return JSON.stringify({ type: row.eventType, timestamp: row.occurredAt.toISOString(), data: row.data });
}
