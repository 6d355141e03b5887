// Reads for `radar tune`: the segment of each account whose renewals are tuned on.
import type { Queryable } from './database.ts';
import { isAnyOf } from './batches.ts';

/** Each given account's segment (current: accounts keep their segment across renewals), by account id. */
export async function accountSegments(db: Queryable, accountIds: readonly number[]): Promise<Map<number, string>> {
  if (accountIds.length === 0) return new Map();
  const rows = await db.selectFrom('accounts').select(['account_id', 'segment']).where(isAnyOf('account_id', [...new Set(accountIds)])).execute();
  return new Map(rows.map((row) => [row.account_id, row.segment]));
}
