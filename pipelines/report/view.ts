// The report's view-model: every figure formatted once, in tables every renderer shows the same way
// (HTML, Markdown), plus chart data for the HTML's inline SVG. Pure.
import type { CalibrationBin } from '../../models/metrics.ts';
import { LEAD_SCORE_WINDOW_DAYS } from '../../sql/report.ts';
import type { WeeklyFigures } from './build.ts';
import type { FunnelFigures, RenewalFigures } from './figures.ts';
import { count, decimal, money, moneyShort, percent, points, share } from './format.ts';
import { forecastSection } from '../forecast/view.ts';

export interface ViewRow {
  /** Stable id of the row, e.g. 'renewals.grr'. */
  readonly key: string;
  readonly cells: readonly string[];
  /** Highlighted (e.g. a stale source). */
  readonly flagged?: boolean;
}

export interface ViewTable {
  readonly id: string;
  readonly caption: string;
  readonly columns: readonly string[];
  readonly rows: readonly ViewRow[];
  /** Shown instead of an empty table. */
  readonly empty?: string;
}

export interface ChartDatum {
  readonly label: string;
  /** null = no data for this label (drawn as a gap, never as 0). */
  readonly value: number | null;
  /** The value as the tables print it (tooltips and labels). */
  readonly display: string;
}

export type ViewChart =
  | { readonly kind: 'line'; readonly id: string; readonly title: string; readonly points: readonly ChartDatum[]; readonly axisLabel: (value: number) => string }
  | { readonly kind: 'bars'; readonly id: string; readonly title: string; readonly bars: readonly ChartDatum[]; readonly axisLabel: (value: number) => string }
  | { readonly kind: 'calibration'; readonly id: string; readonly title: string; readonly bins: readonly CalibrationBin[] }
  | { readonly kind: 'intervals'; readonly id: string; readonly title: string; readonly rows: readonly IntervalDatum[]; readonly axisLabel: (value: number) => string };

/** One period of an interval chart: the 80% range, the expected value and (once known) the actual. */
export interface IntervalDatum {
  readonly label: string;
  readonly low: number;
  readonly high: number;
  readonly expected: number;
  readonly actual: number | null;
  readonly display: string;
}

export interface ViewSection {
  readonly id: string;
  readonly title: string;
  readonly definitions: readonly string[];
  readonly tables: readonly ViewTable[];
  readonly charts: readonly ViewChart[];
}

export interface ReportView {
  readonly title: string;
  readonly subtitle: string;
  readonly headline: readonly { readonly label: string; readonly value: string }[];
  readonly sections: readonly ViewSection[];
}

