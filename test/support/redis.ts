// Redis for the job tests: the server at REDIS_URL (default redis://127.0.0.1:6379). Without one the
// Redis tests skip with the reason printed; under CI=true they fail instead (mirrors database.ts).
// Every test file works under its own BullMQ prefix and deletes its keys at the end.
import { randomBytes } from 'node:crypto';
import { describe, it } from 'vitest';
import { Redis } from 'ioredis';
import { IN_CI } from './database.ts';

export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function probeRedis(url: string): Promise<string | undefined> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    return `no Redis server at ${url.replace(/\/\/[^@]*@/, '//***@')}: ${(error as Error).message}`;
  } finally {
    client.disconnect();
  }
}

export const redisUnavailable = await probeRedis(TEST_REDIS_URL);
export const redisAvailable = redisUnavailable === undefined;
if (redisUnavailable && !IN_CI) console.warn(`[radar tests] skipping Redis tests: ${redisUnavailable}`);

/** A BullMQ prefix no other run uses. */
export function uniquePrefix(label: string): string {
  return `radar-t-${label}-${randomBytes(4).toString('hex')}`;
}

/** Deletes every key under a BullMQ prefix. */
export async function deletePrefix(prefix: string, url = TEST_REDIS_URL): Promise<number> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await client.del(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    await client.quit();
  }
}

/**
 * `describe` that needs Redis (and, with `also`, other reasons to skip such as a missing Postgres
 * server): skipped with the reason without CI, a failing test under CI=true.
 */
export function describeWithRedis(title: string, body: () => void, also: { unavailable?: string | undefined } = {}): void {
  const reason = redisUnavailable ?? also.unavailable;
  if (reason && IN_CI) {
    describe(title, () => {
      it('has its Redis and Postgres servers', () => {
        throw new Error(`CI=true requires the servers: ${reason}`);
      });
    });
    return;
  }
  describe.skipIf(Boolean(reason))(reason ? `${title} (skipped: ${reason})` : title, body);
}
