// Slack request signatures (https://api.slack.com/authentication/verifying-requests-from-slack):
// X-Slack-Signature = 'v0=' + hex HMAC-SHA256(signing secret, 'v0:' + X-Slack-Request-Timestamp + ':' + raw body),
// compared in constant time, with the timestamp within 5 minutes of now (the clock is a parameter).
import { createHmac, timingSafeEqual } from 'node:crypto';

export const MAX_SKEW_SECONDS = 5 * 60;

export type Verification = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export function slackSignature(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(rawBody).digest('hex')}`;
}

export function verifySlackRequest(input: {
  readonly secret: string;
  readonly timestamp: string | undefined;
  readonly signature: string | undefined;
  readonly rawBody: Buffer;
  readonly now: Date;
}): Verification {
  const { timestamp, signature } = input;
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'missing or malformed X-Slack-Request-Timestamp' };
  if (Math.abs(input.now.getTime() / 1000 - Number(timestamp)) > MAX_SKEW_SECONDS) return { ok: false, reason: 'timestamp more than 5 minutes from now' };
  if (!signature || !/^v0=[0-9a-f]{64}$/.test(signature)) return { ok: false, reason: 'missing or malformed X-Slack-Signature' };
  const expected = Buffer.from(slackSignature(input.secret, timestamp, input.rawBody), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  // Same length by the pattern above; timingSafeEqual throws on different lengths.
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'signature mismatch' };
  return { ok: true };
}
