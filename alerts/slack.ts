// The Slack side of delivery behind a small interface, implemented with @slack/web-api.
//
// Two WebClients share the token:
// - `reads` (users.lookupByEmail, conversations.open/history/replies, auth.test) are idempotent, so
//   the client's own retry policy (`retryConfig`, p-retry) retries 429s and 5xx for them.
// - `writes` (chat.postMessage) has retries OFF and rejects rate-limited calls at once: a 5xx or a
//   timeout after Slack accepted a post would make an automatic retry post twice. alerts/deliver.ts
//   retries instead, waiting Retry-After on 429 (not processed, safe to repeat) and, after a 5xx or a
//   network error, searching the channel for the message's metadata before posting again.
import { ErrorCode, LogLevel, WebClient, type RetryOptions, type WebAPICallError } from '@slack/web-api';
import type { SlackMessage } from './render.ts';

/** Message metadata that marks a radar post; the dedup key makes a post findable after a crash. */
export const METADATA_EVENT_TYPE = 'radar_alert';

export interface PostRequest {
  readonly channel: string;
  readonly message: SlackMessage;
  readonly threadTs: string | null;
  readonly dedupKey: string;
}

export interface FindRequest {
  readonly channel: string;
  readonly dedupKey: string;
  /** Search the replies of this thread instead of the channel's top-level history. */
  readonly threadTs: string | null;
  /** Slack ts (seconds) before which no attempt was made. */
  readonly oldest: string;
}

export interface SlackApi {
  lookupUserByEmail(email: string): Promise<{ found: true; userId: string } | { found: false; reason: string }>;
  /** The DM channel id with a user (conversations.open); posting and history need it. */
  openDirectMessage(userId: string): Promise<string>;
  postMessage(request: PostRequest): Promise<{ ts: string; channel: string }>;
  /** The ts of a radar message with this dedup key, if one was already posted. */
  findPosted(request: FindRequest): Promise<string | undefined>;
  authTest(): Promise<{ team: string; botUserId: string }>;
}

export interface SlackClientOptions {
  readonly token: string;
  /** SLACK_API_URL, e.g. a local stand-in; default Slack's own. */
  readonly slackApiUrl?: string | undefined;
  /** Retry policy of the idempotent read calls. */
  readonly retryConfig?: RetryOptions;
  /** How many history pages to read when looking for an interrupted post. */
  readonly maxHistoryPages?: number;
}

/** A classified failure of a Slack call. */
export type SlackFailure =
  | { readonly kind: 'rate_limited'; readonly retryAfterMs: number | null; readonly reason: string }
  | { readonly kind: 'transient'; readonly reason: string; readonly ambiguous: boolean }
  | { readonly kind: 'permanent'; readonly reason: string };

const TRANSIENT_PLATFORM_ERRORS = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'ekm_access_denied']);

/**
 * Maps a WebClient error to what delivery does about it: wait and retry (429), back off and retry
 * (5xx, network; `ambiguous` = Slack may have processed the call), or give up with the reason
 * (invalid_auth, channel_not_found, not_in_channel, …). The token never appears in a reason.
 */
export function classifySlackError(error: unknown): SlackFailure {
  const coded = error as Partial<WebAPICallError> & { retryAfter?: number; statusCode?: number; data?: { error?: string } };
  switch (coded.code) {
    case ErrorCode.RateLimitedError:
      return { kind: 'rate_limited', retryAfterMs: typeof coded.retryAfter === 'number' ? coded.retryAfter * 1000 : null, reason: 'ratelimited (HTTP 429)' };
    case ErrorCode.HTTPError: {
      const status = coded.statusCode ?? 0;
      if (status >= 500) return { kind: 'transient', reason: `HTTP ${status}`, ambiguous: true };
      return { kind: 'permanent', reason: `HTTP ${status}` };
    }
    case ErrorCode.RequestError:
      return { kind: 'transient', reason: `request failed: ${(error as Error).message}`, ambiguous: true };
    case ErrorCode.PlatformError: {
      const reason = coded.data?.error ?? 'unknown_error';
      if (reason === 'ratelimited' || reason === 'rate_limited') return { kind: 'rate_limited', retryAfterMs: null, reason };
      if (TRANSIENT_PLATFORM_ERRORS.has(reason)) return { kind: 'transient', reason, ambiguous: true };
      return { kind: 'permanent', reason };
    }
    default:
      return { kind: 'transient', reason: (error as Error)?.message ?? String(error), ambiguous: true };
  }
}

interface HistoryMessage {
  ts?: string;
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
}

export function createSlackApi(options: SlackClientOptions): SlackApi {
  const common = {
    ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl.endsWith('/') ? options.slackApiUrl : `${options.slackApiUrl}/` } : {}),
    // The client's own logger warns on every failed attempt; delivery logs (structured) itself.
    logLevel: LogLevel.ERROR,
  };
  const reads = new WebClient(options.token, {
    ...common,
    retryConfig: options.retryConfig ?? { retries: 5, factor: 2, minTimeout: 1000, maxTimeout: 30_000, randomize: true },
  });
  const writes = new WebClient(options.token, { ...common, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
  const maxPages = options.maxHistoryPages ?? 10;

  const matches = (message: HistoryMessage, dedupKey: string) =>
    message.metadata?.event_type === METADATA_EVENT_TYPE && message.metadata.event_payload?.dedup_key === dedupKey;

  return {
    async lookupUserByEmail(email) {
      try {
        const result = await reads.users.lookupByEmail({ email });
        const id = result.user?.id;
        return id ? { found: true, userId: id } : { found: false, reason: 'no user id in the answer' };
      } catch (error) {
        const failure = classifySlackError(error);
        if (failure.kind === 'permanent' && failure.reason === 'users_not_found') return { found: false, reason: failure.reason };
        throw error;
      }
    },
    async openDirectMessage(userId) {
      const result = await reads.conversations.open({ users: userId });
      const id = result.channel?.id;
      if (!id) throw new Error('conversations.open returned no channel id');
      return id;
    },
    async postMessage(request) {
      const result = await writes.chat.postMessage({
        channel: request.channel,
        text: request.message.text,
        blocks: request.message.blocks as never,
        ...(request.threadTs ? { thread_ts: request.threadTs } : {}),
        unfurl_links: false,
        unfurl_media: false,
        metadata: { event_type: METADATA_EVENT_TYPE, event_payload: { dedup_key: request.dedupKey } },
      });
      if (!result.ts) throw new Error('chat.postMessage returned no ts');
      return { ts: result.ts, channel: result.channel ?? request.channel };
    },
    async findPosted(request) {
      let cursor: string | undefined;
      for (let page = 0; page < maxPages; page += 1) {
        const result = request.threadTs
          ? await reads.conversations.replies({ channel: request.channel, ts: request.threadTs, oldest: request.oldest, include_all_metadata: true, limit: 200, ...(cursor ? { cursor } : {}) })
          : await reads.conversations.history({ channel: request.channel, oldest: request.oldest, include_all_metadata: true, limit: 200, ...(cursor ? { cursor } : {}) });
        const found = (result.messages as HistoryMessage[] | undefined)?.find((message) => matches(message, request.dedupKey));
        if (found?.ts) return found.ts;
        cursor = result.response_metadata?.next_cursor || undefined;
        if (!cursor) return undefined;
      }
      throw new Error(`more than ${maxPages} pages of history to search for ${request.dedupKey}; cannot tell whether it was posted`);
    },
    async authTest() {
      const result = await reads.auth.test();
      return { team: result.team ?? '', botUserId: result.user_id ?? '' };
    },
  };
}
