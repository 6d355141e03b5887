// Standard Webhooks signing (https://www.standardwebhooks.com): the secret is `whsec_` + base64 of
// 24–64 random bytes; the signature is `v1,` + base64(HMAC-SHA256(key, `${id}.${timestamp}.${body}`)).
import { createHmac } from 'node:crypto';
import { RadarError } from '../../pipelines/errors.ts';

const PREFIX = 'whsec_';

/** The HMAC key inside a `whsec_…` secret. Errors name the variable, never the value. */
export function secretKey(value: string, variable: string): Buffer {
  const encoded = value.startsWith(PREFIX) ? value.slice(PREFIX.length) : '';
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(encoded) ? Buffer.from(encoded, 'base64') : Buffer.alloc(0);
  if (key.length < 24 || key.length > 64) {
    throw new RadarError('config_invalid', `${variable} must hold a Standard Webhooks secret: whsec_ followed by the base64 of 24 to 64 random bytes`, { variable });
  }
  return key;
}

export interface SignedHeaders {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
}

/** The three headers of one attempt; `timestamp` is the attempt's time in whole seconds. */
export function signatureHeaders(key: Buffer, id: string, timestamp: number, body: string): SignedHeaders {
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': `v1,${signature}` };
}
