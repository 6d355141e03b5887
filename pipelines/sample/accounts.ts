// The account roster: who the customers are (public fields) and the traits that shape their
// behaviour (hidden; only the generator reads them).
import { COMPANY_WORDS, EMAIL_DOMAIN, INDUSTRIES, PERSON_NAMES, type Industry, type Plan, type Segment } from './catalog.ts';
import { addYears, type Day } from './days.ts';
import { clamp, randomStream, type Random } from './random.ts';

export interface SampleWindow {
  /** First day of the company's records (end − years). */
  readonly start: Day;
  /** The generator's "today": nothing after it is known. */
  readonly end: Day;
}

export interface Csm {
  readonly email: string;
  readonly slackId: string;
  readonly segment: Segment;
}

export interface AccountTraits {
  /** Persistent latent health, standard normal; higher is healthier. */
  readonly health: number;
  readonly billing: 'monthly' | 'annual';
  readonly paymentTermsDays: 15 | 30;
  readonly payer: 'prompt' | 'average' | 'slow';
  readonly paysByCard: boolean;
  /** Share of seats active on a normal weekday at the start of the records. */
  readonly utilisation: number;
  readonly weekendFactor: number;
  readonly annualGrowth: number;
  readonly sessionsPerUser: number;
  readonly eventsPerSession: number;
  readonly minutesPerSession: number;
  readonly supportPerMonth: number;
}

export interface SampleAccount {
  readonly index: number;
  readonly id: string;
  readonly name: string;
  readonly segment: Segment;
  readonly industry: Industry;
  readonly plan: Plan;
  readonly csm: Csm | null;
  readonly contractStart: Day;
  readonly termYears: 1 | 2;
  readonly startArrCents: number;
  readonly pricePerSeatCents: number;
  /** Whether the usage export carries licensed seats for this account. */
  readonly seatsKnown: boolean;
  readonly traits: AccountTraits;
}

export function accountId(index: number): string {
  return `acct-${String(index + 1).padStart(5, '0')}`;
}

const SEGMENT_SHARE: Record<Segment, number> = { smb: 0.55, 'mid-market': 0.3, enterprise: 0.15 };
const ARR_MEDIAN_DOLLARS: Record<Segment, number> = { smb: 7_000, 'mid-market': 45_000, enterprise: 220_000 };
const ARR_SPREAD: Record<Segment, number> = { smb: 0.55, 'mid-market': 0.45, enterprise: 0.55 };
const PLAN_WEIGHTS: Record<Segment, Record<Plan, number>> = {
  smb: { starter: 70, growth: 30, enterprise: 0 },
  'mid-market': { starter: 10, growth: 70, enterprise: 20 },
  enterprise: { starter: 0, growth: 15, enterprise: 85 },
};
const SEAT_PRICE_DOLLARS: Record<Plan, number> = { starter: 480, growth: 840, enterprise: 1_200 };
const MONTHLY_BILLING_SHARE: Record<Segment, number> = { smb: 0.85, 'mid-market': 0.35, enterprise: 0.05 };
const SUPPORT_PER_MONTH: Record<Segment, number> = { smb: 0.4, 'mid-market': 1.2, enterprise: 3 };
/** CSM team split, and the share of accounts nobody owns (long-tail self-serve). */
const CSM_TEAM_SHARE: Record<Segment, number> = { smb: 0.4, 'mid-market': 0.35, enterprise: 0.25 };
const NO_CSM_SHARE: Record<Segment, number> = { smb: 0.06, 'mid-market': 0.01, enterprise: 0 };
/** Share of accounts whose first contract started inside the record window (young accounts). */
const STARTED_IN_WINDOW_SHARE = 0.38;

export function createCsms(accountCount: number, seed: number): Csm[] {
  const rng = randomStream(seed, 'csms');
  const total = clamp(Math.round(accountCount / 25), 15, 40);
  const usedEmails = new Set<string>();
  const usedSlackIds = new Set<string>();
  const csms: Csm[] = [];
  for (const segment of Object.keys(CSM_TEAM_SHARE) as Segment[]) {
    const teamSize = Math.max(1, Math.round(total * CSM_TEAM_SHARE[segment]));
    for (let i = 0; i < teamSize; i++) {
      csms.push({ email: uniqueEmail(rng, usedEmails), slackId: uniqueSlackId(rng, usedSlackIds), segment });
    }
  }
  return csms;
}

