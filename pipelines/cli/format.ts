// How the CLI names things in listings.

/** "Acme Corp (ACME-001)": people recognise the name and search by the external id, never the internal id. */
export function accountLabel(account: { readonly name: string | null; readonly externalId: string | null }): string {
  if (account.name === null || account.externalId === null) return account.externalId ?? account.name ?? '-';
  return `${account.name} (${account.externalId})`;
}