/** The definitions printed in the report (and carried in the JSON). */
export function definitions(figures: Pick<WeeklyFigures, 'horizonDays' | 'atRiskTiers' | 'modelHealth' | 'trend' | 'periods'>): Record<string, string[]> {
  const tiers = figures.atRiskTiers.join(' and ');
  return {
    renewals: [
      'A renewal counts in a period when its decision date (UTC day of decided_at) falls in the period. Week: Monday–Sunday (ISO week); quarter to date: first day of the calendar quarter to the week’s Sunday; trailing 12 months: the year ending on that Sunday.',
      'Logo renewal rate = renewals not churned ÷ renewals decided.',
      'GRR (gross revenue retention) = (ARR before − churned ARR − downgrade losses) ÷ ARR before, over the renewals decided in the period. ARR before is the ARR up for renewal.',
      'NRR (net revenue retention) = (ARR before − churned ARR − downgrade losses + expansion) ÷ ARR before = ARR after ÷ ARR before.',
      'Churned ARR = ARR before of churned renewals; downgrade losses = ARR before − ARR after of downgrades; expansion = ARR after − ARR before of expansions.',
      `Saved ARR = ARR before of renewed or expanded renewals whose account had a delivered risk alert (not holdout) dated within the ${figures.horizonDays} days before the renewal date and before the decision.`,
      'A rate with nothing decided is n/a. Money is exact to the cent.',
    ],
    atRisk: [
      `Renewing ARR = ARR of accounts whose next renewal falls in the ${figures.horizonDays} days after the week’s Sunday, as known at the end of that Sunday (a renewal on record counts with its ARR before; otherwise the account’s current ARR).`,
      `Each account takes its latest risk score dated on or before that Sunday. At-risk ARR = renewing ARR of accounts in the ${tiers} tiers; unscored = renewing accounts never scored.`,
      'Expected loss = Σ ARR × churn probability over scored renewing accounts (each rounded to the cent).',
      `Trend: the same at-risk ARR as of each of the last ${figures.trend.length} Sundays, each week using the scores and renewals known then.`,
    ],
    topAccounts: [
      'Ranked by ARR × probability (expected loss). Days to renewal counted from the week’s Sunday.',
      `Tasks: playbook tasks of risk alerts dated in the ${figures.horizonDays} days up to the Sunday; done = completed by then; overdue = not done and due before the Sunday.`,
    ],
    funnel: [
      'Alerts: risk alerts dated in the period that reached someone (sent, or written by a dry run); holdout alerts were held back as the control group and are counted apart.',
      'With a task done: delivered alerts with at least one playbook task completed by the week’s Sunday. With an outcome: delivered alerts whose renewal (linked by radar outcomes) was decided by then; saved = renewed or expanded.',
      'Save rate = saved ÷ decided, per account renewal decided in the period (an account alerted several times counts once); alerted = at least one delivered alert, holdout = only holdout alerts. Lift = alerted − holdout, in percentage points.',
      'Not a risk: delivered risk alerts dated in the trailing 12 months that a CSM rejected with the “Not a risk” button in Slack, per tier — feedback on the model: a high rate at a tier means its alerts are noise to the people who get them.',
      `Review: radar review --from ${figures.periods.thisWeek.from} --to ${figures.periods.thisWeek.to} breaks this week’s alerts down by tier, playbook and CSM (save rate against the holdout, lead time, tasks done, “Not a risk” reasons) and names the indicators behind the false alarms; --from ${figures.periods.quarterToDate.from} for the quarter to date.`,
    ],
    modelHealth: [
      `Renewals decided in the ${figures.modelHealth.period.from} … ${figures.modelHealth.period.to} window. Each takes the last score dated at least ${figures.modelHealth.leadDays} days (leadDays) before its renewal date, within ${LEAD_SCORE_WINDOW_DAYS} days of that point — the score CSMs had when there was time to act; failing that, the latest score dated before the decision (and not after the renewal date). Renewals with neither are unscored and left out.`,
      'Churn = outcome churned (a downgrade is not churn). ROC AUC: the chance a random churner scored above a random renewer (0.5 = coin toss). Brier: mean squared gap between probability and outcome (lower is better).',
      'Calibration: the scored renewals sorted by probability and cut into equal-count bins; each bin’s mean probability beside its observed churn rate (on the diagonal = calibrated).',
      'Model vs scorecard: the rule scorecard\'s probability is stored with every score, so its ROC AUC is computed on the same renewals from the same score rows; the held-out AUCs recorded when each model in use was trained are shown beside it.',
    ],
    freshness: ['Newest fact per source (reused from radar ingest status); a source is stale when its newest fact is older than its maxStaleness at the time the report was generated.'],
  };
}

