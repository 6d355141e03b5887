// Invoices: monthly for most small accounts, annual (on the contract anniversary) for the rest.
// Most are paid on time or a few days late; a distressed term pays late and fails card charges.
import type { SampleWindow } from './accounts.ts';
import { addMonths, addYears, instantOf, type Day, type Instant } from './days.ts';
import { periodIndexAt, type AccountLife, type ContractPeriod } from './lifecycle.ts';
import { PAYMENT_STRESS } from './mechanisms.ts';
import { randomStream, type Random } from './random.ts';

export type InvoiceStatus = 'open' | 'paid' | 'void' | 'uncollectible';

export interface Invoice {
  readonly accountId: string;
  readonly issuedOn: Day;
  readonly dueOn: Day;
  readonly paidAt: Instant | null;
  readonly amountCents: number;
  readonly status: InvoiceStatus;
  readonly failedAttempts: number;
}

const VOID_SHARE = 0.004;
/** An invoice still unpaid this long after its due date is written off — for churned accounts. */
const WRITE_OFF_AFTER_DAYS = 60;

/** Issue days within the records, up to the last day the account is billed. */
function issueDays(life: AccountLife, window: SampleWindow): Day[] {
  const { account } = life;
  const step = account.traits.billing === 'monthly' ? (n: number) => addMonths(account.contractStart, n) : (n: number) => addYears(account.contractStart, n);
  // A churned account is not billed on its churn day: that is when its contract ended.
  const lastIssue = life.status === 'churned' ? life.lastDay - 1 : window.end;
  const days: Day[] = [];
  for (let n = 0; ; n++) {
    const day = step(n);
    if (day > lastIssue) break;
    if (day >= window.start) days.push(day);
  }
  return days;
}

/** Days after the due date the money arrives (negative: early). */
function paymentDelay(rng: Random, life: AccountLife, period: ContractPeriod, termsDays: number): number {
  const base = (() => {
    switch (life.account.traits.payer) {
      case 'prompt':
        return rng.chance(0.88) ? -rng.int(0, Math.round(termsDays * 0.6)) : rng.int(1, 7);
      case 'average':
        return Math.round(rng.normal(3, 5));
      case 'slow':
        return Math.round(rng.exponential(20));
    }
  })();
  const stress = period.paymentStress;
  const late = stress > 0 && rng.chance(Math.min(0.9, PAYMENT_STRESS.lateShare + PAYMENT_STRESS.lateSharePerUnit * stress));
  return base + (late ? Math.round(rng.exponential(PAYMENT_STRESS.extraDelayDays + PAYMENT_STRESS.extraDelayPerUnit * stress)) : 0);
}

function failedAttempts(rng: Random, life: AccountLife, period: ContractPeriod): number {
  if (!life.account.traits.paysByCard) return 0;
  const expected = 0.04 + 0.8 * period.paymentStress;
  return Math.min(4, rng.poisson(expected));
}

export function invoices(life: AccountLife, window: SampleWindow, seed: number): Invoice[] {
  const rng = randomStream(seed, 'invoices', life.account.index);
  const { traits } = life.account;
  const endOfRecords = instantOf(window.end + 1);
  return issueDays(life, window).map((issuedOn): Invoice => {
    const period = life.periods[periodIndexAt(life, issuedOn)] as ContractPeriod;
    const amountCents = Math.round(period.arrCents / (traits.billing === 'monthly' ? 12 : 1));
    const dueOn = issuedOn + traits.paymentTermsDays;
    const base = { accountId: life.account.id, issuedOn, dueOn, amountCents };
    if (rng.chance(VOID_SHARE)) return { ...base, paidAt: null, status: 'void', failedAttempts: 0 };
    const attempts = failedAttempts(rng, life, period);
    const paidAt = instantOf(Math.max(issuedOn, dueOn + paymentDelay(rng, life, period, traits.paymentTermsDays)), rng.int(6 * 3600, 22 * 3600));
    if (paidAt < endOfRecords) return { ...base, paidAt, status: 'paid', failedAttempts: attempts };
    const writtenOff = life.status === 'churned' && dueOn + WRITE_OFF_AFTER_DAYS < window.end;
    return { ...base, paidAt: null, status: writtenOff ? 'uncollectible' : 'open', failedAttempts: attempts };
  });
}
