import type { Tier } from '../config/routing.ts';

export type { Tier };
export const TIERS: readonly Tier[] = ['low', 'medium', 'high', 'critical'];

export function tierRank(tier: Tier): number {
  return TIERS.indexOf(tier);
}

export function isTier(value: unknown): value is Tier {
  return typeof value === 'string' && (TIERS as readonly string[]).includes(value);
}

export function asTier(value: string): Tier {
  if (!isTier(value)) throw new Error(`unknown tier "${value}"`);
  return value;
}
