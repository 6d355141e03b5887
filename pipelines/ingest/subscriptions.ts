// After a subscriptions load: renewals derived from all stored periods, and (unless configured off) the
// accounts' current renewal date, ARR and status. Runs in the load's transaction, so a failure here
// leaves the periods, the renewals and the accounts as they were.
import type { Kysely } from 'kysely';
import type { SubscriptionsConfig } from '../../config/subscriptions.ts';
import type { DB } from '../../sql/schema.ts';
import { deriveRenewals, updateAccountsFromSubscriptions, type DerivedRenewalCounts } from '../../sql/subscriptions.ts';

export interface SubscriptionsDerivation {
  readonly derivedRenewals: DerivedRenewalCounts;
  /** Accounts whose renewal_date, arr_cents or status changed; null when `updateAccounts` is off. */
  readonly accountsUpdated: number | null;
}

export async function deriveFromSubscriptions(trx: Kysely<DB>, config: SubscriptionsConfig, now: Date): Promise<SubscriptionsDerivation & Record<string, unknown>> {
  const settings = { now, graceDays: config.graceDays };
  const derivedRenewals = await deriveRenewals(trx, settings);
  const accountsUpdated = config.updateAccounts ? await updateAccountsFromSubscriptions(trx, settings) : null;
  return { derivedRenewals, accountsUpdated };
}

/** The run summary's line about derived renewals, for a load whose detail carries them. */
export function describeDerivation(detail: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const counts = detail?.derivedRenewals as DerivedRenewalCounts | undefined;
  if (!counts) return undefined;
  const kept = counts.keptFromSource > 0 ? `, ${counts.keptFromSource} kept from a renewals source` : '';
  const accounts = typeof detail?.accountsUpdated === 'number' ? `; ${detail.accountsUpdated} account(s) updated` : '';
  return `derived renewals: ${counts.inserted} inserted, ${counts.updated} updated, ${counts.unchanged} unchanged, ${counts.deleted} deleted${kept}${accounts}`;
}
