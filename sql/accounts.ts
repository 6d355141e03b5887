// Account names for listings: people recognise "Acme Corp (ACME-001)", not an internal account id.
import type { Queryable } from './database.ts';
import { isAnyOf } from './batches.ts';

export interface AccountLabel {
  readonly accountId: number;
  readonly externalId: string;
  readonly name: string;
}

/** The name and external id of each given account, by account id (unknown ids are absent). */
export async function accountLabels(db: Queryable, accountIds: readonly number[]): Promise<Map<number, AccountLabel>> {
  if (accountIds.length === 0) return new Map();
  const rows = await db.selectFrom('accounts').select(['account_id', 'external_id', 'name']).where(isAnyOf('account_id', [...new Set(accountIds)])).execute();
  return new Map(rows.map((row) => [row.account_id, { accountId: row.account_id, externalId: row.external_id, name: row.name }]));
}
