// Daily product usage: weekly rhythm, onboarding ramp, growth or shrinkage with the account's
// health, noise, the odd zero day (a tracking outage), and — the mechanism — a drop that sets in
// 60–200 days before a distressed renewal.
import type { SampleWindow } from './accounts.ts';
import { isWeekend, type Day } from './days.ts';
import { periodIndexAt, type AccountLife, type ContractPeriod } from './lifecycle.ts';
import { clamp, randomStream } from './random.ts';

export interface UsageRow {
  readonly accountId: string;
  readonly day: Day;
  readonly activeUsers: number;
  readonly sessions: number;
  readonly events: number;
  readonly minutes: number;
  readonly licensedSeats: number | null;
}

const ONBOARDING_DAYS = 60;
const ZERO_DAY_SHARE = 0.003;

/** How far usage has dropped on `day` because of the term's decay (1 = not at all). */
function decayFactor(period: ContractPeriod, day: Day): number {
  if (period.usageDecay === 0) return 1;
  const onset = period.renewal - period.decayOnsetDays;
  return 1 - period.usageDecay * clamp((day - onset) / period.decayRampDays, 0, 1);
}

export function* usageRows(life: AccountLife, window: SampleWindow, seed: number): Generator<UsageRow> {
  const { account } = life;
  const { traits } = account;
  const rng = randomStream(seed, 'usage', account.index);
  const openingPeriod = life.periods[periodIndexAt(life, life.firstDay)] as ContractPeriod;
  const baseUsers = openingPeriod.seats * traits.utilisation;
  const growthPerDay = Math.log(1 + traits.annualGrowth) / 365;
  let periodIndex = 0;
  for (let day = life.firstDay; day <= life.lastDay; day++) {
    periodIndex = periodIndexAt(life, day, periodIndex);
    const period = life.periods[periodIndex] as ContractPeriod;
    const licensedSeats = account.seatsKnown ? period.seats : null;
    if (rng.chance(ZERO_DAY_SHARE)) {
      yield { accountId: account.id, day, activeUsers: 0, sessions: 0, events: 0, minutes: 0, licensedSeats };
      continue;
    }
    const age = day - account.contractStart;
    const onboarding = age < ONBOARDING_DAYS ? 0.35 + (0.65 * age) / ONBOARDING_DAYS : 1;
    const trend = Math.exp(growthPerDay * (day - life.firstDay));
    const weekly = isWeekend(day) ? traits.weekendFactor : 1;
    const expected = baseUsers * trend * onboarding * decayFactor(period, day) * weekly;
    // Active users cannot exceed the seats bought (a little slack for seat sharing).
    const activeUsers = Math.min(Math.round(period.seats * 1.05), Math.round(expected * Math.exp(rng.normal(0, 0.15))));
    const sessions = Math.round(activeUsers * traits.sessionsPerUser * Math.exp(rng.normal(0, 0.1)));
    yield {
      accountId: account.id,
      day,
      activeUsers,
      sessions,
      events: Math.round(sessions * traits.eventsPerSession * Math.exp(rng.normal(0, 0.15))),
      minutes: Math.round(sessions * traits.minutesPerSession * Math.exp(rng.normal(0, 0.12))),
      licensedSeats,
    };
  }
}
