// Competitor activity: a background of funding rounds, features and the odd acquisition, plus
// bursts of launches aimed at one segment. The bursts are what raise churn odds (see
// mechanisms.ts); the events are what the radar can see.
import type { SampleWindow } from './accounts.ts';
import { COMPETITORS, INDUSTRIES, SEGMENTS, type Industry, type MarketEventKind, type Segment } from './catalog.ts';
import { CHURN, MARKET } from './mechanisms.ts';
import { randomStream, type Random } from './random.ts';
import type { Day } from './days.ts';

export interface MarketEvent {
  readonly day: Day;
  readonly competitor: string;
  readonly kind: MarketEventKind;
  readonly segment: Segment | null;
  readonly industry: Industry | null;
  readonly title: string;
}

export interface LaunchBurst {
  readonly segment: Segment;
  readonly day: Day;
}

export interface Market {
  readonly events: readonly MarketEvent[];
  readonly bursts: readonly LaunchBurst[];
}

/** Events start a year before the records so pressure on the earliest renewals is visible too. */
const HISTORY_BEFORE_WINDOW_DAYS = 365;

export function createMarket(seed: number, window: SampleWindow): Market {
  const rng = randomStream(seed, 'market');
  const from = window.start - HISTORY_BEFORE_WINDOW_DAYS;
  const events: MarketEvent[] = [];
  for (let monthStart = from; monthStart <= window.end; monthStart += 30) {
    const count = rng.poisson(MARKET.backgroundEventsPerMonth);
    for (let i = 0; i < count; i++) events.push(backgroundEvent(rng, Math.min(window.end, monthStart + rng.int(0, 29))));
  }
  const bursts: LaunchBurst[] = [];
  const years = (window.end - from) / 365;
  for (const segment of SEGMENTS) {
    const count = rng.poisson(MARKET.burstsPerYear * years);
    for (let i = 0; i < count; i++) {
      const day = rng.int(from, window.end);
      bursts.push({ segment, day });
      events.push(...burstEvents(rng, segment, day, window.end));
    }
  }
  bursts.sort((a, b) => a.day - b.day);
  return { events: uniqueSorted(events), bursts };
}

function backgroundEvent(rng: Random, day: Day): MarketEvent {
  const kind = rng.weighted<MarketEventKind>({ launch: 8, feature: 35, price_cut: 10, acquisition: 5, funding: 20, other: 22 });
  const scope = rng.weighted({ market: 50, segment: 25, industry: 15, both: 10 });
  const segment = scope === 'segment' || scope === 'both' ? rng.pick(SEGMENTS) : null;
  const industry = scope === 'industry' || scope === 'both' ? rng.pick(INDUSTRIES) : null;
  const competitor = rng.pick(COMPETITORS);
  return { day, competitor, kind, segment, industry, title: titleFor(rng, competitor, kind, segment) };
}

function burstEvents(rng: Random, segment: Segment, day: Day, lastDay: Day): MarketEvent[] {
  const rivals = [rng.pick(COMPETITORS), rng.pick(COMPETITORS)];
  const count = rng.int(MARKET.burstEvents[0], MARKET.burstEvents[1]);
  const events: MarketEvent[] = [];
  for (let i = 0; i < count; i++) {
    const eventDay = Math.min(lastDay, day + rng.int(0, MARKET.burstSpanDays));
    const kind = rng.weighted<MarketEventKind>({ launch: 60, feature: 25, price_cut: 15 });
    const competitor = rng.pick(rivals);
    const industry = rng.chance(0.3) ? rng.pick(INDUSTRIES) : null;
    events.push({ day: eventDay, competitor, kind, segment, industry, title: titleFor(rng, competitor, kind, segment) });
  }
  return events;
}

const PRODUCTS = ['Retain Cloud', 'Health Scores', 'Renewal Autopilot', 'Success Hub', 'Signals', 'Playbooks Pro'];

function titleFor(rng: Random, competitor: string, kind: MarketEventKind, segment: Segment | null): string {
  const audience = segment ? ` for ${segment} teams` : '';
  switch (kind) {
    case 'launch':
      return `${competitor} launches ${rng.pick(PRODUCTS)}${audience}`;
    case 'feature':
      return `${competitor} adds ${rng.pick(['AI summaries', 'usage alerts', 'a Salesforce sync', 'NPS surveys', 'forecasting'])}${audience}`;
    case 'price_cut':
      return `${competitor} cuts prices by ${rng.int(10, 40)}%${audience}`;
    case 'acquisition':
      return `${competitor} acquires ${rng.pick(['Metricly', 'Onboardly', 'Tracehound', 'Surveyo'])}, expanding its suite`;
    case 'funding':
      return `${competitor} raises $${rng.int(5, 120)}M Series ${rng.pick(['A', 'B', 'C', 'D'])}`;
    case 'other':
      return `${competitor} ${rng.pick(['hires a new CEO', 'opens a European office', 'announces a partner program', 'reports an outage'])}`;
  }
}

/** The table's natural key (event_date, competitor, kind, segment, industry) must be unique. */
function uniqueSorted(events: readonly MarketEvent[]): MarketEvent[] {
  const seen = new Set<string>();
  const unique = events.filter((event) => {
    const key = `${event.day}|${event.competitor}|${event.kind}|${event.segment ?? ''}|${event.industry ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.sort((a, b) => a.day - b.day || compareText(a.competitor, b.competitor) || compareText(a.kind, b.kind));
}

/** Code-unit order: unlike localeCompare it cannot differ between machines. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Hidden: launch bursts in the segment that landed 90–270 days before a renewal. */
export function competitorPressure(market: Market, segment: Segment, renewal: Day): number {
  const count = market.bursts.filter((burst) => burst.segment === segment && burst.day >= renewal - 270 && burst.day <= renewal - 90).length;
  return Math.min(count, CHURN.maxCompetitorBursts);
}
