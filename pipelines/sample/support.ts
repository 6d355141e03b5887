// Support contacts: a steady trickle sized by segment, heavier during onboarding. Distressed terms
// either go quiet (the customer stops asking) or escalate (urgent tickets, angry ratings).
import type { SampleWindow } from './accounts.ts';
import type { Priority, Segment, SupportChannel } from './catalog.ts';
import { instantOf, isWeekend, type Day, type Instant } from './days.ts';
import { periodIndexAt, type AccountLife, type ContractPeriod } from './lifecycle.ts';
import { SUPPORT_SHIFT } from './mechanisms.ts';
import { clamp, randomStream, type Random } from './random.ts';

export interface SupportContact {
  readonly accountId: string;
  readonly openedAt: Instant;
  readonly closedAt: Instant | null;
  readonly channel: SupportChannel;
  readonly priority: Priority;
  readonly category: string;
  readonly satisfaction: number | null;
}

const CHANNEL_WEIGHTS: Record<Segment, Record<SupportChannel, number>> = {
  smb: { email: 40, chat: 35, web: 20, phone: 5 },
  'mid-market': { email: 40, chat: 25, web: 15, phone: 20 },
  enterprise: { email: 35, chat: 20, web: 10, phone: 35 },
};
const USUAL_PRIORITY: Record<Priority, number> = { low: 25, normal: 50, high: 20, urgent: 5 };
const ESCALATION_PRIORITY: Record<Priority, number> = { low: 0, normal: 0, high: 45, urgent: 55 };
const USUAL_CATEGORY = { 'how-to': 30, bug: 20, billing: 10, 'feature-request': 15, integration: 10, access: 10, performance: 5 };
const ESCALATION_CATEGORY = { bug: 40, performance: 25, outage: 20, billing: 15 };
/** Median hours to close, by priority. */
const RESOLUTION_HOURS: Record<Priority, number> = { low: 48, normal: 24, high: 10, urgent: 4 };
const ONBOARDING_DAYS = 90;
const BLOCK_DAYS = 30;

function openedAt(rng: Random, day: Day): Instant {
  // Weekend tickets are rarer: most would have been opened on the Monday.
  const shifted = isWeekend(day) && rng.chance(0.6) ? day + (isWeekend(day + 1) ? 2 : 1) : day;
  return instantOf(shifted, Math.round(rng.between(7, 19) * 3600));
}

function contact(rng: Random, life: AccountLife, period: ContractPeriod, day: Day, escalation: boolean, endOfRecords: Instant): SupportContact {
  const opened = openedAt(rng, day);
  const priority = rng.weighted(escalation ? ESCALATION_PRIORITY : USUAL_PRIORITY);
  const closed = opened + Math.round(rng.logNormal(RESOLUTION_HOURS[priority], 1) * 3600);
  const isClosed = closed < endOfRecords && !rng.chance(0.01);
  const mood = 4.3 - 0.35 * period.distress - (escalation ? 1.8 : 0) + rng.normal(0, 0.8);
  return {
    accountId: life.account.id,
    openedAt: opened,
    closedAt: isClosed ? closed : null,
    channel: rng.weighted(CHANNEL_WEIGHTS[life.account.segment]),
    priority,
    category: escalation ? rng.weighted(ESCALATION_CATEGORY) : rng.weighted(USUAL_CATEGORY),
    satisfaction: isClosed && rng.chance(0.55) ? clamp(Math.round(mood), 1, 5) : null,
  };
}

function usualRate(life: AccountLife, period: ContractPeriod, day: Day): number {
  const onboarding = day - life.account.contractStart < ONBOARDING_DAYS ? 2.5 : 1;
  const quiet = period.support === 'quiet' && day >= period.quietFrom ? SUPPORT_SHIFT.quietRateFactor : 1;
  return (life.account.traits.supportPerMonth * onboarding * quiet * BLOCK_DAYS) / 30;
}

export function supportContacts(life: AccountLife, window: SampleWindow, seed: number): SupportContact[] {
  const rng = randomStream(seed, 'support', life.account.index);
  const endOfRecords = instantOf(window.end + 1);
  const lastOpenDay = Math.min(life.lastDay, window.end);
  const contacts: SupportContact[] = [];
  const add = (day: Day, escalation: boolean) => {
    const period = life.periods[periodIndexAt(life, day)] as ContractPeriod;
    const ticket = contact(rng, life, period, day, escalation, endOfRecords);
    if (ticket.openedAt < endOfRecords && ticket.openedAt < instantOf(lastOpenDay + 1)) contacts.push(ticket);
  };
  for (let blockStart = life.firstDay; blockStart <= lastOpenDay; blockStart += BLOCK_DAYS) {
    const blockEnd = Math.min(lastOpenDay, blockStart + BLOCK_DAYS - 1);
    const period = life.periods[periodIndexAt(life, blockStart + Math.floor((blockEnd - blockStart) / 2))] as ContractPeriod;
    const count = rng.poisson((usualRate(life, period, blockStart) * (blockEnd - blockStart + 1)) / BLOCK_DAYS);
    for (let i = 0; i < count; i++) add(rng.int(blockStart, blockEnd), false);
  }
  for (const period of life.periods) {
    if (period.support !== 'escalation') continue;
    const count = rng.poisson(SUPPORT_SHIFT.escalationTickets + SUPPORT_SHIFT.escalationTicketsPerUnit * period.supportIntensity);
    for (let i = 0; i < count; i++) {
      const day = rng.int(period.renewal - SUPPORT_SHIFT.escalationDays[0], period.renewal - SUPPORT_SHIFT.escalationDays[1]);
      if (day >= life.firstDay && day <= lastOpenDay) add(day, true);
    }
  }
  return contacts;
}
