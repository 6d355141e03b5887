// What a failed load says about why, in the run record, the log and the CLI. A Postgres error's message
// and fields (`where`, `detail`) quote the row that broke it ('value "3000000000" is out of range',
// 'COPY …, line 3, column account_id: "acct-00001"'); those are customer data and must not reach logs. Only
// the condition and the names of the table, column and constraint are kept. Values are validated before
// COPY, so this is the last line of defence, not the way bad rows are reported (they are quarantined).
import { RadarError } from '../errors.ts';

const CONDITIONS: Readonly<Record<string, string>> = {
  '22001': 'a value is too long for its column',
  '22003': 'a number is out of range for its column',
  '22007': 'a date or time is invalid',
  '22008': 'a date or time is out of range',
  '22021': 'a value has bytes that are not valid UTF-8',
  '22P02': 'a value has the wrong format for its column',
  '22P05': 'a value cannot be converted to the database encoding',
  '23502': 'a required value is missing',
  '23503': 'a referenced row does not exist',
  '23505': 'a unique key is repeated',
  '23514': 'a check constraint is violated',
  '40001': 'a concurrent change conflicted (serialization failure)',
  '40P01': 'a deadlock was detected',
  '57P01': 'the database server terminated the connection',
};

interface DatabaseErrorShape {
  readonly code: string;
  readonly severity: string;
  readonly table?: string;
  readonly column?: string;
  readonly constraint?: string;
}

function isDatabaseError(error: unknown): error is DatabaseErrorShape {
  const candidate = error as Partial<DatabaseErrorShape> | null;
  return typeof candidate?.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code) && typeof candidate.severity === 'string';
}

/** A failure's message without any row data it may carry. */
export function describeFailure(error: unknown): string {
  if (error instanceof RadarError) return error.message;
  if (isDatabaseError(error)) {
    const names = [error.table && `table ${error.table}`, error.column && `column ${error.column}`, error.constraint && `constraint ${error.constraint}`].filter(Boolean);
    return `the database refused the load: ${CONDITIONS[error.code] ?? 'database error'} (SQLSTATE ${error.code}${names.length ? `; ${names.join(', ')}` : ''}); row values are withheld from this message`;
  }
  return error instanceof Error ? error.message : String(error);
}
