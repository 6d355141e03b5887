// Every indicator, in display order. Adding an indicator: one file in indicators/, one line here.
import { activeDays } from './active-days.ts';
import { arr } from './arr.ts';
import { competitorReleases } from './competitor-releases.ts';
import { daysToRenewal } from './days-to-renewal.ts';
import { failedPayments } from './failed-payments.ts';
import { oldestUnpaidOverdueDays } from './oldest-unpaid-overdue-days.ts';
import { overdueAmount } from './overdue-amount.ts';
import { paymentDelayAverage } from './payment-delay-average.ts';
import { paymentDelay } from './payment-delay.ts';
import { recentDowngrade } from './recent-downgrade.ts';
import { seatUtilisation } from './seat-utilisation.ts';
import { supportChange } from './support-change.ts';
import { supportEscalations } from './support-escalations.ts';
import type { IndicatorDefinition } from './types.ts';
import { tenure } from './tenure.ts';
import { usageDecline } from './usage-decline.ts';
import { usageTrend } from './usage-trend.ts';

export const indicatorRegistry: readonly IndicatorDefinition[] = [
  usageDecline,
  usageTrend,
  activeDays,
  seatUtilisation,
  supportChange,
  supportEscalations,
  paymentDelay,
  paymentDelayAverage,
  oldestUnpaidOverdueDays,
  overdueAmount,
  failedPayments,
  competitorReleases,
  daysToRenewal,
  tenure,
  arr,
  recentDowngrade,
];

export function findIndicator(id: string): IndicatorDefinition | undefined {
  return indicatorRegistry.find((indicator) => indicator.id === id);
}
