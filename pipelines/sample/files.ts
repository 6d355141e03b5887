// The import formats: one FileSpec per output file — its columns, how a generated row becomes a
// record, and which faults may be planted in it.
import type { SampleAccount } from './accounts.ts';
import { centsToDecimal, csvLineOf } from './csv.ts';
import { formatDay, formatInstant } from './days.ts';
import { badDate, invalidValue, missing, negative, nonNumeric, outOfRange, unknownAccount, type FaultKind, type FileRecord, type FileSpec } from './faults.ts';
import type { ProductEvent } from './events.ts';
import type { Invoice } from './invoices.ts';
import type { NpsResponse } from './nps.ts';
import type { AccountLife, ContractPeriod } from './lifecycle.ts';
import type { MarketEvent } from './market.ts';
import type { SupportContact } from './support.ts';
import type { UsageRow } from './usage.ts';

export const SAMPLE_FILES = ['accounts.csv', 'usage_daily.csv.gz', 'support_contacts.ndjson', 'invoices.csv', 'renewals.csv', 'market_events.csv'] as const;
export type SampleFile = (typeof SAMPLE_FILES)[number];

/**
 * Bring-your-own-signals files (issue 14): a Segment track export of product events and an NPS survey.
 * The event export gets planted rejects but no planted duplicates: an event has no id, so a duplicated
 * line is a second event, counted as such (as it would be in a real export).
 */
export const SIGNAL_FILES = ['events.ndjson.gz', 'nps_responses.csv'] as const;
export type SignalFile = (typeof SIGNAL_FILES)[number];

export type WithExternalId<T> = T & { readonly externalId: string };

export interface RenewalRow {
  readonly account: SampleAccount;
  readonly period: ContractPeriod;
}

function csvSpec<Row>(spec: { file: SampleFile | SignalFile; entity: FileSpec<Row>['entity']; columns: readonly string[]; toRecord: (row: Row) => FileRecord; faultKinds: readonly FaultKind[] }): FileSpec<Row> {
  return {
    file: spec.file,
    entity: spec.entity,
    header: spec.columns.join(','),
    toRecord: spec.toRecord,
    encode: (record) => csvLineOf(record, spec.columns),
    faultKinds: spec.faultKinds,
  };
}

export const accountsFile = csvSpec<AccountLife>({
  file: 'accounts.csv',
  entity: 'accounts',
  columns: ['account_id', 'name', 'segment', 'industry', 'plan', 'arr_cents', 'currency', 'csm_email', 'csm_slack_id', 'contract_start', 'renewal_date', 'status'],
  toRecord: ({ account, arrCents, renewalDate, status }) => ({
    account_id: account.id,
    name: account.name,
    segment: account.segment,
    industry: account.industry,
    plan: account.plan,
    arr_cents: arrCents,
    currency: 'USD',
    csm_email: account.csm?.email,
    csm_slack_id: account.csm?.slackId,
    contract_start: formatDay(account.contractStart),
    renewal_date: formatDay(renewalDate),
    status,
  }),
  faultKinds: [badDate('contract_start'), negative('arr_cents', 'negative amount'), missing('name')],
});

export const usageFile = csvSpec<UsageRow>({
  file: 'usage_daily.csv.gz',
  entity: 'usage_daily',
  columns: ['account_id', 'day', 'active_users', 'sessions', 'events', 'minutes', 'licensed_seats'],
  toRecord: (row) => ({
    account_id: row.accountId,
    day: formatDay(row.day),
    active_users: row.activeUsers,
    sessions: row.sessions,
    events: row.events,
    minutes: row.minutes,
    licensed_seats: row.licensedSeats,
  }),
  faultKinds: [badDate('day'), unknownAccount(), negative('active_users', 'negative count'), nonNumeric('sessions'), missing('active_users')],
});

