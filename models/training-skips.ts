// Why decided renewals yield no training row, counted per reason for renewals and for churners, and the
// words `radar train` prints about them. Pure: the counts come from buildTrainingSet.
// A monthly business trained with the default leadDays of 90 silently lost 24% of its renewals and 41% of
// its churners (issue 15); the warning names the setting that brings them back.

export const SKIP_REASONS = ['contract_not_started', 'churn_already_decided', 'outside_training_window'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export interface SkipCount {
  readonly renewals: number;
  readonly churners: number;
}

export interface TrainingSkips {
  /** Decided renewals the training set looked at (rows + skipped). */
  readonly considered: SkipCount;
  readonly byReason: Readonly<Record<SkipReason, SkipCount>>;
}

/** Above this share of renewals or of churners skipped, `radar train` warns. */
export const SKIP_WARNING_SHARE = 0.1;

const EXPLANATION: Readonly<Record<SkipReason, (leadDays: number) => string>> = {
  contract_not_started: (lead) => `renewal too soon after contract start: the as-of day (renewal date − leadDays ${lead}) is before the contract started`,
  churn_already_decided: (lead) => `churn already decided by the as-of day: cancelled more than leadDays ${lead} ahead, or the account had churned before`,
  outside_training_window: () => 'outside the training window: the as-of day is on or after the training day (--as-of)',
};

/** What to change, per reason: each names the setting. */
const ADVICE: Readonly<Record<SkipReason, (leadDays: number) => string>> = {
  contract_not_started: (lead) =>
    `lower leadDays (now ${lead}) below the typical billing period (\`radar config check --data\` shows it; see docs/subscriptions.md "Monthly vs annual business")`,
  churn_already_decided: (lead) => `churns decided more than leadDays (now ${lead}) ahead are known, not predicted: raise leadDays above the usual notice period to learn from them`,
  outside_training_window: () => 'train with a later --as-of so recent renewals fall inside the training window',
};

export class SkipTally {
  private readonly counts = Object.fromEntries(SKIP_REASONS.map((reason) => [reason, { renewals: 0, churners: 0 }])) as Record<SkipReason, { renewals: number; churners: number }>;
  private readonly total = { renewals: 0, churners: 0 };

  /** One decided renewal looked at; `reason` when it yields no row. */
  count(label: 0 | 1, reason?: SkipReason): void {
    this.total.renewals += 1;
    this.total.churners += label;
    if (!reason) return;
    this.counts[reason].renewals += 1;
    this.counts[reason].churners += label;
  }

  result(): TrainingSkips {
    return { considered: { ...this.total }, byReason: structuredClone(this.counts) };
  }
}

const share = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);
const percent = (value: number) => `${Math.round(value * 100)}%`;

export interface SkipReport {
  readonly skipped: SkipCount;
  readonly renewalShare: number;
  readonly churnerShare: number;
  /** One line per reason with skips. */
  readonly lines: readonly string[];
  /** Set when more than SKIP_WARNING_SHARE of renewals or churners were skipped. */
  readonly warning: string | undefined;
}

export function skipReport(skips: TrainingSkips, leadDays: number): SkipReport {
  const skipped = SKIP_REASONS.reduce((sum, reason) => ({ renewals: sum.renewals + skips.byReason[reason].renewals, churners: sum.churners + skips.byReason[reason].churners }), { renewals: 0, churners: 0 });
  const renewalShare = share(skipped.renewals, skips.considered.renewals);
  const churnerShare = share(skipped.churners, skips.considered.churners);
  const present = SKIP_REASONS.filter((reason) => skips.byReason[reason].renewals > 0);
  const lines = present.map((reason) => {
    const count = skips.byReason[reason];
    return `${count.renewals} renewals (${count.churners} churners): ${EXPLANATION[reason](leadDays)}`;
  });
  const advice = [...present]
    .sort((x, y) => skips.byReason[y].renewals - skips.byReason[x].renewals)
    .map((reason) => ADVICE[reason](leadDays));
  const warning =
    Math.max(renewalShare, churnerShare) > SKIP_WARNING_SHARE
      ? `training skipped ${percent(renewalShare)} of decided renewals and ${percent(churnerShare)} of churners (more than ${percent(SKIP_WARNING_SHARE)}): ${advice.join('; ')}`
      : undefined;
  return { skipped, renewalShare, churnerShare, lines, warning };
}
