// Database access for the renewal forecast: what it is made from (renewals already decided in the
// period, each segment's history), where it is kept (`forecasts`, written once, never updated) and
// what happened afterwards (the outcomes of the forecast's renewals). Every query is as of a day.
import { sql } from 'kysely';
import { endOf, type Queryable } from './report.ts';
import type { Json } from './schema.ts';
import { isAnyOf } from './batches.ts';

export interface DecidedInPeriodRow {
  readonly accountId: number;
  readonly externalId: string;
  readonly name: string;
  readonly segment: string;
  readonly csmEmail: string | null;
  readonly renewalDate: string;
  readonly arrCents: number;
  readonly churned: boolean;
}

/** Renewals dated in [from, to] whose outcome was known by the end of `asOf`. */
export async function renewalsDecidedInPeriod(db: Queryable, asOf: string, period: { from: string; to: string }): Promise<DecidedInPeriodRow[]> {
  const result = await sql<{ account_id: number; external_id: string; name: string; segment: string; csm_email: string | null; renewal_date: string; arr_before_cents: number; outcome: string }>`
    SELECT r.account_id, a.external_id, a.name, a.segment, a.csm_email, r.renewal_date, r.arr_before_cents, r.outcome
    FROM renewals r JOIN accounts a ON a.account_id = r.account_id
    WHERE r.renewal_date BETWEEN ${period.from}::date AND ${period.to}::date AND r.decided_at < ${endOf(asOf)}
    ORDER BY r.account_id, r.renewal_date`.execute(db);
  return result.rows.map((row) => ({
    accountId: row.account_id,
    externalId: row.external_id,
    name: row.name,
    segment: row.segment,
    csmEmail: row.csm_email,
    renewalDate: row.renewal_date,
    arrCents: row.arr_before_cents,
    churned: row.outcome === 'churned',
  }));
}

export interface SegmentHistoryRow {
  readonly segment: string;
  readonly decided: number;
  readonly churned: number;
}

/** Renewals decided by the end of `asOf`, per segment of the account: how many, how many churned. */
export async function segmentRenewalHistory(db: Queryable, asOf: string): Promise<SegmentHistoryRow[]> {
  const result = await sql<{ segment: string; decided: number; churned: number }>`
    SELECT a.segment, count(*)::int AS decided, count(*) FILTER (WHERE r.outcome = 'churned')::int AS churned
    FROM renewals r JOIN accounts a ON a.account_id = r.account_id
    WHERE r.decided_at < ${endOf(asOf)}
    GROUP BY a.segment ORDER BY a.segment`.execute(db);
  return result.rows;
}

export interface NewForecastRow {
  readonly asOf: string;
  readonly period: string;
  readonly periodFrom: string;
  readonly periodTo: string;
  readonly scope: string;
  readonly modelVersion: string | null;
  readonly configHash: string;
  readonly figures: Json;
}

export interface StoredForecastRow extends NewForecastRow {
  readonly forecastId: number;
  readonly createdAt: Date;
}

/** Keeps a forecast; one already made for the day, period and scope stays as it was. Returns whether it was new. */
export async function insertForecast(db: Queryable, row: NewForecastRow): Promise<boolean> {
  const inserted = await db
    .insertInto('forecasts')
    .values({
      as_of: row.asOf,
      period: row.period,
      period_from: row.periodFrom,
      period_to: row.periodTo,
      scope: row.scope,
      model_version: row.modelVersion,
      config_hash: row.configHash,
      figures: JSON.stringify(row.figures),
    })
    .onConflict((conflict) => conflict.columns(['as_of', 'period', 'scope']).doNothing())
    .returning('forecast_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** Whether a forecast is kept for the day, period and scope (without reading its figures). */
export async function forecastExists(db: Queryable, asOf: string, period: string, scope: string): Promise<boolean> {
  const row = await db.selectFrom('forecasts').select('forecast_id').where('as_of', '=', asOf).where('period', '=', period).where('scope', '=', scope).executeTakeFirst();
  return row !== undefined;
}

const COLUMNS = ['forecast_id', 'as_of', 'period', 'period_from', 'period_to', 'scope', 'model_version', 'config_hash', 'figures', 'created_at'] as const;

/** Stored forecasts, by period then as-of day; narrowed to periods, a scope, and forecasts made by `madeBy`. */
export async function listForecasts(db: Queryable, filter: { periods?: readonly string[]; scope?: string; madeBy?: string; asOf?: string } = {}): Promise<StoredForecastRow[]> {
  let query = db.selectFrom('forecasts').select(COLUMNS).orderBy('period_from').orderBy('period').orderBy('as_of');
  if (filter.periods) {
    if (filter.periods.length === 0) return [];
    query = query.where('period', 'in', [...filter.periods]);
  }
  if (filter.scope !== undefined) query = query.where('scope', '=', filter.scope);
  if (filter.madeBy !== undefined) query = query.where('as_of', '<=', filter.madeBy);
  if (filter.asOf !== undefined) query = query.where('as_of', '=', filter.asOf);
  const rows = await query.execute();
  return rows.map((row) => ({
    forecastId: row.forecast_id,
    asOf: row.as_of,
    period: row.period,
    periodFrom: row.period_from,
    periodTo: row.period_to,
    scope: row.scope,
    modelVersion: row.model_version,
    configHash: row.config_hash,
    figures: row.figures,
    createdAt: row.created_at,
  }));
}

export interface PeriodOutcomeRow {
  readonly accountId: number;
  readonly churned: boolean;
}

/** The outcomes, known by the end of `asOf`, of the given accounts' renewals dated in [from, to]. */
export async function periodOutcomes(db: Queryable, accountIds: readonly number[], period: { from: string; to: string }, asOf: string): Promise<PeriodOutcomeRow[]> {
  if (accountIds.length === 0) return [];
  const rows = await db
    .selectFrom('renewals')
    .select(['account_id', 'outcome'])
    .where(isAnyOf('account_id', accountIds))
    .where('renewal_date', '>=', period.from)
    .where('renewal_date', '<=', period.to)
    .where(sql<boolean>`decided_at < ${endOf(asOf)}`)
    .orderBy('account_id')
    .execute();
  return rows.map((row) => ({ accountId: row.account_id, churned: row.outcome === 'churned' }));
}