function renewalRows(periods: readonly RenewalFigures[], currency: string): ViewRow[] {
  const row = (key: string, label: string, cell: (figures: RenewalFigures) => string): ViewRow => ({ key: `renewals.${key}`, cells: [label, ...periods.map(cell)] });
  const m = (cents: number) => money(cents, currency);
  return [
    row('period', 'Decided between', (f) => `${f.period.from} … ${f.period.to}`),
    row('decided', 'Renewals decided', (f) => count(f.decided)),
    row('outcomes', 'Renewed / expanded / downgraded / churned', (f) => `${f.renewed} / ${f.expanded} / ${f.downgraded} / ${f.churned}`),
    row('logo', 'Logo renewal rate', (f) => percent(f.logoRenewalRate)),
    row('grr', 'GRR', (f) => percent(f.grossRevenueRetention)),
    row('nrr', 'NRR', (f) => percent(f.netRevenueRetention)),
    row('arrBefore', 'ARR up for renewal (before)', (f) => m(f.arrBeforeCents)),
    row('arrAfter', 'ARR after', (f) => m(f.arrAfterCents)),
    row('churned', 'Churned ARR', (f) => m(f.churnedCents)),
    row('downgraded', 'Downgrade losses', (f) => m(f.downgradeLossCents)),
    row('expanded', 'Expansion ARR', (f) => m(f.expansionCents)),
    row('saved', 'Saved ARR (accounts)', (f) => `${m(f.savedCents)} (${count(f.savedAccounts)})`),
  ];
}

function funnelRows(periods: readonly FunnelFigures[]): ViewRow[] {
  const row = (key: string, label: string, cell: (figures: FunnelFigures) => string): ViewRow => ({ key: `funnel.${key}`, cells: [label, ...periods.map(cell)] });
  return [
    row('period', 'Alerts dated / renewals decided between', (f) => `${f.period.from} … ${f.period.to}`),
    row('delivered', '1. Alerts delivered', (f) => count(f.delivered)),
    row('taskDone', '2. … with a task done', (f) => `${count(f.withTaskDone)} (${percent(f.delivered === 0 ? null : f.withTaskDone / f.delivered)})`),
    row('outcome', '3. … with an outcome', (f) => `${count(f.withOutcome)} (${percent(f.delivered === 0 ? null : f.withOutcome / f.delivered)})`),
    row('saved', '4. … saved', (f) => `${count(f.saved)} (${percent(f.withOutcome === 0 ? null : f.saved / f.withOutcome)} of outcomes)`),
    row('holdout', 'Holdout alerts (control)', (f) => count(f.holdout)),
    row('saveAlerted', 'Save rate, alerted', (f) => share(f.alertedSaved, f.alertedRenewals)),
    row('saveHoldout', 'Save rate, holdout', (f) => share(f.holdoutSaved, f.holdoutRenewals)),
    row('lift', 'Lift (alerted − holdout)', (f) => points(f.lift)),
  ];
}

const tasksText = (tasks: { total: number; done: number; overdue: number }) =>
  tasks.total === 0 ? 'no tasks' : `${tasks.done}/${tasks.total} done${tasks.overdue > 0 ? `, ${tasks.overdue} overdue` : ''}`;

const NOT_SCORED = 'not scored';

/**
 * What a report on unscored data says instead of $0: which week, why nothing is known, and the
 * commands that fill it in (the daily run, or the daily run for each past day).
 */
export function notScoredNotice(figures: Pick<WeeklyFigures, 'week' | 'atRisk' | 'horizonDays'>): string {
  const { week, atRisk, horizonDays } = figures;
  const fix = 'run `radar run` daily, or backfill past days with `radar run --as-of YYYY-MM-DD` for each day (`radar demo` replays 12 weeks on a sample company)';
  if (atRisk.accounts === 0) {
    return `no account was scored in ${week}: no account renews in the ${horizonDays} days after ${atRisk.asOf} (load accounts and renewals with \`radar ingest\`), then ${fix}`;
  }
  const who = atRisk.accounts === 1 ? `the one account renewing in the ${horizonDays} days after ${atRisk.asOf} has no` : `none of the ${count(atRisk.accounts)} accounts renewing in the ${horizonDays} days after ${atRisk.asOf} has a`;
  return `no account was scored in ${week}: ${who} risk score dated on or before that day; ${fix}`;
}

