// The terminal text of `radar review` (the JSON is the Review object itself). Pure.
import type { IndicatorReview, Review, ReviewGroup } from './review.ts';

const pct = (value: number | null) => (value === null ? 'n/a' : `${(value * 100).toFixed(1)}%`);
const pts = (value: number | null) => (value === null ? 'n/a' : `${(value * 100).toFixed(1)}`);
const reasonsText = (reasons: Readonly<Record<string, number>>) =>
  Object.entries(reasons)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');

const header = (width: number) =>
  `  ${'group'.padEnd(width)} ${'sent'.padStart(5)} ${'decided'.padStart(7)} ${'saved'.padStart(5)} ${'down'.padStart(4)} ${'lost'.padStart(4)}  ${'save rate (95% Wilson)'.padEnd(24)} ${'holdout'.padEnd(24)} ${'lift pts (95% CI)'.padEnd(22)} ${'lead d'.padStart(6)} ${'tasks done'.padStart(10)} ${'not a risk'.padStart(10)}`;

function rate(proportion: ReviewGroup['outcomes']['treated']): string {
  return proportion.rate === null ? 'n/a' : `${pct(proportion.rate)} (${pct(proportion.low)}–${pct(proportion.high)})`;
}

function groupLine(group: ReviewGroup, width: number): string {
  const { treated, control, lift } = group.outcomes;
  const holdout = control.total === 0 ? 'none decided' : `${rate(control)} of ${control.total}`;
  const liftText = lift.estimate === null ? 'n/a' : `${pts(lift.estimate)} (${pts(lift.low)} to ${pts(lift.high)})`;
  const notRisk = `${group.notRisk}${group.notRisk > 0 ? ` (${reasonsText(group.notRiskReasons)})` : ''}`;
  return `  ${group.key.padEnd(width)} ${String(group.alertsSent).padStart(5)} ${String(treated.total).padStart(7)} ${String(treated.successes).padStart(5)} ${String(treated.downgraded).padStart(4)} ${String(treated.lost).padStart(4)}  ${rate(treated).padEnd(24)} ${holdout.padEnd(24)} ${liftText.padEnd(22)} ${(group.medianLeadDays === null ? 'n/a' : String(group.medianLeadDays)).padStart(6)} ${`${group.tasks.done}/${group.tasks.total}`.padStart(10)} ${notRisk.padStart(10)}`.trimEnd();
}

function indicatorLine(row: IndicatorReview, width: number): string {
  const reasons = row.notRisk > 0 ? `  (${reasonsText(row.notRiskReasons)})` : '';
  return `  ${row.indicator.padEnd(width)} ${String(row.alerts).padStart(6)} ${String(row.renewed).padStart(7)} ${String(row.notRisk).padStart(10)} ${String(row.falseAlarms).padStart(12)} ${pct(row.alerts === 0 ? null : row.falseAlarms / row.alerts).padStart(6)}${reasons}`;
}

export function reviewLines(review: Review): string[] {
  // The first column fits the longest group key or indicator id (CSM emails run long).
  const width = Math.max(28, ...[...review.byTier, ...review.byPlaybook, ...review.byCsm].map((group) => group.key.length), ...review.indicators.map((row) => row.indicator.length));
  const lines = [
    `alerts dated ${review.from} to ${review.to}: ${review.overall.alertsSent} sent, ${review.overall.heldOut} held out; outcomes as linked so far (the daily run, or radar outcomes)`,
    '',
    header(width),
    groupLine(review.overall, width),
  ];
  const section = (title: string, groups: readonly ReviewGroup[]) => {
    lines.push('', title, ...(groups.length === 0 ? ['  (none)'] : groups.map((group) => groupLine(group, width))));
  };
  section('by tier (holdout: the same tier’s)', review.byTier);
  section('by playbook (holdout: all of it — held-out accounts get no playbook)', review.byPlaybook);
  section('by CSM (holdout: the same CSM’s accounts)', review.byCsm);
  lines.push(
    '',
    'false alarms by driver indicator (delivered alerts showing it; renewed or marked not a risk):',
    `  ${'indicator'.padEnd(width)} ${'alerts'.padStart(6)} ${'renewed'.padStart(7)} ${'not a risk'.padStart(10)} ${'false alarms'.padStart(12)} ${'share'.padStart(6)}  not-a-risk reasons`,
    ...(review.indicators.length === 0 ? ['  (none)'] : review.indicators.map((row) => indicatorLine(row, width))),
  );
  return lines;
}