function uniqueEmail(rng: Random, used: Set<string>): string {
  const base = `${rng.pick(PERSON_NAMES.first)}.${rng.pick(PERSON_NAMES.last)}`;
  let email = `${base}@${EMAIL_DOMAIN}`;
  for (let n = 2; used.has(email); n++) email = `${base}${n}@${EMAIL_DOMAIN}`;
  used.add(email);
  return email;
}

function uniqueSlackId(rng: Random, used: Set<string>): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';
  let id: string;
  do {
    id = 'U0';
    for (let i = 0; i < 7; i++) id += alphabet[rng.int(0, alphabet.length - 1)];
  } while (used.has(id));
  used.add(id);
  return id;
}

function companyName(rng: Random): string {
  const stem = `${rng.pick(COMPANY_WORDS.prefixes)}${rng.pick(COMPANY_WORDS.cores)}`;
  // A few names carry a comma or quotes, as real CRM exports do; the CSV writer must quote them.
  if (rng.chance(0.08)) return `${stem}, Inc.`;
  if (rng.chance(0.01)) return `${stem} "${rng.pick(COMPANY_WORDS.prefixes)}" ${rng.pick(COMPANY_WORDS.suffixes)}`;
  return `${stem} ${rng.pick(COMPANY_WORDS.suffixes)}`;
}

function contractStart(rng: Random, window: SampleWindow): Day {
  if (rng.chance(STARTED_IN_WINDOW_SHARE)) return rng.int(window.start, window.end - 14);
  return window.start - rng.int(1, 4 * 365);
}

function traitsFor(rng: Random, segment: Segment): AccountTraits {
  const health = rng.normal();
  const billing = rng.chance(MONTHLY_BILLING_SHARE[segment]) ? 'monthly' : 'annual';
  return {
    health,
    billing,
    paymentTermsDays: segment === 'smb' && rng.chance(0.6) ? 15 : 30,
    payer: rng.weighted({ prompt: 75, average: 20, slow: 5 }),
    paysByCard: billing === 'monthly' && rng.chance(segment === 'smb' ? 0.8 : 0.3),
    utilisation: clamp(0.55 + 0.1 * health + rng.normal(0, 0.1), 0.15, 0.95),
    weekendFactor: rng.between(0.12, 0.35),
    annualGrowth: clamp(0.08 + 0.1 * health + rng.normal(0, 0.05), -0.15, 0.45),
    sessionsPerUser: rng.between(1.2, 2.6),
    eventsPerSession: rng.between(8, 40),
    minutesPerSession: rng.between(6, 25),
    supportPerMonth: SUPPORT_PER_MONTH[segment] * rng.logNormal(1, 0.4),
  };
}

export function createAccounts(count: number, seed: number, window: SampleWindow): SampleAccount[] {
  return [...eachAccount(count, seed, window)];
}

/** The accounts one at a time (each from its own random stream, so any one is the same however they are read). */
export function* eachAccount(count: number, seed: number, window: SampleWindow): Generator<SampleAccount> {
  const csms = createCsms(count, seed);
  for (let index = 0; index < count; index++) {
    const rng = randomStream(seed, 'account', index);
    const segment = rng.weighted(SEGMENT_SHARE);
    const plan = rng.weighted(PLAN_WEIGHTS[segment]);
    const team = csms.filter((csm) => csm.segment === segment);
    const arrDollars = Math.max(600, Math.round(rng.logNormal(ARR_MEDIAN_DOLLARS[segment], ARR_SPREAD[segment]) / 10) * 10);
    yield {
      index,
      id: accountId(index),
      name: companyName(rng),
      segment,
      industry: rng.pick(INDUSTRIES),
      plan,
      csm: rng.chance(NO_CSM_SHARE[segment]) ? null : rng.pick(team),
      contractStart: contractStart(rng, window),
      termYears: segment === 'enterprise' && rng.chance(0.15) ? 2 : 1,
      startArrCents: arrDollars * 100,
      pricePerSeatCents: Math.round(SEAT_PRICE_DOLLARS[plan] * rng.between(0.8, 1.2) * 100),
      seatsKnown: rng.chance(0.9),
      traits: traitsFor(rng, segment),
    };
  }
}

export function recordWindow(end: Day, years: number): SampleWindow {
  return { start: addYears(end, -years), end };
}
