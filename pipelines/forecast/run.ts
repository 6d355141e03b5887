// Making, keeping and reading renewal forecasts. A forecast as of day D uses only what was known at the
// end of D: renewals decided by then (certain outcomes), each open renewal's latest score on or before D
// (else its segment's churn rate over renewals decided by D). It is stored when made and never rewritten,
// so a forecast read back months later is the one that was made, whatever arrived since.
import type { Kysely } from 'kysely';
import type { RadarConfig } from '../../config/schema.ts';
import { forecastExists, insertForecast, listForecasts, periodOutcomes, renewalsDecidedInPeriod, segmentRenewalHistory, type SegmentHistoryRow, type StoredForecastRow } from '../../sql/forecasts.ts';
import { renewingAccounts, type RenewingAccountRow } from '../../sql/report.ts';
import type { DB, Json } from '../../sql/schema.ts';
import { recordForecastPublished } from '../../sql/webhooks.ts';
import { addDays, daysBetween } from '../report/period.ts';
import { forecastPeriodYielding, intervalAt, type ForecastAccount, type PeriodForecast } from './maths.ts';
import { upcomingPeriods, type ForecastPeriod } from './periods.ts';

export const FORECAST_SCOPE = 'all';

export interface SegmentRate {
  readonly segment: string;
  readonly decided: number;
  readonly churned: number;
  readonly churnRate: number;
}

export interface ForecastFigures {
  readonly formatVersion: 1;
  readonly asOf: string;
  readonly period: ForecastPeriod;
  readonly currency: string;
  readonly method: { readonly logos: 'poisson-binomial (exact)'; readonly arr: 'monte-carlo'; readonly simulations: number; readonly seed: number };
  /** Churn rates used for accounts without a score (renewals decided by the as-of day). */
  readonly segmentRates: readonly SegmentRate[];
  readonly fallbackChurnRate: number;
  /** Model versions of the scores used, most used first. */
  readonly modelVersions: readonly string[];
  readonly forecast: PeriodForecast;
}

export interface StoredForecast {
  readonly asOf: string;
  readonly period: string;
  readonly modelVersion: string | null;
  readonly configHash: string;
  readonly figures: ForecastFigures;
}

/** Laplace-smoothed churn rate, so a segment with few renewals is pulled towards ½ rather than to 0 or 1. */
const smoothedRate = (churned: number, decided: number) => (churned + 1) / (decided + 2);

/** What the forecasts of every period as of a day read besides their decided renewals (read once for several periods). */
export interface ForecastInputs {
  readonly asOf: string;
  /** Each account's next open renewal up to `until`, with its latest score on or before the as-of day. */
  readonly until: string;
  readonly open: readonly RenewingAccountRow[];
  readonly history: readonly SegmentHistoryRow[];
  readonly currency: string;
}

export async function readForecastInputs(db: Kysely<DB>, asOf: string, until: string): Promise<ForecastInputs> {
  const open = until > asOf ? await renewingAccounts(db, asOf, daysBetween(asOf, until)) : [];
  const history = await segmentRenewalHistory(db, asOf);
  const currencies = await db.selectFrom('accounts').select('currency').distinct().execute();
  return { asOf, until, open, history, currency: currencies.length === 1 ? currencies[0]!.currency : currencies.length === 0 ? 'USD' : 'mixed' };
}

/**
 * A period's forecast as of a day. `inputs`: read once for several periods (they must be as of the same
 * day and reach the period's end); by default read for this period.
 */