export function buildReportView(figures: WeeklyFigures): ReportView {
  const c = figures.currency;
  const m = (cents: number) => money(cents, c);
  const axis = (value: number) => moneyShort(Math.round(value), c);
  const defs = definitions(figures);
  const { renewals, atRisk, modelHealth: health } = figures;
  const tierLabel = figures.atRiskTiers.join(' + ');
  // Unscored is unknown, not zero: at-risk figures read "not scored" and the notice says what to run.
  const scored = atRisk.scoredAccounts > 0;
  const ifScored = (text: string) => (scored ? text : NOT_SCORED);

  const sections: ViewSection[] = [
    {
      id: 'renewals',
      title: 'Renewals and retention',
      definitions: defs.renewals!,
      tables: [{ id: 'renewals', caption: 'Renewals decided', columns: ['Measure', `Week ${figures.week}`, 'Quarter to date', 'Trailing 12 months'], rows: renewalRows([renewals.week, renewals.quarterToDate, renewals.trailing12Months], c) }],
      charts: [],
    },
    {
      id: 'at-risk',
      title: `At-risk ARR renewing in the next ${figures.horizonDays} days`,
      definitions: defs.atRisk!,
      tables: [
        {
          id: 'at-risk-summary',
          caption: `As of ${atRisk.asOf}`,
          columns: ['Measure', 'Value'],
          rows: [
            { key: 'atRisk.renewing', cells: ['Renewing ARR (accounts)', `${m(atRisk.renewingCents)} (${count(atRisk.accounts)})`] },
            { key: 'atRisk.scored', cells: ['Scored accounts (a score on or before that day)', count(atRisk.scoredAccounts)] },
            { key: 'atRisk.atRisk', cells: [`At-risk ARR, ${tierLabel} (accounts)`, ifScored(`${m(atRisk.atRiskCents)} (${count(atRisk.atRiskAccounts)})`)] },
            { key: 'atRisk.share', cells: ['At-risk share of renewing ARR', ifScored(percent(atRisk.renewingCents === 0 ? null : atRisk.atRiskCents / atRisk.renewingCents))] },
            { key: 'atRisk.expectedLoss', cells: ['Expected loss (Σ ARR × probability)', ifScored(m(atRisk.expectedLossCents))] },
          ],
        },
        // An empty table renders as its notice (HTML and Markdown alike), so the note sits under the summary.
        ...(scored ? [] : [{ id: 'at-risk-not-scored', caption: 'Not scored', columns: [], rows: [], empty: notScoredNotice(figures) }]),
        {
          id: 'at-risk-tier',
          caption: 'By tier',
          columns: ['Tier', 'Accounts', 'Renewing ARR'],
          rows: atRisk.byTier.map((bucket) => ({ key: `atRisk.tier.${bucket.tier}`, cells: [bucket.tier, count(bucket.accounts), m(bucket.arrCents)], flagged: figures.atRiskTiers.includes(bucket.tier as never) })),
        },
        {
          id: 'at-risk-segment',
          caption: 'By segment',
          columns: ['Segment', 'Renewing accounts', 'Renewing ARR', 'At-risk accounts', 'At-risk ARR', 'At-risk share'],
          rows: atRisk.bySegment.map((bucket) => ({
            key: `atRisk.segment.${bucket.segment}`,
            cells: [bucket.segment, count(bucket.accounts), m(bucket.renewingCents), ifScored(count(bucket.atRiskAccounts)), ifScored(m(bucket.atRiskCents)), ifScored(percent(bucket.atRiskShare))],
          })),
          empty: 'No accounts.',
        },
        {
          id: 'at-risk-trend',
          caption: `Trend, last ${figures.trend.length} weeks`,
          columns: ['Week', 'As of', 'At-risk accounts', 'At-risk ARR'],
          rows: figures.trend.map((point) => ({
            key: `trend.${point.week}`,
            cells: [point.week, point.asOf, ...(point.scoredAccounts > 0 ? [count(point.atRiskAccounts), m(point.atRiskCents)] : [NOT_SCORED, NOT_SCORED])],
          })),
        },
      ],
      charts: [
        { kind: 'line', id: 'chart-trend', title: `At-risk ARR (${tierLabel}), weekly`, points: figures.trend.map((point) => (point.scoredAccounts > 0 ? { label: point.week.slice(5), value: point.atRiskCents, display: m(point.atRiskCents) } : { label: point.week.slice(5), value: null, display: NOT_SCORED })), axisLabel: axis },
        { kind: 'bars', id: 'chart-tier', title: 'Renewing ARR by tier', bars: atRisk.byTier.map((bucket) => ({ label: bucket.tier, value: bucket.arrCents, display: m(bucket.arrCents) })), axisLabel: axis },
        { kind: 'bars', id: 'chart-segment', title: `At-risk ARR by segment`, bars: atRisk.bySegment.map((bucket) => (scored ? { label: bucket.segment, value: bucket.atRiskCents, display: m(bucket.atRiskCents) } : { label: bucket.segment, value: null, display: NOT_SCORED })), axisLabel: axis },
      ],
    },
    ...(figures.forecast ? [forecastSection(figures.forecast, c, figures.forecast.topContributors)] : []),
    {
      id: 'top-accounts',
      title: 'Top at-risk accounts',
      definitions: defs.topAccounts!,
      tables: [
        {
          id: 'top-accounts',
          caption: `Top ${figures.topAccounts.length} by ARR × probability`,
          columns: ['#', 'Account', 'Segment', 'Owner', 'Tier', 'Probability', 'ARR', 'ARR × probability', 'Renewal', 'Days', 'Tasks'],
          rows: figures.topAccounts.map((account, index) => ({
            key: `top.${account.externalId}`,
            cells: [
              String(index + 1),
              `${account.name} (${account.externalId})`,
              account.segment,
              account.owner ?? 'unassigned',
              account.tier,
              percent(account.probability),
              m(account.arrCents),
              m(account.expectedLossCents),
              account.renewalDate,
              String(account.daysToRenewal),
              tasksText(account.tasks),
            ],
          })),
          empty: 'No scored account renews in the horizon.',
        },
      ],
      charts: [],
    },
    {
      id: 'funnel',
      title: 'Alert funnel and save rate',
      definitions: defs.funnel!,
      tables: [
        { id: 'funnel', caption: 'Alerts → tasks done → outcomes', columns: ['Stage', 'Quarter to date', 'Trailing 12 months'], rows: funnelRows([figures.funnel.quarterToDate, figures.funnel.trailing12Months]) },
        {
          id: 'not-risk',
          caption: 'Marked “not a risk” in Slack, trailing 12 months',
          columns: ['Tier', 'Delivered alerts', 'Not a risk', 'Rate'],
          rows: figures.notRisk.map((row) => ({
            key: `notRisk.${row.tier}`,
            cells: [row.tier, count(row.alerts), count(row.notRisk), row.alerts === 0 ? 'n/a' : percent(row.notRisk / row.alerts)],
          })),
        },
      ],
      charts: [],
    },
    {
      id: 'model-health',
      title: 'Model health',
      definitions: defs.modelHealth!,
      tables: [
        {
          id: 'model-health',
          caption: `Renewals decided ${health.period.from} … ${health.period.to}`,
          columns: ['Measure', 'Value'],
          rows: [
            { key: 'model.decided', cells: ['Renewals decided', count(health.decided)] },
            { key: 'model.scored', cells: ['Scored: at the lead point / latest before decision', `${count(health.scored)}: ${count(health.fromLead)} / ${count(health.fromLatest)}`] },
            { key: 'model.unscored', cells: ['Unscored (left out)', count(health.unscored)] },
            { key: 'model.churned', cells: ['Churned among scored', count(health.churned)] },
            { key: 'model.auc', cells: ['ROC AUC, model', decimal(health.rocAuc)] },
            { key: 'model.scorecardAuc', cells: ['ROC AUC, rule scorecard', health.scorecardRocAuc === null ? 'n/a' : decimal(health.scorecardRocAuc)] },
            { key: 'model.scorecardScored', cells: ['Renewals compared with the scorecard', String(health.scorecardScored)] },
            { key: 'model.brier', cells: ['Brier score, model', decimal(health.brier, 4)] },
          ],
        },
        {
          id: 'model-calibration',
          caption: 'Calibration',
          columns: ['Bin', 'Renewals', 'Probability range', 'Mean probability', 'Observed churn'],
          rows: (health.calibration ?? []).map((bin) => ({
            key: `calibration.${bin.bin}`,
            cells: [String(bin.bin), count(bin.count), `${percent(bin.minPredicted)} – ${percent(bin.maxPredicted)}`, percent(bin.meanPredicted), percent(bin.observedRate)],
          })),
          empty: 'n/a — no scored renewal decided in the window.',
        },
        {
          id: 'model-versions',
          caption: 'Models behind these scores: held-out AUC at training, model vs scorecard',
          columns: ['Model', 'Promoted', 'Held-out AUC, model', 'Held-out AUC, scorecard'],
          rows: health.models.map((model) => ({ key: `model.version.${model.version}`, cells: [model.version, model.promoted ? 'yes' : 'no', decimal(model.modelRocAuc), decimal(model.scorecardRocAuc)] })),
          empty: 'n/a — no stored model behind these scores.',
        },
      ],
      charts: [{ kind: 'calibration', id: 'chart-calibration', title: 'Calibration: mean probability vs observed churn', bins: health.calibration ?? [] }],
    },
    {
      id: 'freshness',
      title: 'Data freshness',
      definitions: defs.freshness!,
      tables: [
        {
          id: 'freshness',
          caption: `Judged at ${figures.generatedAt}`,
          columns: ['Source', 'Entity', 'Newest fact', 'Max staleness', 'Status', 'Last run'],
          rows: figures.freshness.map((source) => ({
            key: `freshness.${source.source}`,
            cells: [source.source, source.entity, source.newestFact ?? 'none', source.maxStaleness ?? 'not configured', source.stale ? 'STALE' : 'fresh', source.lastRunStatus ? `${source.lastRunStatus} ${source.lastRunStartedAt ?? ''}`.trim() : 'never run'],
            flagged: source.stale,
          })),
          empty: 'No source has been ingested or configured.',
        },
      ],
      charts: [],
    },
  ];

  return {
    title: `Renewal Radar — weekly retention report, ${figures.week}`,
    subtitle: `Week ${figures.periods.thisWeek.from} … ${figures.periods.thisWeek.to} · money in ${figures.currency} · generated ${figures.generatedAt}`,
    headline: [
      { label: 'GRR, quarter to date', value: percent(renewals.quarterToDate.grossRevenueRetention) },
      { label: 'NRR, quarter to date', value: percent(renewals.quarterToDate.netRevenueRetention) },
      { label: 'Renewals decided this week', value: count(renewals.week.decided) },
      { label: `At-risk ARR, next ${figures.horizonDays} days`, value: ifScored(m(atRisk.atRiskCents)) },
      { label: 'Expected loss', value: ifScored(m(atRisk.expectedLossCents)) },
      { label: 'Stale sources', value: count(figures.freshness.filter((source) => source.stale).length) },
    ],
    sections,
  };
}

/** A chart as data: every field but the axis formatter the SVG renderer calls. */
export type JsonChart = ViewChart extends infer C ? (C extends unknown ? Omit<C, 'axisLabel'> : never) : never;
export type JsonReportView = Omit<ReportView, 'sections'> & { readonly sections: readonly (Omit<ViewSection, 'charts'> & { readonly charts: readonly JsonChart[] })[] };

/** The view-model as JSON (the REST API's weekly report): the same tables and chart data, without functions. */
export function jsonReportView(view: ReportView): JsonReportView {
  return {
    ...view,
    sections: view.sections.map((section) => ({
      ...section,
      charts: section.charts.map((chart): JsonChart => {
        if (chart.kind === 'line' || chart.kind === 'bars' || chart.kind === 'intervals') {
          const { axisLabel: _axisLabel, ...data } = chart;
          return data;
        }
        return chart;
      }),
    })),
  };
}
