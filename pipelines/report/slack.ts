// The weekly summary for the leadership channel: plain text (notifications, fallbacks) and minimal
// Block Kit. Pure; posting goes through the alerts outbox (wired by the CLI, not here).
import { fitToSlackLimits, type BlockKitMessage } from '../../alerts/limits.ts';
import { mrkdwnEscape } from '../../alerts/mrkdwn.ts';
import { SHOWN } from '../../alerts/view.ts';
import type { WeeklyFigures } from './build.ts';
import { money, percent } from './format.ts';
import { forecastHeadline } from '../forecast/view.ts';

export type SlackSummary = BlockKitMessage;

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
  if (figures.forecast) lines.push(forecastHeadline(figures.forecast, figures.currency));
  if (stale.length > 0) lines.push(`Stale data: ${stale.map((source) => mrkdwnEscape(source, SHOWN.id)).join(', ')}.`);
  const title = `Weekly retention report ${figures.week}`;
  // `text` is the notification and fallback, parsed as mrkdwn like the section: the same escaped lines.
  const text = `${mrkdwnEscape(title)}\n${lines.join('\n')}`;
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: title, emoji: false } },
    { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
  ];
  if (top.length > 0) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*Top at-risk accounts*\n${top.map((account, i) => `${i + 1}. ${mrkdwnEscape(account.name, SHOWN.name)}: ${m(account.arrCents)} ARR, ${percent(account.probability)} churn risk, renews in ${account.daysToRenewal} days`).join('\n')}`,
      },
    });
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Week ${figures.periods.thisWeek.from} … ${figures.periods.thisWeek.to}. Full report: radar report weekly --week ${figures.week}` }] });
  return fitToSlackLimits({ text, blocks }, 'weekly summary');
}
