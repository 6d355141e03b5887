// Gathers the weekly report's figures: the queries in sql/report.ts, the arithmetic in figures.ts.
// The week and "now" (for data freshness) are parameters; nothing here reads the clock.
import type { Kysely } from 'kysely';
import { notRiskRates, type NotRiskRateRow } from '../../sql/interactions.ts';
import type { RadarConfig } from '../../config/schema.ts';
import { alertFunnel, decidedRenewals, listSegments, modelsByVersion, renewingAccounts, saveCases, scoredRenewals, taskStatus } from '../../sql/report.ts';
import type { DB } from '../../sql/schema.ts';
import { ingestStatus } from '../ingest/status.ts';
import { forecastReportFigures, type ForecastReportFigures } from '../forecast/report.ts';
import {
  atRiskSnapshot,
  funnelFigures,
  modelHealth,
  renewalFigures,
  topAccounts,
  versionsUsed,
  type AtRiskSnapshot,
  type FunnelFigures,
  type ModelHealth,
  type RenewalFigures,
  type Tier,
  type TopAccount,
  type TrendPoint,
} from './figures.ts';
import { addDays, daysBetween, isoWeekOf, reportPeriods, type ReportPeriods } from './period.ts';

export interface FreshnessFigure {
  readonly source: string;
  readonly entity: string;
  readonly newestFact: string | null;
  readonly maxStaleness: string | null;
  readonly stale: boolean;
  readonly lastRunStatus: string | null;
  readonly lastRunStartedAt: string | null;
}

export interface WeeklyFigures {
  readonly formatVersion: 1;
  readonly week: string;
  readonly periods: ReportPeriods;
  /** When freshness was measured (ISO). */
  readonly generatedAt: string;
  /** ISO 4217 code of every account's ARR, or 'mixed'. */
  readonly currency: string;
  readonly horizonDays: number;
  readonly atRiskTiers: readonly Tier[];
  readonly renewals: { readonly week: RenewalFigures; readonly quarterToDate: RenewalFigures; readonly trailing12Months: RenewalFigures };
  readonly atRisk: AtRiskSnapshot;
  readonly trend: readonly TrendPoint[];
  readonly topAccounts: readonly TopAccount[];
  readonly funnel: { readonly quarterToDate: FunnelFigures; readonly trailing12Months: FunnelFigures };
  /** Delivered risk alerts dated in the trailing 12 months that a CSM marked "not a risk" in Slack, per tier. */
  readonly notRisk: readonly NotRiskRateRow[];
  readonly modelHealth: ModelHealth;
  readonly freshness: readonly FreshnessFigure[];
  /** The renewal forecast and its track record (absent in reports saved before it existed). */
  readonly forecast?: ForecastReportFigures;
}

export interface WeeklyReportOptions {
  readonly week: string;
  readonly config: RadarConfig;
  /** The moment data freshness is judged at. */
  readonly now: Date;
}

export async function buildWeeklyFigures(db: Kysely<DB>, options: WeeklyReportOptions): Promise<WeeklyFigures> {
  const { config } = options;
  const report = config.report;
  const periods = reportPeriods(options.week);
  const asOf = periods.thisWeek.to;
  const horizon = config.horizonDays;
  const atRiskTiers = [...report.atRiskTiers] as Tier[];

  const earliest = [periods.trailing12Months.from, periods.quarterToDate.from, periods.thisWeek.from].sort()[0]!;
  const renewalRows = await decidedRenewals(db, { from: earliest, to: asOf }, horizon);
  const segments = await listSegments(db);
  const renewing = await renewingAccounts(db, asOf, horizon);
  const atRisk = atRiskSnapshot(asOf, renewing, segments, atRiskTiers);

  const trend: TrendPoint[] = [];
  for (let back = report.trendWeeks - 1; back >= 0; back--) {
    const day = addDays(asOf, -7 * back);
    const rows = back === 0 ? renewing : await renewingAccounts(db, day, horizon);
    const snapshot = back === 0 ? atRisk : atRiskSnapshot(day, rows, segments, atRiskTiers);
    trend.push({ week: isoWeekOf(day), asOf: day, scoredAccounts: snapshot.scoredAccounts, atRiskCents: snapshot.atRiskCents, atRiskAccounts: snapshot.atRiskAccounts });
  }

  const candidates = renewing.filter((row) => row.probability !== null).map((row) => row.accountId);
  const tasks = await taskStatus(db, asOf, horizon, candidates);
  const top = topAccounts(asOf, renewing, tasks, report.topAccounts, daysBetween);

  const funnelFor = async (period: { from: string; to: string }) => funnelFigures(period, await alertFunnel(db, period, asOf), await saveCases(db, period));
  const healthPeriod = { from: addDays(asOf, -(report.modelHealthDays - 1)), to: asOf };
  const scored = await scoredRenewals(db, healthPeriod, config.leadDays);
  const models = await modelsByVersion(db, versionsUsed(scored));

  const statuses = await ingestStatus(db, config, options.now);
  const currencies = await db.selectFrom('accounts').select('currency').distinct().execute();

  return {
    formatVersion: 1,
    week: periods.week,
    periods,
    generatedAt: options.now.toISOString(),
    currency: currencies.length === 1 ? currencies[0]!.currency : currencies.length === 0 ? 'USD' : 'mixed',
    horizonDays: horizon,
    atRiskTiers,
    renewals: {
      week: renewalFigures(periods.thisWeek, renewalRows),
      quarterToDate: renewalFigures(periods.quarterToDate, renewalRows),
      trailing12Months: renewalFigures(periods.trailing12Months, renewalRows),
    },
    atRisk,
    trend,
    topAccounts: top,
    funnel: { quarterToDate: await funnelFor(periods.quarterToDate), trailing12Months: await funnelFor(periods.trailing12Months) },
    notRisk: await notRiskRates(db, periods.trailing12Months),
    modelHealth: modelHealth(healthPeriod, config.leadDays, scored, models, report.calibrationBins),
    freshness: statuses.map((status) => ({
      source: status.source,
      entity: status.entity,
      newestFact: status.newestFact,
      maxStaleness: status.maxStaleness,
      stale: status.stale,
      lastRunStatus: status.lastRun?.status ?? null,
      lastRunStartedAt: status.lastRun ? new Date(status.lastRun.started_at).toISOString() : null,
    })),
    forecast: await forecastReportFigures(db, { asOf, config }),
  };
}
