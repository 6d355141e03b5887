// `radar calendar`: what the day's calendar digests hold, as data (--json) and as terminal lines. Pure.
import type { CalendarEntry } from './calendar.ts';
import { cleanText } from './mrkdwn.ts';
import { formatMoney, formatPercent } from './view.ts';

export interface CalendarListing {
  readonly asOf: string;
  readonly digests: readonly {
    readonly recipient: string;
    readonly accounts: readonly {
      readonly accountId: number;
      readonly externalId: string;
      readonly name: string;
      readonly milestone: string;
      readonly daysBefore: number;
      readonly milestoneDay: string;
      readonly renewalDate: string;
      readonly arrCents: number;
      readonly currency: string;
      readonly tier: string | null;
      readonly probability: number | null;
      /** The score stored as of the previous milestone (null for the first milestone or without a score then). */
      readonly previous: { readonly milestone: string; readonly asOf: string; readonly tier: string; readonly probability: number } | null;
      /** Posted by the run of this day already (else: the next run posts it). */
      readonly posted: boolean;
    }[];
  }[];
}

export function calendarListing(asOf: string, entries: readonly CalendarEntry[]): CalendarListing {
  const byRecipient = new Map<string, CalendarListing['digests'][number]['accounts'][number][]>();
  for (const { row, route, input } of entries) {
    const list = byRecipient.get(route.recipient) ?? [];
    list.push({
      accountId: row.accountId, externalId: row.externalId, name: row.name, milestone: input.milestone.title, daysBefore: row.daysBefore, milestoneDay: row.milestoneDay,
      renewalDate: row.renewalDate, arrCents: row.arrCents, currency: row.currency, tier: row.now?.tier ?? null, probability: row.now?.probability ?? null,
      previous: input.previous?.score ? { milestone: input.previous.title, asOf: input.previous.score.asOf, tier: input.previous.score.tier, probability: input.previous.score.probability } : null,
      posted: row.postedAsOf !== null,
    });
    byRecipient.set(route.recipient, list);
  }
  return { asOf, digests: [...byRecipient.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([recipient, accounts]) => ({ recipient, accounts })) };
}

export function calendarLines(listing: CalendarListing): string[] {
  const accounts = listing.digests.reduce((sum, digest) => sum + digest.accounts.length, 0);
  if (accounts === 0) return [`renewal calendar as of ${listing.asOf}: no account reaches a milestone`];
  const lines = [`renewal calendar as of ${listing.asOf}: ${accounts} account${accounts === 1 ? '' : 's'} in ${listing.digests.length} digest${listing.digests.length === 1 ? '' : 's'}`];
  for (const digest of listing.digests) {
    lines.push('', cleanText(digest.recipient));
    for (const account of digest.accounts) {
      const now = account.tier && account.probability !== null ? `${account.tier} ${formatPercent(account.probability)}` : 'not scored';
      const then = account.previous ? `, was ${account.previous.tier} ${formatPercent(account.previous.probability)} at ${cleanText(account.previous.milestone)}` : '';
      const state = account.posted ? 'posted' : 'to post';
      lines.push(`  ${cleanText(account.milestone).padEnd(6)} ${cleanText(account.name, 40)} (${cleanText(account.externalId, 30)}) · ${now}${then} · ${formatMoney(account.arrCents, account.currency)} · renews ${account.renewalDate} · ${state}`);
    }
  }
  return lines;
}
