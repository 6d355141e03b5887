// The outbox worker: delivers committed alert rows to Slack (or, without a token, to local JSON
// files and stdout), retrying what Slack asks to retry and recording every failure's reason.
//
// No double posts. Each message carries metadata {event_type: 'radar_alert', event_payload:
// {dedup_key}}, and the row is committed as 'sending' (attempts + 1, channel resolved to an id)
// BEFORE chat.postMessage is called. So after any interruption — a crash between the post and
// recording its ts, a 5xx or timeout whose request Slack may have processed — the row says that a
// post may exist, and the next attempt first reads the channel's history (or the thread's replies)
// since shortly before that attempt, looking for the dedup key in the metadata; a hit is recorded
// as sent without posting. chat.postMessage itself is never retried blindly: the write client has
// retries off, 429s (never processed) are retried after Retry-After, anything ambiguous goes
// through the history check first. If the history cannot be read (missing scope, channel gone),
// the alert is marked failed with that reason rather than risking a second post.
// The guarantee rests on: Slack's history showing a post once chat.postMessage returned, the
// lookback window (delivery.historyLookbackMinutes) covering the gap between the attempt and the
// retry's search, and one deliverer at a time (an advisory lock below).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Logger } from '../pipelines/log.ts';
import type { RoutingConfig } from '../config/routing.ts';
import {
  markDryRun, markFailed, markSending, markSent, outbox, recordAttemptError,
  type OutboxRow, type Queryable,
} from '../sql/alerts.ts';
import type { DB } from '../sql/schema.ts';
import type { SlackMessage } from './render.ts';
import { asSlackShowsIt } from './slack-display.ts';
import { classifySlackError, type SlackApi } from './slack.ts';
import { isSlackUserId } from './routing.ts';

export interface DeliveryHooks {
  /** Called after Slack accepted a post and before its ts is recorded (tests simulate a crash here). */
  afterPost?(alert: OutboxRow, ts: string): void | Promise<void>;
}

/** Where and how messages go out: shared by delivery and every step that sends (alerts, escalations). */
export interface SendingOptions {
  /** null = dry run: write the outbox directory and stdout instead. */
  readonly slack: SlackApi | null;
  readonly outboxDir: string;
  /** Where the dry run prints each message (stdout in the CLI). */
  readonly print: (line: string) => void;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly retryFailed?: boolean;
  readonly hooks?: DeliveryHooks;
}

export interface DeliveryOptions extends SendingOptions {
  readonly retry: RoutingConfig['delivery'];
}

export interface DeliverySummary {
  sent: number;
  /** Found already posted by an interrupted earlier attempt, recorded without posting. */
  recovered: number;
  dryRun: number;
  failed: number;
  /** Left for the next run (history unreadable for a transient reason). */
  deferred: number;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Exponential backoff: base × 2^(attempt−1), capped. */
export function backoffMs(attempt: number, retry: Pick<RoutingConfig['delivery'], 'baseDelayMs' | 'maxDelayMs'>): number {
  return Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** Math.max(0, attempt - 1));
}

export function outboxFileName(dedupKey: string): string {
  return `${dedupKey.replace(/[^A-Za-z0-9._-]+/g, '_')}.json`;
}

function messageOf(row: OutboxRow): SlackMessage {
  const payload = row.payload as { message?: SlackMessage } | null;
  if (!payload?.message) throw new Error(`alert ${row.alertId} has no rendered message`);
  return payload.message;
}

/** Slack ts (seconds.micro) of an instant. */
function slackTsOf(instant: Date): string {
  return (instant.getTime() / 1000).toFixed(6);
}

const DELIVERY_LOCK = 7_246_101; // arbitrary, constant: one deliverer at a time per database

export async function deliverOutbox(db: Kysely<DB>, options: DeliveryOptions): Promise<DeliverySummary> {
  return db.connection().execute(async (connection) => {
    await sql`SELECT pg_advisory_lock(${DELIVERY_LOCK})`.execute(connection);
    try {
      const summary: DeliverySummary = { sent: 0, recovered: 0, dryRun: 0, failed: 0, deferred: 0 };
      const rows = await outbox(connection, { retryFailed: Boolean(options.retryFailed) });
      for (const row of rows) {
        const result = await deliverOne(connection, row, options);
        summary[result] += 1;
      }
      return summary;
    } finally {
      await sql`SELECT pg_advisory_unlock(${DELIVERY_LOCK})`.execute(connection);
    }
  });
}

