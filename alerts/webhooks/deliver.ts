// `radar webhooks deliver` and the daily run's webhooks step: sends what the outbox holds that is due.
// Each round claims due rows (sql/webhooks.ts claimDue: leased, SKIP LOCKED, at most one pending event
// per endpoint and account at a time, so an account's events arrive in order), POSTs them signed
// (sign.ts), and records the answer: 2xx delivered; anything else, a timeout or a network error is a
// failed attempt, retried with exponential backoff (backoff.ts) until retry.maxAttempts, then
// dead-lettered. A receiver dedupes on `webhook-id`, which is the same on every attempt.
import type { Kysely } from 'kysely';
import { readSecret } from '../../config/environment.ts';
import type { WebhookEndpoint } from '../../config/webhooks.ts';
import type { Logger } from '../../pipelines/log.ts';
import type { DB } from '../../sql/schema.ts';
import { claimDue, markAttemptFailed, markDelivered, nextClaimableAt, type OutboxRow } from '../../sql/webhooks.ts';
import { nextAttemptAt } from './backoff.ts';
import { webhookBody } from './payload.ts';
import { secretKey, signatureHeaders } from './sign.ts';

export interface WebhookDeliveryOptions {
  readonly endpoints: readonly WebhookEndpoint[];
  readonly logger: Logger;
  readonly now: () => Date;
  /** Reads a secret by variable name; config/environment.ts readSecret by default. */
  readonly secret?: (variable: string) => string | undefined;
  /** Also wait for retries that fall due within this many ms (default 0: one pass over what is due now). */
  readonly waitMs?: number;
  /** Rows claimed per round (default 50) and sent at once (default 8). */
  readonly batchSize?: number;
  readonly concurrency?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface WebhookDeliverySummary {
  readonly delivered: number;
  /** Failed attempts that will be retried. */
  readonly retrying: number;
  readonly dead: number;
  /** Endpoints skipped because their secret variable is unset or malformed (their events wait in the outbox). */
  readonly withoutSecret: readonly string[];
}

const LEASE_MARGIN_MS = 30_000;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Attempted {
  readonly ok: boolean;
  readonly status: number | null;
  readonly error: string;
  readonly retryAfterSeconds?: number | undefined;
}

async function post(endpoint: WebhookEndpoint, key: Buffer, row: OutboxRow, now: Date): Promise<Attempted> {
  const body = webhookBody(row, endpoint);
  const headers = signatureHeaders(key, row.eventId, Math.floor(now.getTime() / 1000), body);
  try {
    const response = await fetch(endpoint.url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'user-agent': 'renewal-radar-webhooks' },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(endpoint.timeoutMs),
    });
    // Read the answer (within the same timeout) so the connection is released; its content is not kept.
    await response.arrayBuffer();
    if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status, error: '' };
    const retryAfter = Number(response.headers.get('retry-after'));
    return { ok: false, status: response.status, error: `HTTP ${response.status}`, retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined };
  } catch (error) {
    const name = (error as Error).name;
    const message = name === 'TimeoutError' || name === 'AbortError' ? `timed out after ${endpoint.timeoutMs} ms` : `request failed: ${(error as Error).message}`;
    return { ok: false, status: null, error: message };
  }
}

async function inPool<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
}

export async function deliverWebhooks(db: Kysely<DB>, options: WebhookDeliveryOptions): Promise<WebhookDeliverySummary> {
  const { logger, now } = options;
  const readVariable = options.secret ?? ((variable: string) => readSecret(variable));
  const sleep = options.sleep ?? defaultSleep;
  const ready = new Map<string, { endpoint: WebhookEndpoint; key: Buffer }>();
  const withoutSecret: string[] = [];
  for (const endpoint of options.endpoints) {
    // One endpoint's missing or malformed secret must not stop the others (nor fail the daily run).
    try {
      const value = readVariable(endpoint.secretEnv);
      if (value === undefined) throw new Error(`${endpoint.secretEnv} is not set`);
      ready.set(endpoint.id, { endpoint, key: secretKey(value, endpoint.secretEnv) });
    } catch (error) {
      withoutSecret.push(endpoint.id);
      logger.warn({ event: 'webhook_secret_unusable', endpoint: endpoint.id, variable: endpoint.secretEnv, reason: (error as Error).message });
    }
  }
  const endpointIds = [...ready.keys()];
  const totals = { delivered: 0, retrying: 0, dead: 0 };
  const leaseMs = Math.max(0, ...[...ready.values()].map(({ endpoint }) => endpoint.timeoutMs)) + LEASE_MARGIN_MS;
  const deadline = now().getTime() + (options.waitMs ?? 0);

  const attempt = async (row: OutboxRow) => {
    const { endpoint, key } = ready.get(row.endpointId)!;
    const result = await post(endpoint, key, row, now());
    const at = now();
    const log = { endpoint: row.endpointId, eventId: row.eventId, type: row.eventType, attempt: row.attempts, status: result.status };
    if (result.ok) {
      await markDelivered(db, row.outboxId, { status: result.status!, now: at });
      totals.delivered += 1;
      logger.info({ event: 'webhook_delivered', ...log });
      return;
    }
    const retryAt = nextAttemptAt(at, row.attempts, endpoint.retry, result.retryAfterSeconds);
    await markAttemptFailed(db, row.outboxId, { status: result.status, error: result.error, now: at, retryAt });
    if (retryAt) totals.retrying += 1;
    else totals.dead += 1;
    logger.warn({ event: retryAt ? 'webhook_attempt_failed' : 'webhook_dead_lettered', ...log, error: result.error, ...(retryAt ? { retryAt: retryAt.toISOString() } : {}) });
  };

  for (;;) {
    const at = now();
    const claimed = await claimDue(db, { endpointIds, now: at, leaseUntil: new Date(at.getTime() + leaseMs), limit: options.batchSize ?? 50 });
    if (claimed.length > 0) {
      await inPool(claimed, options.concurrency ?? 8, attempt);
      continue;
    }
    // Nothing claimable now: wait for the next retry if it falls due before the deadline, else stop.
    const next = await nextClaimableAt(db, endpointIds);
    const wakeAt = Math.max(next?.getTime() ?? Number.POSITIVE_INFINITY, now().getTime() + 10);
    if (wakeAt > deadline) break;
    await sleep(wakeAt - now().getTime());
  }
  return { ...totals, withoutSecret };
}
