// A deliberately plain churn model over the generated files, used by the tests to prove the hidden
// mechanisms are learnable from data alone: point-in-time features as of renewal − 90 days, an
// L2 logistic regression by gradient descent, held-out ROC AUC. It reads only the output files.
import { parseDay, type Day } from './days.ts';
import type { SampleData, TextRecord } from './sample-reader.ts';

export const LEAD_DAYS = 90;

export interface LabelledRow {
  readonly accountId: string;
  readonly renewal: Day;
  readonly churned: boolean;
  readonly features: readonly number[];
}

const dayOfText = (text: string): Day => parseDay(text.slice(0, 10)) as Day;

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const list = groups.get(key(row));
    if (list) list.push(row);
    else groups.set(key(row), [row]);
  }
  return groups;
}

const mean = (values: readonly number[]): number => (values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length);

/** Mean active users per day over [from, to), from the account's usage keyed by day. */
function meanUsers(usageByDay: Map<Day, number>, from: Day, to: Day): number {
  const values: number[] = [];
  for (let day = from; day < to; day++) {
    const value = usageByDay.get(day);
    if (value !== undefined) values.push(value);
  }
  return mean(values);
}

export const FEATURE_NAMES = [
  'usage_trend',
  'utilisation',
  'ticket_drop',
  'urgent_tickets',
  'satisfaction',
  'max_days_late',
  'failed_attempts',
  'competitor_launches',
  'smb',
  'enterprise',
  'first_renewal',
] as const;

/** One row per decided renewal, with features as known on renewal − LEAD_DAYS. */
export function labelledRows(sample: SampleData): LabelledRow[] {
  const accounts = new Map(sample.accounts.map((account) => [account.account_id as string, account]));
  const usage = new Map<string, Map<Day, number>>();
  for (const row of sample.usage) {
    const byDay = usage.get(row.account_id as string) ?? new Map<Day, number>();
    byDay.set(dayOfText(row.day as string), Number(row.active_users));
    usage.set(row.account_id as string, byDay);
  }
  const tickets = groupBy(sample.support, (contact) => String(contact.account_id));
  const bills = groupBy(sample.invoices, (invoice) => invoice.account_id as string);
  const launches = sample.marketEvents.filter((event) => event.kind === 'launch' || event.kind === 'price_cut');

  return sample.renewals.map((renewal): LabelledRow => {
    const accountId = renewal.account_id as string;
    const account = accounts.get(accountId) as TextRecord;
    const renewalDay = dayOfText(renewal.renewal_date as string);
    const asOf = renewalDay - LEAD_DAYS;
    const byDay = usage.get(accountId) ?? new Map<Day, number>();
    const recentUsers = meanUsers(byDay, asOf - 30, asOf);
    const earlierUsers = meanUsers(byDay, asOf - 150, asOf - 30);
    const accountTickets = (tickets.get(accountId) ?? [])
      .map((t) => ({ day: dayOfText(String(t.opened_at)), priority: t.priority, satisfaction: t.satisfaction }))
      .filter((t) => t.day < asOf);
    const recentTickets = accountTickets.filter((t) => t.day >= asOf - 90).length;
    const earlierTickets = accountTickets.filter((t) => t.day >= asOf - 270 && t.day < asOf - 90).length / 2;
    const rated = accountTickets.filter((t) => t.day >= asOf - 180 && t.satisfaction !== null).map((t) => Number(t.satisfaction));
    const dueBills = (bills.get(accountId) ?? []).filter((bill) => dayOfText(bill.due_on as string) < asOf && dayOfText(bill.due_on as string) >= asOf - 270);
    const daysLate = dueBills.map((bill) => Math.min(bill.paid_at ? dayOfText(bill.paid_at) : asOf, asOf) - dayOfText(bill.due_on as string));
    const contractStart = dayOfText(account.contract_start as string);
    return {
      accountId,
      renewal: renewalDay,
      churned: renewal.outcome === 'churned',
      features: [
        Math.log((recentUsers + 1) / (earlierUsers + 1)),
        Math.log(recentUsers + 1),
        Math.max(0, Math.log((earlierTickets + 1) / (recentTickets + 1))),
        accountTickets.filter((t) => t.day >= asOf - 150 && t.priority === 'urgent').length,
        rated.length > 0 ? mean(rated) : 4,
        Math.max(0, ...daysLate),
        dueBills.reduce((sum, bill) => sum + Number(bill.failed_attempts), 0),
        launches.filter((event) => (event.segment === account.segment || event.segment === '') && dayOfText(event.event_date as string) >= asOf - 180 && dayOfText(event.event_date as string) < asOf).length,
        account.segment === 'smb' ? 1 : 0,
        account.segment === 'enterprise' ? 1 : 0,
        renewalDay - contractStart < 400 ? 1 : 0,
      ],
    };
  });
}

