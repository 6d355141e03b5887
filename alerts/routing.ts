// Who receives an account's alert: pure, given the account, the config and the Slack ids already known.
import type { RoutingConfig } from '../config/routing.ts';
import type { Tier } from './tiers.ts';
import { tierRank } from './tiers.ts';

export interface RoutableAccount {
  readonly segment: string;
  readonly arrCents: number;
  readonly csmEmail: string | null;
  readonly csmSlackId: string | null;
}

/** Where a message goes. `recipient` is the key budgets, digests and `tasks list --owner` group by. */
export type Route =
  | { readonly kind: 'user'; readonly recipient: string; readonly slackUserId: string; readonly csmEmail: string | null }
  | { readonly kind: 'channel'; readonly recipient: string; readonly channel: string; readonly csmEmail: string | null; readonly reason: string };

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Whether a score is high enough, and the account large enough, to alert at all. */
export function meetsThreshold(tier: Tier, arrCents: number, routing: Pick<RoutingConfig, 'minimumTier' | 'minimumArrCents'>): boolean {
  return tierRank(tier) >= tierRank(routing.minimumTier) && arrCents >= routing.minimumArrCents;
}

export function fallbackChannel(segment: string, routing: Pick<RoutingConfig, 'fallbackChannels' | 'defaultChannel'>): string {
  return routing.fallbackChannels[segment] ?? routing.defaultChannel;
}

/**
 * The CSM's Slack user id from, in order: the account row, `routing.csmSlackIds`, the lookup cache
 * (`known`: email → id, or null for an email Slack does not know). `undefined` = not looked up yet.
 */
export function knownSlackId(account: RoutableAccount, routing: Pick<RoutingConfig, 'csmSlackIds'>, known: ReadonlyMap<string, string | null>): string | null | undefined {
  if (account.csmSlackId) return account.csmSlackId;
  if (!account.csmEmail) return null;
  const email = normaliseEmail(account.csmEmail);
  const configured = Object.entries(routing.csmSlackIds).find(([key]) => normaliseEmail(key) === email)?.[1];
  if (configured) return configured;
  return known.get(email);
}

/** Routes an account whose CSM lookup (if any) is done: the CSM by DM, else the segment's channel. */
export function routeAccount(account: RoutableAccount, routing: Pick<RoutingConfig, 'csmSlackIds' | 'fallbackChannels' | 'defaultChannel'>, known: ReadonlyMap<string, string | null>): Route {
  const csmEmail = account.csmEmail ? normaliseEmail(account.csmEmail) : null;
  const slackId = knownSlackId(account, routing, known);
  if (slackId) return { kind: 'user', recipient: csmEmail ?? `slack:${slackId}`, slackUserId: slackId, csmEmail };
  const channel = fallbackChannel(account.segment, routing);
  return {
    kind: 'channel',
    recipient: channel,
    channel,
    csmEmail,
    reason: csmEmail ? 'CSM has no Slack account' : 'account has no CSM',
  };
}

/** Manager id or team channel for an escalation about a task of `csmEmail`'s account. */
export function escalationTarget(csmEmail: string | null, segment: string, routing: Pick<RoutingConfig, 'managers' | 'escalationChannel' | 'fallbackChannels' | 'defaultChannel'>): string {
  if (csmEmail) {
    const email = normaliseEmail(csmEmail);
    const manager = Object.entries(routing.managers).find(([key]) => normaliseEmail(key) === email)?.[1];
    if (manager) return manager;
  }
  return routing.escalationChannel || fallbackChannel(segment, routing);
}

/** Slack user ids start with U or W; a DM to one needs conversations.open first. */
export function isSlackUserId(target: string): boolean {
  return /^[UW][A-Z0-9]{2,}$/.test(target);
}