export const supportFile: FileSpec<WithExternalId<SupportContact>> = {
  file: 'support_contacts.ndjson',
  entity: 'support_contacts',
  header: null,
  toRecord: (contact) => ({
    external_id: contact.externalId,
    account_id: contact.accountId,
    opened_at: formatInstant(contact.openedAt),
    closed_at: contact.closedAt === null ? null : formatInstant(contact.closedAt),
    channel: contact.channel,
    priority: contact.priority,
    category: contact.category,
    satisfaction: contact.satisfaction,
  }),
  encode: (record) => JSON.stringify(record),
  faultKinds: [badDate('opened_at'), unknownAccount(), missing('external_id'), outOfRange('satisfaction', 9)],
};

export const invoicesFile = csvSpec<WithExternalId<Invoice>>({
  file: 'invoices.csv',
  entity: 'invoices',
  columns: ['external_id', 'account_id', 'issued_on', 'due_on', 'paid_at', 'amount', 'currency', 'status', 'failed_attempts'],
  toRecord: (invoice) => ({
    external_id: invoice.externalId,
    account_id: invoice.accountId,
    issued_on: formatDay(invoice.issuedOn),
    due_on: formatDay(invoice.dueOn),
    paid_at: invoice.paidAt === null ? null : formatInstant(invoice.paidAt),
    amount: centsToDecimal(invoice.amountCents),
    currency: 'USD',
    status: invoice.status,
    failed_attempts: invoice.failedAttempts,
  }),
  faultKinds: [badDate('issued_on'), unknownAccount(), negative('amount', 'negative amount'), nonNumeric('failed_attempts'), missing('external_id')],
});

export const renewalsFile = csvSpec<RenewalRow>({
  file: 'renewals.csv',
  entity: 'renewals',
  columns: ['account_id', 'renewal_date', 'outcome', 'arr_before_cents', 'arr_after_cents', 'decided_at'],
  toRecord: ({ account, period }) => ({
    account_id: account.id,
    renewal_date: formatDay(period.renewal),
    outcome: period.outcome,
    arr_before_cents: period.arrCents,
    arr_after_cents: period.arrAfterCents,
    decided_at: formatInstant(period.decidedAt),
  }),
  faultKinds: [badDate('renewal_date'), unknownAccount(), negative('arr_before_cents', 'negative amount'), missing('outcome')],
});

export const marketEventsFile = csvSpec<MarketEvent>({
  file: 'market_events.csv',
  entity: 'market_events',
  columns: ['event_date', 'competitor', 'kind', 'segment', 'industry', 'title'],
  toRecord: (event) => ({
    event_date: formatDay(event.day),
    competitor: event.competitor,
    kind: event.kind,
    segment: event.segment,
    industry: event.industry,
    title: event.title,
  }),
  faultKinds: [badDate('event_date'), missing('competitor'), invalidValue('kind', 'rumour')],
});

/** Segment `track` calls, as Segment's exports write them (the account is the group). */
export const eventsFile: FileSpec<ProductEvent> = {
  file: 'events.ndjson.gz',
  entity: 'usage_events',
  header: null,
  toRecord: (event) => ({ groupId: event.accountId, userId: event.userId, event: event.event, timestamp: formatInstant(event.at) }),
  // What JSON.stringify of the nested object writes, built directly: this file has millions of lines.
  encode: (record) =>
    `{"type":"track","event":${JSON.stringify(record.event)},"userId":${JSON.stringify(record.userId)},"timestamp":${JSON.stringify(record.timestamp)},"context":{${record.groupId === undefined ? '' : `"groupId":${JSON.stringify(record.groupId)}`}}}`,
  faultKinds: [badDate('timestamp'), unknownAccount('groupId'), missing('groupId')],
  plantsDuplicates: false,
};

export const npsFile = csvSpec<NpsResponse>({
  file: 'nps_responses.csv',
  entity: 'account_signals',
  columns: ['account_id', 'responded_at', 'respondent', 'score'],
  toRecord: (response) => ({ account_id: response.accountId, responded_at: formatInstant(response.respondedAt), respondent: response.respondent, score: response.score }),
  faultKinds: [badDate('responded_at'), unknownAccount(), nonNumeric('score')],
  // A repeated answer is the same (account, nps, responded at): the loader stores it once.
});
