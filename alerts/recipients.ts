// Where each account's message goes, for every step that messages CSMs (risk alerts, the renewal
// calendar): CSM emails resolved to Slack ids once (the answer, or Slack's "no such user", cached in
// slack_users), then routing.ts's pure rule; in a dry run nothing is looked up.
import type { RadarConfig } from '../config/schema.ts';
import { cacheSlackUser, cachedSlackUsers, type Queryable } from '../sql/alerts.ts';
import type { SlackApi } from './slack.ts';
import { knownSlackId, normaliseEmail, routeAccount, type RoutableAccount, type Route } from './routing.ts';

/** The route of each account, in order. */
export async function resolveRoutes(db: Queryable, accounts: readonly RoutableAccount[], options: { routing: RadarConfig['routing']; slack: SlackApi | null; now: () => Date }): Promise<Route[]> {
  const { routing, slack } = options;
  const known = await cachedSlackUsers(db);
  if (slack) {
    for (const account of accounts) {
      if (!account.csmEmail || knownSlackId(account, routing, known) !== undefined) continue;
      const email = normaliseEmail(account.csmEmail);
      const found = await slack.lookupUserByEmail(email);
      const result = found.found ? { slackId: found.userId } : { error: found.reason };
      await cacheSlackUser(db, email, result, options.now());
      known.set(email, found.found ? found.userId : null);
    }
  }
  return accounts.map((account) => (slack || knownSlackId(account, routing, known) ? routeAccount(account, routing, known) : dryRunRoute(account, routing, known)));
}

/** The Slack target of a route: a user id (opened as a DM on delivery) or a channel. */
export function targetOf(route: Route): string {
  return route.kind === 'user' ? route.slackUserId : route.channel;
}

/**
 * Without a token nothing can be looked up: a CSM whose Slack id is not known yet is shown in the
 * dry run as `csm:<email>` (the outbox is local; the message itself holds no email).
 */
function dryRunRoute(account: RoutableAccount, routing: RadarConfig['routing'], known: ReadonlyMap<string, string | null>): Route {
  if (!account.csmEmail || known.get(normaliseEmail(account.csmEmail)) === null) return routeAccount(account, routing, known);
  const email = normaliseEmail(account.csmEmail);
  return { kind: 'channel', recipient: email, channel: `csm:${email}`, csmEmail: email, reason: 'dry run: Slack id not looked up' };
}