export interface FittedModel {
  readonly weights: readonly number[];
  readonly bias: number;
  readonly means: readonly number[];
  readonly scales: readonly number[];
}

export function fitLogistic(rows: readonly LabelledRow[], options: { l2?: number; iterations?: number; learningRate?: number } = {}): FittedModel {
  const { l2 = 0.01, iterations = 800, learningRate = 0.3 } = options;
  const width = rows[0]?.features.length ?? 0;
  const means = Array.from({ length: width }, (_, j) => mean(rows.map((row) => row.features[j] as number)));
  const scales = means.map((m, j) => Math.sqrt(mean(rows.map((row) => ((row.features[j] as number) - m) ** 2))) || 1);
  const x = rows.map((row) => row.features.map((value, j) => (value - (means[j] as number)) / (scales[j] as number)));
  const y = rows.map((row) => (row.churned ? 1 : 0));
  // Balanced class weights, as the radar's own model config does by default.
  const positives = y.filter((label) => label === 1).length;
  const weightOf = (label: number) => (label === 1 ? rows.length / (2 * Math.max(1, positives)) : rows.length / (2 * Math.max(1, rows.length - positives)));
  const weights = new Array<number>(width).fill(0);
  let bias = 0;
  for (let iteration = 0; iteration < iterations; iteration++) {
    const gradient = new Array<number>(width).fill(0);
    let biasGradient = 0;
    x.forEach((features, i) => {
      const label = y[i] as number;
      const error = (predict(weights, bias, features) - label) * weightOf(label);
      features.forEach((value, j) => (gradient[j] = (gradient[j] as number) + error * value));
      biasGradient += error;
    });
    weights.forEach((w, j) => (weights[j] = w - learningRate * ((gradient[j] as number) / rows.length + l2 * w)));
    bias -= (learningRate * biasGradient) / rows.length;
  }
  return { weights, bias, means, scales };
}

function predict(weights: readonly number[], bias: number, standardised: readonly number[]): number {
  const z = standardised.reduce((sum, value, j) => sum + value * (weights[j] as number), bias);
  return 1 / (1 + Math.exp(-z));
}

export function score(model: FittedModel, row: LabelledRow): number {
  return predict(model.weights, model.bias, row.features.map((value, j) => (value - (model.means[j] as number)) / (model.scales[j] as number)));
}

/** ROC AUC by the rank-sum (Mann–Whitney) formula, ties counted half. */
export function rocAuc(scores: readonly number[], labels: readonly boolean[]): number {
  const ranked = scores.map((value, i) => ({ value, positive: labels[i] as boolean })).sort((a, b) => a.value - b.value);
  let rankSum = 0;
  for (let i = 0; i < ranked.length; ) {
    let j = i;
    while (j + 1 < ranked.length && (ranked[j + 1] as { value: number }).value === (ranked[i] as { value: number }).value) j++;
    const averageRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if ((ranked[k] as { positive: boolean }).positive) rankSum += averageRank;
    i = j + 1;
  }
  const positives = labels.filter(Boolean).length;
  const negatives = labels.length - positives;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Trains on accounts in one hash half and tests on the other, so no account is on both sides. */
export function heldOutAuc(rows: readonly LabelledRow[]): { auc: number; train: number; test: number } {
  const inTest = (row: LabelledRow) => Number(row.accountId.slice(5)) % 3 === 0;
  const train = rows.filter((row) => !inTest(row));
  const test = rows.filter(inTest);
  const model = fitLogistic(train);
  return { auc: rocAuc(test.map((row) => score(model, row)), test.map((row) => row.churned)), train: train.length, test: test.length };
}
