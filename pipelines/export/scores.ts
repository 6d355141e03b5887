// `radar export scores`: one row per account with its churn score as of a day, for a scheduled CRM
// import. Point in time: each account's latest score dated on or before the day (the promoted model's
// when two models scored it), read in keyset batches of accounts so memory stays flat at any account
// count; the account's own fields (name, renewal date, ARR) are today's, as in the REST API.
// CSV is RFC 4180 (pipelines/csv.ts) with text cells neutralised against spreadsheet formulas; NDJSON
// keeps values as they are (numbers as numbers, drivers as a list).
import type { Kysely } from 'kysely';
import { apiAccounts, type ApiAccountRow } from '../../sql/api.ts';
import type { DB } from '../../sql/schema.ts';
import { csvLine, spreadsheetText } from '../csv.ts';

export const EXPORT_FORMATS = ['csv', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const SCORE_COLUMNS = ['external_id', 'name', 'churn_probability', 'tier', 'top_drivers', 'renewal_date', 'arr', 'currency', 'as_of', 'scored_on', 'model_version'] as const;

/** Drivers that raise the risk, strongest first, at most this many in `top_drivers`. */
const TOP_DRIVERS = 3;

export interface ScoreExportRow {
  readonly externalId: string;
  readonly name: string;
  readonly probability: number | null;
  readonly tier: string | null;
  readonly topDrivers: readonly string[];
  readonly renewalDate: string;
  readonly arrCents: number;
  readonly currency: string;
  readonly asOf: string;
  readonly scoredOn: string | null;
  readonly modelVersion: string | null;
}

interface StoredDriver {
  readonly indicator?: unknown;
  readonly contribution?: unknown;
  readonly sentence?: unknown;
}

/** The drivers in words: positive contributions, strongest first, each its sentence (or the indicator's name). */
export function driversInWords(drivers: unknown): string[] {
  if (!Array.isArray(drivers)) return [];
  return (drivers as StoredDriver[])
    .filter((driver) => typeof driver.contribution === 'number' && driver.contribution > 0)
    .sort((a, b) => (b.contribution as number) - (a.contribution as number))
    .slice(0, TOP_DRIVERS)
    .map((driver) => String(typeof driver.sentence === 'string' && driver.sentence ? driver.sentence : driver.indicator));
}

export function scoreExportRow(account: ApiAccountRow, asOf: string): ScoreExportRow {
  const score = account.score;
  return {
    externalId: account.externalId,
    name: account.name,
    probability: score?.probability ?? null,
    tier: score?.tier ?? null,
    topDrivers: score ? driversInWords(score.drivers) : [],
    renewalDate: account.renewalDate,
    arrCents: account.arrCents,
    currency: account.currency,
    asOf,
    scoredOn: score?.asOf ?? null,
    modelVersion: score?.modelVersion ?? null,
  };
}

/** Integer cents as a decimal amount, exactly: 12345 → "123.45". */
export function centsToDecimal(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

export function csvRecord(row: ScoreExportRow): string {
  const text = (value: string | null) => (value === null ? null : spreadsheetText(value));
  return csvLine([
    text(row.externalId), text(row.name), row.probability, row.tier, row.topDrivers.length > 0 ? text(row.topDrivers.join('; ')) : null, row.renewalDate,
    centsToDecimal(row.arrCents), row.currency, row.asOf, row.scoredOn, text(row.modelVersion),
  ]);
}

export function jsonRecord(row: ScoreExportRow): string {
  return JSON.stringify({
    externalId: row.externalId, name: row.name, churnProbability: row.probability, tier: row.tier, topDrivers: row.topDrivers, renewalDate: row.renewalDate,
    arrCents: row.arrCents, currency: row.currency, asOf: row.asOf, scoredOn: row.scoredOn, modelVersion: row.modelVersion,
  });
}

/**
 * The export as lines (each ending in CRLF for CSV, as RFC 4180 has it; LF for NDJSON), the CSV
 * header first, accounts by id. Reads `batchSize` accounts at a time.
 */
export async function* scoreExportLines(db: Kysely<DB>, options: { asOf: string; format: ExportFormat; batchSize?: number; onRows?: (count: number) => void }): AsyncGenerator<string> {
  const batchSize = options.batchSize ?? 2000;
  const csv = options.format === 'csv';
  if (csv) yield `${SCORE_COLUMNS.join(',')}\r\n`;
  let after = 0;
  for (;;) {
    const accounts = await apiAccounts(db, { asOf: options.asOf, after, limit: batchSize, withIndicators: false });
    if (accounts.length === 0) return;
    let chunk = '';
    for (const account of accounts) {
      const row = scoreExportRow(account, options.asOf);
      chunk += csv ? `${csvRecord(row)}\r\n` : `${jsonRecord(row)}\n`;
    }
    options.onRows?.(accounts.length);
    yield chunk;
    if (accounts.length < batchSize) return;
    after = accounts.at(-1)!.accountId;
  }
}