export async function computeForecast(db: Kysely<DB>, options: { asOf: string; period: ForecastPeriod; config: RadarConfig; inputs?: ForecastInputs | undefined }): Promise<ForecastFigures> {
  const { asOf, period, config } = options;
  const inputs = options.inputs ?? (await readForecastInputs(db, asOf, period.to));
  if (inputs.asOf !== asOf || (period.to > asOf && inputs.until < period.to)) throw new RangeError(`forecast inputs as of ${inputs.asOf} up to ${inputs.until} do not cover ${period.id} as of ${asOf}`);
  const decided = await renewalsDecidedInPeriod(db, asOf, period);
  const decidedAccounts = new Set(decided.map((row) => row.accountId));
  // An account's next renewal is the same whatever the horizon it was read with, so the period's open
  // renewals are those of the inputs falling inside the period.
  const open = period.to > asOf ? inputs.open.filter((row) => row.renewalDate >= period.from && row.renewalDate <= period.to && !decidedAccounts.has(row.accountId)) : [];
  const history = inputs.history;
  const totals = history.reduce((sum, row) => ({ decided: sum.decided + row.decided, churned: sum.churned + row.churned }), { decided: 0, churned: 0 });
  const segmentRates = history.map((row) => ({ ...row, churnRate: smoothedRate(row.churned, row.decided) }));
  const fallbackChurnRate = smoothedRate(totals.churned, totals.decided);

  const accounts: ForecastAccount[] = [
    ...decided.map((row) => ({
      accountId: row.accountId,
      name: row.name,
      segment: row.segment,
      csm: row.csmEmail,
      renewalDate: row.renewalDate,
      arrCents: row.arrCents,
      churnProbability: null,
      decided: row.churned ? ('churned' as const) : ('renewed' as const),
    })),
    ...open.map((row) => ({ accountId: row.accountId, name: row.name, segment: row.segment, csm: row.csmEmail, renewalDate: row.renewalDate, arrCents: row.arrCents, churnProbability: row.probability })),
  ];
  const versions = new Map<string, number>();
  for (const row of open) if (row.modelVersion) versions.set(row.modelVersion, (versions.get(row.modelVersion) ?? 0) + 1);
  const { simulations, seed } = config.forecast;
  return {
    formatVersion: 1,
    asOf,
    period,
    currency: inputs.currency,
    method: { logos: 'poisson-binomial (exact)', arr: 'monte-carlo', simulations, seed },
    segmentRates,
    fallbackChurnRate,
    modelVersions: [...versions.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([version]) => version),
    forecast: await forecastPeriodYielding(accounts, { segmentChurnRates: new Map(segmentRates.map((row) => [row.segment, row.churnRate])), fallbackChurnRate, simulations, seed }),
  };
}

const toStored = (row: StoredForecastRow): StoredForecast => ({
  asOf: row.asOf,
  period: row.period,
  modelVersion: row.modelVersion,
  configHash: row.configHash,
  figures: row.figures as unknown as ForecastFigures,
});

/**
 * The forecast for a period as of a day: the stored one when it was already made (never recomputed),
 * else computed now and stored. `created` says which.
 */
export async function makeForecast(db: Kysely<DB>, options: { asOf: string; period: ForecastPeriod; config: RadarConfig; configHash: string }): Promise<{ forecast: StoredForecast; created: boolean }> {
  const created = await storeForecast(db, options);
  // A concurrent run may have stored it first: what is kept is what is returned.
  const [stored] = await listForecasts(db, { periods: [options.period.id], scope: FORECAST_SCOPE, asOf: options.asOf });
  return { forecast: toStored(stored!), created };
}

/** Computes and stores the period's forecast unless one is kept for the day; true when this call stored it. */
async function storeForecast(db: Kysely<DB>, options: { asOf: string; period: ForecastPeriod; config: RadarConfig; configHash: string; inputs?: () => Promise<ForecastInputs> }): Promise<boolean> {
  if (await forecastExists(db, options.asOf, options.period.id, FORECAST_SCOPE)) return false;
  const figures = await computeForecast(db, { ...options, inputs: await options.inputs?.() });
  // The forecast and its forecast.published webhook events (docs/api.md#webhooks) commit together.
  return db.transaction().execute(async (trx) => {
    const inserted = await insertForecast(trx, {
      asOf: options.asOf,
      period: options.period.id,
      periodFrom: options.period.from,
      periodTo: options.period.to,
      scope: FORECAST_SCOPE,
      modelVersion: figures.modelVersions[0] ?? null,
      configHash: options.configHash,
      figures: figures as unknown as Json,
    });
    if (inserted) await recordForecastPublished(trx, options.config.webhooks, { asOf: options.asOf, period: options.period.id, scope: FORECAST_SCOPE });
    return inserted;
  });
}

/**
 * The daily forecasts: the next quarter and each of the next three months, as of `asOf`. The open
 * renewals up to the last period's end, their scores and the segment history are read once for all four.
 */
export async function makeUpcomingForecasts(db: Kysely<DB>, options: { asOf: string; config: RadarConfig; configHash: string }): Promise<{ period: string; created: boolean }[]> {
  const periods = upcomingPeriods(options.asOf);
  const until = periods.reduce((last, period) => (period.to > last ? period.to : last), options.asOf);
  let inputs: Promise<ForecastInputs> | undefined;
  const made: { period: string; created: boolean }[] = [];
  for (const period of periods) {
    const created = await storeForecast(db, { ...options, period, inputs: () => (inputs ??= readForecastInputs(db, options.asOf, until)) });
    made.push({ period: period.id, created });
  }
  return made;
}

// ---- Forecast against what happened ------------------------------------------------------------

