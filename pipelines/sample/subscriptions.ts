// The sample company's billing export (`radar sample --subscriptions`), as a billing system would list it on
// the sample's last day, so loading it derives the renewals (docs/subscriptions.md) instead of reading
// renewals.csv. Contracts are annual (two-year for some enterprise accounts) and every period carries its
// contract term's end (`term_end`), so a renewal is the term's end, as in renewals.csv. Small accounts pay
// monthly (the accounts whose invoices are monthly): twelve monthly periods per term, and the mess a real
// export has: seats added for a few months mid-term, a failed payment that ends the subscription and the
// customer subscribing again a day or two later under a new id (a prorated stub to the next billing day),
// and a 14-day free trial before some new accounts' first paid month. None of it is a renewal, so the
// derived renewals are those of renewals.csv; a monthly price is whole cents, so a monthly account's ARR is
// 12 × round(ARR / 12): within 6 cents of the file's.
import type { SampleWindow } from './accounts.ts';
import { csvLineOf } from './csv.ts';
import { addMonths, formatDay, formatInstant, instantOf, type Day } from './days.ts';
import type { AccountLife, ContractPeriod } from './lifecycle.ts';
import { randomStream, type Random } from './random.ts';

export const SUBSCRIPTIONS_FILE = 'subscriptions.csv';
const COLUMNS = ['account_id', 'subscription_id', 'period_start', 'period_end', 'interval', 'interval_count', 'amount_cents', 'quantity', 'status', 'canceled_at', 'cancel_at_period_end', 'ended_at', 'term_end'];

/** Share of monthly terms with seats added for a few months; of new monthly accounts that started with a trial. */
const ADD_ON_SHARE = 0.12;
const TRIAL_SHARE = 0.5;
const TRIAL_DAYS = 14;
/** Failed payments ending a subscription: a base share per term, more with the term's payment stress. */
const DUNNING_BASE = 0.03;
const DUNNING_PER_STRESS = 0.25;

interface Line {
  readonly subscription: string;
  readonly start: Day;
  readonly end: Day;
  readonly interval: 'day' | 'month' | 'year';
  readonly intervalCount: number;
  readonly amountCents: number;
  readonly quantity: number;
  readonly termEnd: Day;
  readonly status?: 'active' | 'canceled';
  readonly canceledAt?: number;
  readonly cancelAtPeriodEnd?: boolean;
  readonly endedAt?: number;
}

/** A churn's notice on the term's last period: the cancellation, known from its decision instant if that came by the end. */
function withNotice(line: Line, period: ContractPeriod, window: SampleWindow): Line {
  if (period.outcome !== 'churned' || period.decidedAt >= instantOf(window.end + 1) || line.end !== period.renewal) return line;
  return { ...line, status: period.renewal <= window.end ? 'canceled' : 'active', canceledAt: period.decidedAt, cancelAtPeriodEnd: true };
}

/** Annual (or two-year) billing: one period per term, billed the term's ARR × years. */
function annualLines(life: AccountLife, terms: readonly ContractPeriod[], window: SampleWindow): Line[] {
  const { account } = life;
  return terms.map((period) =>
    withNotice(
      { subscription: `sub_${account.id}`, start: period.start, end: period.renewal, interval: 'year', intervalCount: account.termYears, amountCents: period.arrCents * account.termYears, quantity: 1, termEnd: period.renewal },
      period,
      window,
    ),
  );
}

/** Monthly billing of each term, with the mid-term mess described above. */
function monthlyLines(life: AccountLife, terms: readonly ContractPeriod[], window: SampleWindow, rng: Random): Line[] {
  const { account } = life;
  let subscription = `sub_${account.id}`;
  let replacements = 0;
  const lines: Line[] = [];
  if (account.contractStart > window.start && rng.chance(TRIAL_SHARE)) {
    lines.push({ subscription, start: account.contractStart - TRIAL_DAYS, end: account.contractStart, interval: 'day', intervalCount: TRIAL_DAYS, amountCents: 0, quantity: 1, termEnd: account.contractStart });
  }
  for (const period of terms) {
    const monthly = Math.round(period.arrCents / 12);
    // The term's billing days: the contract start's day of month, as the invoices use.
    const days: Day[] = [];
    for (let n = 0; ; n++) {
      const day = addMonths(account.contractStart, n);
      if (day >= period.renewal) break;
      if (day >= period.start) days.push(day);
    }
    days.push(period.renewal);
    const months = days.length - 1;
    // Seats added for 1–3 months, never the term's last month (whose price is the renewal's ARR before).
    const addOn = months >= 5 && rng.chance(ADD_ON_SHARE) ? { from: rng.int(1, months - 4), length: rng.int(1, 3), seats: rng.int(2, 3) } : null;
    const dunning = months >= 4 && rng.chance(DUNNING_BASE + DUNNING_PER_STRESS * Math.min(1, period.paymentStress)) ? rng.int(1, months - 3) : null;
    for (let m = 0; m < months; m++) {
      const start = days[m]!;
      const end = days[m + 1]!;
      if (start > window.end) break;
      if (end < window.start) continue;
      const seats = addOn && m >= addOn.from && m < addOn.from + addOn.length ? addOn.seats : 1;
      const line: Line = { subscription, start, end, interval: 'month', intervalCount: 1, amountCents: monthly, quantity: seats, termEnd: period.renewal };
      // Dunning ends the subscription at this month's end; the customer comes back 1–2 days later, with a
      // prorated stub to the next billing day (only when all of it is on the record, so nothing looks churned).
      if (m === dunning && days[m + 2]! <= window.end) {
        lines.push({ ...line, status: 'canceled', endedAt: instantOf(end) });
        subscription = `sub_${account.id}_${++replacements + 1}`;
        const back = end + rng.int(1, 2);
        const next = days[m + 2]!;
        lines.push({ ...line, subscription, start: back, end: next, amountCents: Math.round((monthly * (next - back)) / (next - end)), quantity: 1 });
        m++;
        continue;
      }
      lines.push(withNotice(line, period, window));
    }
  }
  return lines;
}

/** The periods the billing system holds on the last day, for the terms renewals.csv covers (renewal on or after the first day of records). */
export function subscriptionLines(life: AccountLife, window: SampleWindow, seed: number): string[] {
  const terms = life.periods.filter((period) => period.start <= window.end && period.renewal >= window.start);
  const lines = life.account.traits.billing === 'monthly' ? monthlyLines(life, terms, window, randomStream(seed, 'subscriptions', life.account.index)) : annualLines(life, terms, window);
  return lines.map((line) =>
    csvLineOf(
      {
        account_id: life.account.id,
        subscription_id: line.subscription,
        period_start: formatDay(line.start),
        period_end: formatDay(line.end),
        interval: line.interval,
        interval_count: line.intervalCount,
        amount_cents: line.amountCents,
        quantity: line.quantity,
        status: line.status ?? 'active',
        canceled_at: line.canceledAt === undefined ? null : formatInstant(line.canceledAt),
        cancel_at_period_end: line.cancelAtPeriodEnd ? 'true' : 'false',
        ended_at: line.endedAt === undefined ? null : formatInstant(line.endedAt),
        term_end: formatDay(line.termEnd),
      },
      COLUMNS,
    ),
  );
}

export function subscriptionsCsv(lives: readonly AccountLife[], window: SampleWindow, seed: number): string {
  return `${[COLUMNS.join(','), ...lives.flatMap((life) => subscriptionLines(life, window, seed))].join('\n')}\n`;
}
