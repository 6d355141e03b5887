// Account shards of the daily run. An account's shard is a stable hash of its id (murmur3's 32-bit
// finaliser), not id ranges: ranges would put every account created in one import, and so often one
// renewal cohort, into the same shard; the hash spreads any subset of ids evenly and never changes.
import { RadarError } from '../errors.ts';

export interface ShardRef {
  /** 0-based. */
  readonly index: number;
  readonly count: number;
}

export function shardOf(accountId: number, shards: number): number {
  let h = (accountId % 0x1_0000_0000) ^ Math.floor(accountId / 0x1_0000_0000);
  h = Math.imul(h ^ (h >>> 16), 0x85eb_ca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2_ae35);
  h ^= h >>> 16;
  return (h >>> 0) % shards;
}

export function checkShard(shard: ShardRef): ShardRef {
  if (!Number.isInteger(shard.count) || shard.count < 1 || !Number.isInteger(shard.index) || shard.index < 0 || shard.index >= shard.count) {
    throw new RadarError('usage', `shard must be a whole number in [0, ${shard.count}), got ${shard.index} of ${shard.count}`);
  }
  return shard;
}

/** The ids of `accountIds` in the shard (all of them when there is one shard). */
export function inShard(accountIds: readonly number[], shard: ShardRef): number[] {
  checkShard(shard);
  return shard.count === 1 ? [...accountIds] : accountIds.filter((id) => shardOf(id, shard.count) === shard.index);
}

/** `daily/D/shard-2-of-4` (1-based in the id people read). */
export function shardJobId(asOf: string, shard: ShardRef): string {
  return `daily/${asOf}/shard-${shard.index + 1}-of-${shard.count}`;
}
