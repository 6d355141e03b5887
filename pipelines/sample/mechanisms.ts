// The hidden mechanisms of the sample company: every parameter that decides who churns and what
// that looks like in the data. Nothing outside pipelines/sample may import this file — the model
// has to find these effects from the generated data, never read them back.
//
// Story: each contract period has a latent `distress` (correlated with the account's persistent
// health). Distress raises the churn odds and, through separate noisy channels, shows up as usage
// decay, a support pattern change (going quiet or escalating) and payment trouble. Small and young
// accounts and competitor launch bursts in the account's segment add churn odds without a usage
// trace. Some churners have no signal at all (budget cuts, acquisitions), and some healthy periods
// get a spurious signal (false alarms: a reorg, a new AP process) and renew anyway.
import type { Industry, Segment } from './catalog.ts';

export const CHURN = {
  intercept: -4.3,
  perDistress: 2.9,
  segment: { smb: 0.45, 'mid-market': 0, enterprise: -0.55 } satisfies Record<Segment, number>,
  industry: {
    software: 0, fintech: -0.1, healthcare: -0.25, retail: 0.25, manufacturing: -0.1, education: 0.15, media: 0.2, logistics: 0,
  } satisfies Record<Industry, number>,
  /** The first renewal of a contract is the riskiest. */
  firstRenewal: 0.6,
  /** Per competitor burst in the account's segment during [renewal − 270, renewal − 90]. */
  perCompetitorBurst: 0.5,
  maxCompetitorBursts: 2,
  /** Churn for reasons the data cannot show. */
  noiseChurnShare: 0.015,
} as const;

export const DISTRESS = {
  /** How much of a period's distress is the account's persistent (un)health rather than fresh luck. */
  healthLoading: 0.55,
  /** Share of periods that get one spurious warning signal. */
  falseAlarmShare: 0.07,
  falseAlarmBoost: 1.6,
} as const;

export const USAGE_DECAY = {
  signalNoise: 0.5,
  threshold: 0.35,
  perUnit: 0.42,
  max: 0.85,
  /** Decay sets in this many days before the renewal, more often early than late… */
  onsetDays: [60, 200] as const,
  onsetSkew: 0.6,
  /** …and reaches its full depth over this many days. */
  rampDays: [20, 50] as const,
} as const;

export const SUPPORT_SHIFT = {
  signalNoise: 0.7,
  threshold: 0.75,
  /** Share of shifted periods that go quiet; the rest escalate. */
  quietShare: 0.5,
  quietRateFactor: 0.25,
  /** A quiet spell starts this many days before the renewal. */
  quietStartDays: [150, 240] as const,
  /** Escalation tickets land in this range of days before the renewal. */
  escalationDays: [210, 70] as const,
  escalationTickets: 2.5,
  escalationTicketsPerUnit: 2.5,
} as const;

export const PAYMENT_STRESS = {
  signalNoise: 0.8,
  threshold: 0.55,
  /** Extra delay (days, exponential mean) for a stressed invoice, plus this much per unit of stress. */
  extraDelayDays: 12,
  extraDelayPerUnit: 22,
  lateShare: 0.55,
  lateSharePerUnit: 0.25,
} as const;

export const NON_CHURN_OUTCOME = {
  downgradeIntercept: -3.3,
  downgradePerDistress: 1.1,
  expandIntercept: -1.7,
  expandPerDistress: -0.9,
  expandEnterpriseBonus: 0.3,
} as const;

export const MARKET = {
  /** Launch bursts per segment per year. */
  burstsPerYear: 1.2,
  burstEvents: [3, 6] as const,
  burstSpanDays: 21,
  backgroundEventsPerMonth: 2.5,
} as const;

/**
 * Which product features an account uses (the raw event export). Volume follows active users (and so the
 * usage decay); the MIX is a separate, noisy readout of the period's distress: a distressed account makes
 * fewer reports, dashboards and integrations and more exports, billing-page visits and seat removals, at
 * the same total volume, from some months before its renewal on.
 */
export const EVENT_MIX = {
  /** Expected events per active user per day, by type, for an account with no tilt. */
  perActiveUser: {
    'Report Created': 0.02,
    'Dashboard Shared': 0.008,
    'User Invited': 0.004,
    'Integration Connected': 0.0015,
    'Search Performed': 0.018,
    'Data Exported': 0.01,
    'Billing Page Viewed': 0.005,
    'Seat Removed': 0.0015,
  },
  protective: ['Report Created', 'Dashboard Shared', 'User Invited', 'Integration Connected'],
  risky: ['Data Exported', 'Billing Page Viewed', 'Seat Removed'],
  /** Per-account habits: each type's rate varies by this log-scale spread, for the whole history. */
  habitSpread: 0.3,
  signalNoise: 0.55,
  threshold: 0,
  /** Tilt per unit of signal above the threshold, and its cap. */
  perUnit: 1,
  max: 2.2,
  /** Log-rate change per unit of tilt: protective types fall, risky types rise (then volume is rescaled). */
  protectiveLoading: -0.8,
  riskyLoading: 1,
  /** The tilt sets in this many days before the renewal and reaches its full size over rampDays. */
  onsetDays: [100, 260] as const,
  rampDays: 45,
} as const;

/** NPS surveys: a quarterly survey, a few respondents per account, scores pulled down by distress. */
export const NPS = {
  surveyEveryDays: 91,
  responseRate: 0.5,
  /** Invited respondents: 1 + seats / seatsPerInvite, at most maxInvited. */
  seatsPerInvite: 15,
  maxInvited: 5,
  signalNoise: 0.7,
  meanScore: 8.2,
  perUnit: -1.9,
  answerNoise: 1.5,
} as const;
