// The raw product event export (Segment track calls): each day's events follow that day's active users,
// with per-account habits, and — the mechanism — a tilt of the feature mix towards exports, billing-page
// visits and seat removals in the months before a distressed renewal (EVENT_MIX), at unchanged volume.
import type { SampleWindow } from './accounts.ts';
import { instantOf, isWeekend, type Day, type Instant } from './days.ts';
import { periodIndexAt, type AccountLife, type ContractPeriod } from './lifecycle.ts';
import { EVENT_MIX } from './mechanisms.ts';
import { clamp, randomStream } from './random.ts';
import { usageRows } from './usage.ts';

export type EventName = keyof typeof EVENT_MIX.perActiveUser;
const EVENT_NAMES = Object.keys(EVENT_MIX.perActiveUser) as EventName[];
const LOADING: Record<EventName, number> = Object.fromEntries(
  EVENT_NAMES.map((name) => [
    name,
    (EVENT_MIX.protective as readonly string[]).includes(name) ? EVENT_MIX.protectiveLoading : (EVENT_MIX.risky as readonly string[]).includes(name) ? EVENT_MIX.riskyLoading : 0,
  ]),
) as Record<EventName, number>;

export interface ProductEvent {
  readonly accountId: string;
  readonly userId: string;
  readonly event: EventName;
  readonly at: Instant;
}

interface PeriodMix {
  /** Full tilt of the mix, reached rampDays after onset. */
  readonly tilt: number;
  readonly onset: Day;
}

/** Each period's mix readout, drawn from its own stream so the other files stay byte-identical. */
function periodMixes(life: AccountLife, seed: number): PeriodMix[] {
  const rng = randomStream(seed, 'event-mix', life.account.index);
  return life.periods.map((period: ContractPeriod) => {
    const signal = period.distress + rng.normal(0, EVENT_MIX.signalNoise);
    return {
      tilt: clamp(EVENT_MIX.perUnit * (signal - EVENT_MIX.threshold), 0, EVENT_MIX.max),
      onset: period.renewal - rng.int(EVENT_MIX.onsetDays[0], EVENT_MIX.onsetDays[1]),
    };
  });
}

/** Expected events per active user of each type on a day with this tilt, rescaled to the untilted total. */
export function mixRates(habits: Readonly<Record<EventName, number>>, tilt: number): Record<EventName, number> {
  let base = 0;
  let tilted = 0;
  const rates = {} as Record<EventName, number>;
  for (const name of EVENT_NAMES) {
    const rate = habits[name];
    const shifted = rate * Math.exp(LOADING[name] * tilt);
    base += rate;
    tilted += shifted;
    rates[name] = shifted;
  }
  for (const name of EVENT_NAMES) rates[name] *= base / tilted;
  return rates;
}

export function* productEvents(life: AccountLife, window: SampleWindow, seed: number): Generator<ProductEvent> {
  const rng = randomStream(seed, 'events', life.account.index);
  const habits = Object.fromEntries(EVENT_NAMES.map((name) => [name, EVENT_MIX.perActiveUser[name] * rng.logNormal(1, EVENT_MIX.habitSpread)])) as Record<EventName, number>;
  const mixes = periodMixes(life, seed);
  let periodIndex = 0;
  for (const usage of usageRows(life, window, seed)) {
    if (usage.activeUsers === 0) continue;
    periodIndex = periodIndexAt(life, usage.day, periodIndex);
    const mix = mixes[periodIndex]!;
    const tilt = mix.tilt * clamp((usage.day - mix.onset) / EVENT_MIX.rampDays, 0, 1);
    const rates = mixRates(habits, tilt);
    // Working hours, later on weekends; users drawn from the day's active ones.
    const [from, to] = isWeekend(usage.day) ? [10 * 3600, 22 * 3600] : [7 * 3600, 20 * 3600];
    for (const event of EVENT_NAMES) {
      const count = rng.poisson(rates[event] * usage.activeUsers);
      for (let index = 0; index < count; index++) {
        yield { accountId: usage.accountId, userId: `${usage.accountId}-u${1 + Math.floor(rng.next() * usage.activeUsers)}`, event, at: instantOf(usage.day, rng.int(from, to)) };
      }
    }
  }
}
