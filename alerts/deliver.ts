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
//
// What counts as a failure. A 429 is Slack refusing the call unprocessed: it is never an attempt
// (the attempt counted before the call is withdrawn), and the full Retry-After is waited — up to
// delivery.rateLimitMaxWaitSeconds per message and run; past that the message, and the rest of the
// run, stay in the outbox for the next run. 5xx and network errors are retried maxAttempts times
// in a run, then left in the outbox too: every later run retries them (history check first) until
// the alert is delivery.retryForHours old, and only then marks it failed. Permanent errors
// (invalid_auth, channel_not_found, …) fail at once and wait for `radar alert --retry-failed`.
// The guarantee rests on: Slack's history showing a post once chat.postMessage returned, the
// lookback window (delivery.historyLookbackMinutes) covering the gap between the attempt and the
// retry's search, and one deliverer at a time (an advisory lock below).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { RadarError } from '../pipelines/errors.ts';
import type { Logger } from '../pipelines/log.ts';
import type { RoutingConfig } from '../config/routing.ts';
import {
  markDryRun, markFailed, markSending, markSent, outbox, recordAttemptError, withdrawAttempt,
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
  /** Permanent failures, and transient ones older than `retryForHours`: only `--retry-failed` retries them. */
  failed: number;
  /** Left in the outbox for the next run: transient failures (5xx, network, unreadable history) and rate limits. */
  deferred: number;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Exponential backoff: base × 2^(attempt−1), capped. */
export function backoffMs(attempt: number, retry: Pick<RoutingConfig['delivery'], 'baseDelayMs' | 'maxDelayMs'>): number {
  return Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** Math.max(0, attempt - 1));
}

/** Whether a message that met only transient failures is still retried by the next run (pure). */
export function withinRetryAge(createdAt: Date, now: Date, retry: Pick<RoutingConfig['delivery'], 'retryForHours'>): boolean {
  return now.getTime() - createdAt.getTime() < retry.retryForHours * 3_600_000;
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

/** Per run: once Slack asks for a longer wait than the ceiling, the run's remaining messages wait for the next run. */
interface RunState {
  rateLimited: boolean;
}
const RATE_LIMITED_RUN = 'not tried: Slack rate-limited this run past delivery.rateLimitMaxWaitSeconds (the next run retries)';

export async function deliverOutbox(db: Kysely<DB>, options: DeliveryOptions): Promise<DeliverySummary> {
  return db.connection().execute(async (connection) => {
    await sql`SELECT pg_advisory_lock(${DELIVERY_LOCK})`.execute(connection);
    try {
      const summary: DeliverySummary = { sent: 0, recovered: 0, dryRun: 0, failed: 0, deferred: 0 };
      const rows = await outbox(connection, { retryFailed: Boolean(options.retryFailed) });
      const state: RunState = { rateLimited: false };
      for (const row of rows) {
        if (state.rateLimited && options.slack) {
          await recordAttemptError(connection, row.alertId, RATE_LIMITED_RUN);
          summary.deferred += 1;
          continue;
        }
        summary[await deliverOne(connection, row, options, state)] += 1;
      }
      if (state.rateLimited) options.logger.warn({ event: 'delivery_rate_limited', deferred: summary.deferred, note: 'Slack asked to wait longer than delivery.rateLimitMaxWaitSeconds; the next run delivers the rest' });
      return summary;
    } finally {
      await sql`SELECT pg_advisory_unlock(${DELIVERY_LOCK})`.execute(connection);
    }
  });
}

/**
 * What a sending step's delivery means for its caller: every message out (undefined), or an error
 * for the CLI's exit code and the job's state — `delivery_failed` when some need a person
 * (`--retry-failed` after a fix), `delivery_deferred` when the rest only waits for the next run.
 */
export function undeliveredError(step: string, delivery: Pick<DeliverySummary, 'failed' | 'deferred'>): RadarError | undefined {
  const { failed, deferred } = delivery;
  if (failed === 0 && deferred === 0) return undefined;
  const parts = [
    ...(failed > 0 ? [`${failed} failed (see \`radar alerts list --failed\`; after fixing the cause, \`radar alert --retry-failed\`)`] : []),
    ...(deferred > 0 ? [`${deferred} left in the outbox after transient Slack errors or rate limits (the next run retries them)`] : []),
  ];
  return new RadarError(failed > 0 ? 'delivery_failed' : 'delivery_deferred', `${step}: not every message reached Slack: ${parts.join('; ')}`, { failed, deferred });
}

type Result = keyof DeliverySummary;

async function deliverOne(db: Queryable, row: OutboxRow, options: DeliveryOptions, state: RunState): Promise<Result> {
  const { logger } = options;
  const message = messageOf(row);
  if (!options.slack) return dryRun(db, row, message, options);
  const slack = options.slack;
  const log = { alertId: row.alertId, dedupKey: row.dedupKey, kind: row.kind };

  /** A transient failure: the next run retries, unless the message is past the retry age. */
  const transient = async (reason: string): Promise<Result> => {
    if (withinRetryAge(row.createdAt, options.now(), options.retry)) {
      await recordAttemptError(db, row.alertId, `${reason} (the next run retries)`);
      logger.warn({ event: 'alert_deferred', ...log, reason });
      return 'deferred';
    }
    await markFailed(db, row.alertId, `${reason}; still failing ${options.retry.retryForHours} h after the alert was created`);
    logger.warn({ event: 'alert_failed', ...log, reason });
    return 'failed';
  };

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
      return transient(`conversations.open: ${failure.reason}`);
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
      return transient(reason);
    }
  };

  // An earlier attempt may have reached Slack: look before posting.
  if (row.attempts > 0) {
    const found = await findEarlierPost();
    if (found) return found;
  }

  const sleep = options.sleep ?? sleepFor;
  const rateLimitBudgetMs = options.retry.rateLimitMaxWaitSeconds * 1000;
  let rateLimitWaitedMs = 0;
  // Attempts in this run after 5xx and network errors; 429s do not count.
  for (let attempt = 1; ; ) {
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
      if (failure.kind === 'rate_limited') {
        // Not processed by Slack, so not an attempt: nothing can have been posted.
        await withdrawAttempt(db, row.alertId, failure.reason);
        const wait = failure.retryAfterMs ?? backoffMs(1, options.retry);
        if (rateLimitWaitedMs + wait > rateLimitBudgetMs) {
          state.rateLimited = true;
          return transient(`${failure.reason}: Slack asked to wait ${Math.ceil(wait / 1000)} s, past delivery.rateLimitMaxWaitSeconds = ${options.retry.rateLimitMaxWaitSeconds}`);
        }
        rateLimitWaitedMs += wait;
        await sleep(wait);
        continue;
      }
      if (attempt >= options.retry.maxAttempts) return transient(`${failure.reason} on ${attempt} attempts in this run`);
      await recordAttemptError(db, row.alertId, failure.reason);
      await sleep(backoffMs(attempt, options.retry));
      attempt += 1;
      if (failure.ambiguous) {
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