type Result = keyof DeliverySummary;

async function deliverOne(db: Queryable, row: OutboxRow, options: DeliveryOptions): Promise<Result> {
  const { logger } = options;
  const message = messageOf(row);
  if (!options.slack) return dryRun(db, row, message, options);
  const slack = options.slack;
  const log = { alertId: row.alertId, dedupKey: row.dedupKey, kind: row.kind };

  if (!row.channel) {
    await markFailed(db, row.alertId, 'no channel to deliver to');
    return 'failed';
  }
  let channel = row.channel;
  if (isSlackUserId(channel)) {
    try {
      channel = await slack.openDirectMessage(channel);
    } catch (error) {
      const failure = classifySlackError(error);
      if (failure.kind === 'permanent') {
        await markFailed(db, row.alertId, `conversations.open: ${failure.reason}`);
        logger.warn({ event: 'alert_failed', ...log, reason: failure.reason });
        return 'failed';
      }
      await recordAttemptError(db, row.alertId, `conversations.open: ${failure.reason}`);
      return 'deferred';
    }
  }

  const findEarlierPost = async (): Promise<Result | undefined> => {
    const since = new Date((row.sendingAt ?? row.createdAt).getTime() - options.retry.historyLookbackMinutes * 60_000);
    try {
      const ts = await slack.findPosted({ channel, dedupKey: row.dedupKey, threadTs: row.threadTs, oldest: slackTsOf(since) });
      if (ts === undefined) return undefined;
      await markSent(db, row.alertId, ts, channel, options.now());
      logger.info({ event: 'alert_recovered', ...log, ts });
      return 'recovered';
    } catch (error) {
      const failure = classifySlackError(error);
      const reason = `cannot check Slack for an earlier post of this alert: ${failure.reason}`;
      if (failure.kind === 'permanent') {
        await markFailed(db, row.alertId, reason);
        return 'failed';
      }
      await recordAttemptError(db, row.alertId, reason);
      return 'deferred';
    }
  };

  // An earlier attempt may have reached Slack: look before posting.
  if (row.attempts > 0) {
    const found = await findEarlierPost();
    if (found) return found;
  }

  const maxAttempts = options.retry.maxAttempts;
  const sleep = options.sleep ?? sleepFor;
  for (let attempt = 1; ; attempt += 1) {
    await markSending(db, row.alertId, channel, options.now());
    let posted: { ts: string; channel: string };
    try {
      posted = await slack.postMessage({ channel, message, threadTs: row.threadTs, dedupKey: row.dedupKey });
    } catch (error) {
      const failure = classifySlackError(error);
      logger.warn({ event: 'alert_attempt_failed', ...log, attempt, kind: failure.kind, reason: failure.reason });
      if (failure.kind === 'permanent') {
        await markFailed(db, row.alertId, failure.reason);
        return 'failed';
      }
      if (attempt >= maxAttempts) {
        await markFailed(db, row.alertId, `gave up after ${attempt} attempts: ${failure.reason}`);
        return 'failed';
      }
      await recordAttemptError(db, row.alertId, failure.reason);
      const wait = failure.kind === 'rate_limited' && failure.retryAfterMs !== null ? failure.retryAfterMs : backoffMs(attempt, options.retry);
      await sleep(Math.min(wait, options.retry.maxDelayMs));
      if (failure.kind === 'transient' && failure.ambiguous) {
        const found = await findEarlierPost();
        if (found) return found;
      }
      continue;
    }
    await options.hooks?.afterPost?.(row, posted.ts);
    await markSent(db, row.alertId, posted.ts, posted.channel, options.now());
    logger.info({ event: 'alert_sent', ...log, ts: posted.ts });
    return 'sent';
  }
}

async function dryRun(db: Queryable, row: OutboxRow, message: SlackMessage, options: DeliveryOptions): Promise<Result> {
  const dir = join(options.outboxDir, row.asOf);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, outboxFileName(row.dedupKey));
  const record = { alertId: row.alertId, dedupKey: row.dedupKey, kind: row.kind, asOf: row.asOf, channel: row.channel, threadTs: row.threadTs, text: message.text, blocks: message.blocks };
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  options.print(`[dry run] ${row.kind} → ${row.channel ?? '(no channel)'}: ${asSlackShowsIt(message.text).text}  (${file})`); // as a reader sees it, not as escaped mrkdwn
  await markDryRun(db, row.alertId, options.now());
  return 'dryRun';
}
