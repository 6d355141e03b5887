import { describe, expect, it } from 'vitest';
import { inShard, shardJobId, shardOf } from './shards.ts';

describe('account shards', () => {
  it('hashes ids with murmur3 fmix32 (values computed by hand from the finaliser)', () => {
    // fmix32(1) = 0x514e28b7 = 1364076727; 1364076727 mod 4 = 3, mod 3 = 1.
    expect(shardOf(1, 4)).toBe(3);
    expect(shardOf(1, 3)).toBe(1);
    expect(shardOf(0, 7)).toBe(0); // fmix32(0) = 0
    expect(shardOf(1, 1)).toBe(0);
  });

  it('splits any id set into disjoint shards that cover it, each within 10% of an even share', () => {
    const ids = Array.from({ length: 8_000 }, (_, i) => 1 + i);
    const parts = [0, 1, 2, 3].map((index) => inShard(ids, { index, count: 4 }));
    expect(parts.flat().sort((a, b) => a - b)).toEqual(ids);
    for (const part of parts) expect(Math.abs(part.length - 2_000)).toBeLessThan(200);
    expect(inShard(ids, { index: 0, count: 1 })).toEqual(ids);
  });

  it('rejects a shard outside its count', () => {
    expect(() => inShard([1], { index: 4, count: 4 })).toThrow(/shard must be a whole number in \[0, 4\), got 4 of 4/);
  });

  it('names shard jobs 1-based', () => {
    expect(shardJobId('2026-11-21', { index: 1, count: 4 })).toBe('daily/2026-11-21/shard-2-of-4');
  });
});
