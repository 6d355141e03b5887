// `radar outcomes`: link decided renewals to alerts, then the save rate treated vs control.
import type { Kysely } from 'kysely';
import { decidedCases, recordOutcomes } from '../sql/alerts.ts';
import { notRiskRates, type NotRiskRateRow } from '../sql/interactions.ts';
import type { DB } from '../sql/schema.ts';
import { classifyOutcome, outcomeReport, type AlertOutcome, type OutcomeReport } from './outcomes.ts';

export async function runOutcomes(db: Kysely<DB>, options: { decidedBefore: Date; now: Date }): Promise<{ linked: number; report: OutcomeReport; feedback: NotRiskRateRow[] }> {
  const linked = await recordOutcomes(db, options.decidedBefore, options.now);
  const cases = await decidedCases(db);
  const report = outcomeReport(cases.map((row) => ({ ...row, outcome: row.outcome as AlertOutcome })));
  // "Not a risk" verdicts from Slack (radar serve): feedback on the model, per tier.
  const feedback = await notRiskRates(db);
  return { linked, report, feedback };
}

export { classifyOutcome };

const pct = (value: number | null) => (value === null ? 'n/a' : `${(value * 100).toFixed(1)}%`);

function formatFeedback(feedback: readonly NotRiskRateRow[]): string[] {
  if (feedback.length === 0) return ['Not a risk (Slack feedback): no delivered risk alerts yet'];
  return [
    'Not a risk (Slack feedback) per tier, of delivered risk alerts:',
    ...feedback.map((row) => {
      const reasons = Object.entries(row.reasons).map(([reason, n]) => `${reason} ${n}`).join(', ');
      return `  ${row.tier.padEnd(9)} ${String(row.alerts).padStart(5)} delivered  ${String(row.notRisk).padStart(4)} not a risk  ${pct(row.alerts ? row.notRisk / row.alerts : null)}${reasons ? `  (${reasons})` : ''}`;
    }),
  ];
}

export function formatOutcomeReport(report: OutcomeReport, feedback?: readonly NotRiskRateRow[]): string[] {
  const group = (label: string, g: OutcomeReport['treated']) =>
    `${label.padEnd(22)} ${String(g.total).padStart(5)} decided  ${String(g.successes).padStart(5)} saved  ${String(g.downgraded).padStart(4)} downgraded  ${String(g.lost).padStart(4)} lost  save rate ${pct(g.rate)} (95% Wilson ${pct(g.low)}–${pct(g.high)})`;
  return [
    group('Alerted (treated)', report.treated),
    group('Holdout (control)', report.control),
    `Lift (treated − control) ${report.lift.estimate === null ? 'n/a (need decided accounts in both groups)' : `${(report.lift.estimate * 100).toFixed(1)} pts, 95% CI ${(report.lift.low! * 100).toFixed(1)} to ${(report.lift.high! * 100).toFixed(1)} pts`} — ${report.lift.method}`,
    `Tasks on alerted accounts: ${report.tasks.done}/${report.tasks.total} done; saved accounts with at least one task done: ${report.tasks.savedWithTaskDone}`,
    ...(feedback ? formatFeedback(feedback) : []),
  ];
}