export interface ForecastCheck {
  readonly period: ForecastPeriod;
  /** The forecast made at the period's start: as of the day before its first day. */
  readonly asOf: string;
  readonly leadDays: number;
  readonly accounts: number;
  readonly expectedRenewedCents: number;
  readonly renewedCents80: { readonly low: number; readonly high: number };
  readonly renewedCents95: { readonly low: number; readonly high: number };
  readonly expectedRenewedLogos: number;
  readonly renewedLogos80: { readonly low: number; readonly high: number };
  /** What happened to the forecast's renewals by the report day; null values while some are undecided. */
  readonly actualRenewedCents: number;
  readonly actualRenewedLogos: number;
  readonly undecided: number;
  /** Null while some renewals are undecided. */
  readonly inside80: boolean | null;
  readonly inside95: boolean | null;
  /** The forecasts made about 30, 60 and 90 days before the period (the latest made in the week up to T−L), when kept. */
  readonly earlier: readonly { readonly leadDays: number; readonly asOf: string | null; readonly expectedRenewedCents: number | null }[];
}

export const EARLIER_LEADS = [30, 60, 90] as const;

/**
 * For each closed period (ended by `asOf`) with a stored forecast made at its start (the latest made on
 * or before the day before its first day, at most `maxLeadDays` before it), that forecast beside what
 * happened to its renewals by `asOf`.
 */
export async function forecastChecks(db: Kysely<DB>, options: { asOf: string; kind: ForecastPeriod['kind']; maxLeadDays?: number }): Promise<ForecastCheck[]> {
  const stored = await listForecasts(db, { scope: FORECAST_SCOPE, madeBy: options.asOf });
  const byPeriod = new Map<string, StoredForecastRow>();
  const all = new Map<string, StoredForecastRow[]>();
  for (const row of stored) all.set(row.period, [...(all.get(row.period) ?? []), row]);
  for (const row of stored) {
    const figures = row.figures as unknown as ForecastFigures;
    if (figures.period.kind !== options.kind || row.periodTo >= options.asOf || row.asOf >= row.periodFrom) continue;
    if (daysBetween(row.asOf, row.periodFrom) > (options.maxLeadDays ?? 31)) continue;
    const previous = byPeriod.get(row.period);
    if (!previous || row.asOf > previous.asOf) byPeriod.set(row.period, row);
  }
  const checks: ForecastCheck[] = [];
  for (const row of [...byPeriod.values()].sort((a, b) => a.periodFrom.localeCompare(b.periodFrom))) {
    const figures = row.figures as unknown as ForecastFigures;
    const { forecast, period } = figures;
    const outcomes = new Map((await periodOutcomes(db, forecast.accounts.map((a) => a.accountId), period, options.asOf)).map((o) => [o.accountId, o.churned]));
    const renewed = forecast.accounts.filter((a) => outcomes.get(a.accountId) === false);
    const undecided = forecast.accounts.filter((a) => !outcomes.has(a.accountId)).length;
    const actualRenewedCents = renewed.reduce((sum, a) => sum + a.arrCents, 0);
    const r80 = intervalAt(forecast.total.renewedCents, 0.8);
    const r95 = intervalAt(forecast.total.renewedCents, 0.95);
    const l80 = intervalAt(forecast.total.renewedLogos, 0.8);
    checks.push({
      period,
      asOf: row.asOf,
      leadDays: daysBetween(row.asOf, period.from),
      accounts: forecast.total.accounts,
      expectedRenewedCents: forecast.total.expectedRenewedCents,
      renewedCents80: { low: r80.low, high: r80.high },
      renewedCents95: { low: r95.low, high: r95.high },
      expectedRenewedLogos: forecast.total.expectedRenewedLogos,
      renewedLogos80: { low: l80.low, high: l80.high },
      actualRenewedCents,
      actualRenewedLogos: renewed.length,
      undecided,
      inside80: undecided > 0 ? null : actualRenewedCents >= r80.low && actualRenewedCents <= r80.high,
      inside95: undecided > 0 ? null : actualRenewedCents >= r95.low && actualRenewedCents <= r95.high,
      earlier: EARLIER_LEADS.map((leadDays) => {
        const by = addDays(period.from, -leadDays);
        const made = (all.get(row.period) ?? []).filter((other) => other.asOf <= by && other.asOf > addDays(by, -7)).at(-1);
        return { leadDays, asOf: made?.asOf ?? null, expectedRenewedCents: made ? (made.figures as unknown as ForecastFigures).forecast.total.expectedRenewedCents : null };
      }),
    });
  }
  return checks;
}

/** The newest stored forecast for a period made on or before `asOf`. */
export async function latestForecast(db: Kysely<DB>, period: string, asOf: string): Promise<StoredForecast | undefined> {
  const rows = await listForecasts(db, { periods: [period], scope: FORECAST_SCOPE, madeBy: asOf });
  const row = rows.at(-1);
  return row ? toStored(row) : undefined;
}
