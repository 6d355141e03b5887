import { describe, expect, it } from 'vitest';
import { holdoutBucket, isHoldout } from './holdout.ts';

describe('holdout assignment', () => {
  it('is stable for an account and depends on the salt', () => {
    expect(holdoutBucket('acme', 'salt-a')).toBe(holdoutBucket('acme', 'salt-a'));
    expect(holdoutBucket('acme', 'salt-a')).not.toBe(holdoutBucket('acme', 'salt-b'));
    expect(isHoldout('acme', 0, 'salt-a')).toBe(false);
  });

  it('holds out close to the configured share over many accounts, nested as the share grows', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `account-${i}`);
    const at = (share: number) => ids.filter((id) => isHoldout(id, share, 'renewal-radar-holdout-v1'));
    const ten = at(0.1);
    // Binomial sd at n = 20 000, p = 0.1 is 0.0021: ±0.01 is almost 5 sd.
    expect(Math.abs(ten.length / ids.length - 0.1)).toBeLessThan(0.01);
    expect(Math.abs(at(0.25).length / ids.length - 0.25)).toBeLessThan(0.01);
    const twenty = new Set(at(0.2));
    expect(ten.every((id) => twenty.has(id))).toBe(true); // raising the share keeps the old control group
  });
});
