// What every indicator file exports. One file per indicator; indicators/registry.ts collects them.
//
// An indicator is a point-in-time metric per account as of a day D. Its `sql` is ONE set-based SELECT
// returning `(account_id bigint, value double precision, detail_values double precision[])` for the
// in-scope accounts, where detail_values is its `detail.pack({…})` (indicators/detail.ts), plus a
// `detail_extras jsonb` column when its detail declares extras; the
// runner (indicators/statement.ts) composes all indicators of a date into one statement, so they share the
// point-in-time relations below instead of each re-deriving them:
//
//   scope(account_id, segment, industry, contract_start, next_renewal_on, arr_cents, arr_source, usage_from, metrics_from)
//       in-scope accounts as of D; next_renewal_on and arr_cents are derived as of D, never current state.
//       usage_from / metrics_from: the account's first covered day for usage_daily / usage_metrics_daily
//       (`indicators.coverageStart`: the contract start, or the first day it reported by D; NULL = none).
//       A covered day without a row is a day without usage (indicators/coverage.ts).
//   usage_stats(account_id, <aggregates contributed by the indicators' `usage.aggregates`>)
//       one pass over usage_daily (days D−lookback+1 … D) for all usage indicators; no row = no usage.
//   metric_stats(account_id, <aggregates contributed by the indicators' `metrics.aggregates`>)
//       one pass over usage_metrics_daily (days D−lookback+1 … D, the metrics asked for) for custom indicators.
//   invoice_stats(account_id, <aggregates contributed by the indicators' `invoices.aggregates`>)
//       one pass over the invoices issued by D (void excluded), per account with at least one; the rows
//       aggregated have columns invoice_id, issued_on, due_on, amount_cents, failed_attempts, paid
//       (paid_at before the end of D), delay_days (max(0, min(paid day, D) − due_on)) and recency
//       (1 = the most recently issued).
//   support_stats(account_id, <aggregates contributed by the indicators' `support.aggregates`>)
//       one pass over support_contacts opened in the longest window the indicators ask for (and before
//       the end of D), per account with at least one such contact.
//
// Aggregates must be exact (counts, integer sums, min/max, numeric averages): the statement may run with
// parallel workers, which combine partial aggregates in a varying order, and floating-point sums would then
// differ in the last bits between runs. Derive ratios, means and slopes from the exact sums in `sql`.
//
// A value that cannot be computed is NULL (stored with flag 'no-data'); never NaN.
import type { RawBuilder } from 'kysely';
import type { z } from 'zod';
import type { Json } from '../sql/schema.ts';
import type { DetailFields } from './detail.ts';
import type { MetricColumn } from './custom/metric.ts';

/** Which way is risky: 'higher' = larger values are worse; 'lower' = smaller values are worse. */
export type RiskDirection = 'higher' | 'lower';

export type Flag = 'ok' | 'warning' | 'critical' | 'no-data';
export const FLAGS: readonly Flag[] = ['ok', 'warning', 'critical', 'no-data'];

/** What the value counts. */
/** 'value': a number as reported (an account signal such as NPS), used by the model as is. */
export type IndicatorUnit = 'ratio' | 'fraction' | 'days' | 'count' | 'cents' | 'boolean' | 'value';

/** Warning and critical thresholds; null disables that level. Both inclusive. */
export interface Thresholds {
  readonly warning: number | null;
  readonly critical: number | null;
  /** Per account segment, levels used instead of the ones above (config `indicators.<id>.segments`). */
  readonly segments?: Readonly<Record<string, { readonly warning: number | null; readonly critical: number | null }>> | undefined;
}

/** Counts behind a value: indicator_values.detail_values unpacked by the indicator's detail fields. */
export type IndicatorDetail = { readonly [key: string]: Json };

/** Bound-parameter helpers for writing point-in-time SQL. */
export interface IndicatorSqlContext<Config> {
  /** D as 'YYYY-MM-DD'. */
  readonly asOf: string;
  readonly config: Config;
  /** D as a bound `date` expression. */
  readonly d: RawBuilder<string>;
  /** The day `days` before D, as a bound `date` expression (0 = D). */
  readonly dayMinus: (days: number) => RawBuilder<string>;
  /** Midnight UTC starting the day `days` before D, as `timestamptz`. A window of N days starts at startOfDayMinus(N − 1). */
  readonly startOfDayMinus: (days: number) => RawBuilder<Date>;
  /** Midnight UTC after D: a fact with a timestamp before this is known on D. */
  readonly knownBefore: RawBuilder<Date>;
}

