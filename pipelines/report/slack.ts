// The weekly summary for the leadership channel: plain text (notifications, fallbacks) and minimal
// Block Kit. Pure; posting goes through the alerts outbox (wired by the CLI, not here).
import type { WeeklyFigures } from './build.ts';
import { money, percent } from './format.ts';

export interface SlackSummary {
  readonly text: string;
  readonly blocks: readonly Record<string, unknown>[];
}

/** Escapes Slack mrkdwn control characters (&, <, >). */
const mrkdwn = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function weeklySummaryMessage(figures: WeeklyFigures, options: { topAccounts?: number } = {}): SlackSummary {
  const m = (cents: number) => money(cents, figures.currency);
  const { week, quarterToDate } = figures.renewals;
  const stale = figures.freshness.filter((source) => source.stale).map((source) => source.source);
  const top = figures.topAccounts.slice(0, options.topAccounts ?? 3);
  const lines = [
    `Renewals this week: ${week.decided} decided, logo renewal ${percent(week.logoRenewalRate)}, GRR ${percent(week.grossRevenueRetention)}, NRR ${percent(week.netRevenueRetention)}; churned ${m(week.churnedCents)}, saved ${m(week.savedCents)}.`,
    `Quarter to date: GRR ${percent(quarterToDate.grossRevenueRetention)}, NRR ${percent(quarterToDate.netRevenueRetention)} over ${quarterToDate.decided} renewals.`,
    `At risk, renewing in ${figures.horizonDays} days: ${m(figures.atRisk.atRiskCents)} across ${figures.atRisk.atRiskAccounts} accounts (expected loss ${m(figures.atRisk.expectedLossCents)}).`,
  ];
  if (stale.length > 0) lines.push(`Stale data: ${stale.join(', ')}.`);
  const title = `Weekly retention report ${figures.week}`;
  const text = `${title}\n${lines.join('\n')}`;
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: title, emoji: false } },
    { type: 'section', text: { type: 'mrkdwn', text: lines.map(mrkdwn).join('\n') } },
  ];
  if (top.length > 0) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*Top at-risk accounts*\n${top.map((account, i) => `${i + 1}. ${mrkdwn(account.name)}: ${m(account.arrCents)} ARR, ${percent(account.probability)} churn risk, renews in ${account.daysToRenewal} days`).join('\n')}`,
      },
    });
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Week ${figures.periods.thisWeek.from} … ${figures.periods.thisWeek.to}. Full report: radar report weekly --week ${figures.week}` }] });
  return { text, blocks };
}
