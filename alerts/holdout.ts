// The control group: a stable pseudo-random share of accounts that get no alerts, so the effect of
// alerting can be measured. Assignment hashes the account's external id (stable across databases,
// unlike the identity column) with a fixed salt from config; the decision is recorded on the alert row.
import { createHash } from 'node:crypto';

/** A number in [0, 1) fixed for (salt, account). */
export function holdoutBucket(accountKey: string, salt: string): number {
  const digest = createHash('sha256').update(`${salt}\u0000${accountKey}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

export function isHoldout(accountKey: string, share: number, salt: string): boolean {
  return share > 0 && holdoutBucket(accountKey, salt) < share;
}