/** The shape every indicator's SELECT returns. */
export interface IndicatorSqlRow {
  account_id: number;
  value: number | null;
  detail_values: (number | null)[];
  /** Only when the detail declares extras. */
  detail_extras?: IndicatorDetail;
}

/** The shape of an indicator's LATERAL form: its one row for the scope row `s`. */
export type IndicatorLateralRow = Omit<IndicatorSqlRow, 'account_id'>;

export interface IndicatorDefinition<Config extends z.ZodType<Thresholds> = z.ZodType<Thresholds>> {
  /** Stable id, used as the config key and in indicator_values.indicator (camelCase). */
  readonly id: string;
  readonly title: string;
  /** What it measures and why it signals risk (shown in docs and `radar indicators explain`). */
  readonly description: string;
  readonly unit: IndicatorUnit;
  readonly riskDirection: RiskDirection;
  /** The zod schema of this indicator's section under `indicators:` in config, with defaults. */
  readonly configSchema: Config;
  /** For indicators reading usage_daily: the aggregates they add to the shared `usage_stats` pass. */
  readonly usage?: {
    /** Days of usage (ending at D) the aggregates need. */
    lookbackDays(config: z.output<Config>): number;
    /** Column name → aggregate over usage_daily rows (columns day, active_users, sessions, events, minutes, licensed_seats). Names must be unique across indicators. */
    aggregates(context: IndicatorSqlContext<z.output<Config>>): Readonly<Record<string, RawBuilder<unknown>>>;
  };
  /** For indicators reading usage_metrics_daily: the aggregates they add to the shared `metric_stats` pass. */
  readonly metrics?: {
    /** Days of metrics (ending at D) the aggregates need. */
    lookbackDays(config: z.output<Config>): number;
    /**
     * Column name → a window aggregate of one metric over usage_metrics_daily rows (custom/metric.ts
     * MetricColumn), computed once per account and (metric, `shared` name) in one aggregate by account (the
     * same name must mean the same aggregate, whichever indicator asks). Names must be unique across indicators.
     */
    aggregates(context: IndicatorSqlContext<z.output<Config>>): Readonly<Record<string, MetricColumn>>;
  };
  /** For indicators reading invoices: the aggregates they add to the shared `invoice_stats` pass. */
  readonly invoices?: {
    /** Column name → aggregate over the invoice rows described above. Names must be unique across indicators. */
    aggregates(context: IndicatorSqlContext<z.output<Config>>): Readonly<Record<string, RawBuilder<unknown>>>;
  };
  /** For indicators reading support contacts: the aggregates they add to the shared `support_stats` pass. */
  readonly support?: {
    /** Days of contacts (opened on D and the days before it) the aggregates need. */
    lookbackDays(config: z.output<Config>): number;
    /** Column name → aggregate over support_contacts rows (opened_at, closed_at, priority, satisfaction, …). Names must be unique across indicators. */
    aggregates(context: IndicatorSqlContext<z.output<Config>>): Readonly<Record<string, RawBuilder<unknown>>>;
  };
  /** The counts behind a value: field names and kinds, packed by `sql` and unpacked for `explain` and drivers. */
  readonly detail: DetailFields;
  /** One SELECT of (account_id, value, detail_values[, detail_extras]) for the accounts in `scope`; accounts it omits get NULL. */
  sql(context: IndicatorSqlContext<z.output<Config>>): RawBuilder<IndicatorSqlRow>;
  /**
   * Optional: the same values as a LATERAL subquery over the scope row `s`, with usage_stats `u` and
   * metric_stats `m` joined (one row each). Indicators that have it are evaluated together in one pass over
   * the scope rather than each joining it again (the custom kinds: twelve joins cost as much as the built-ins).
   */
  lateral?(context: IndicatorSqlContext<z.output<Config>>): RawBuilder<IndicatorLateralRow>;
  /**
   * LATERAL subqueries over `s` that `lateral` reads by these aliases (an account signal's probe): the
   * statement joins each alias once for all the indicators naming it, so the same alias must mean the same subquery.
   */
  lateralJoins?(context: IndicatorSqlContext<z.output<Config>>): Readonly<Record<string, RawBuilder<unknown>>>;
  /** The counts behind a value, as one sentence. */
  explain(value: number | null, detail: IndicatorDetail, config: z.output<Config>): string;
  /** The alert driver in a CSM's words ("Reports per active user down 64% vs the prior quarter"); built-ins have theirs in models/drivers.ts. */
  driver?(value: number | null, detail: IndicatorDetail, config: z.output<Config>): string;
}
