// `radar outcomes`: link decided renewals to alerts, then the save rate treated vs control.
import type { Kysely } from 'kysely';
import { decidedCases, recordOutcomes } from '../sql/alerts.ts';
import type { DB } from '../sql/schema.ts';
import { classifyOutcome, outcomeReport, type AlertOutcome, type OutcomeReport } from './outcomes.ts';

export async function runOutcomes(db: Kysely<DB>, options: { decidedBefore: Date; now: Date }): Promise<{ linked: number; report: OutcomeReport }> {
  const linked = await recordOutcomes(db, options.decidedBefore, options.now);
  const cases = await decidedCases(db);
  const report = outcomeReport(cases.map((row) => ({ ...row, outcome: row.outcome as AlertOutcome })));
  return { linked, report };
}

export { classifyOutcome };

const pct = (value: number | null) => (value === null ? 'n/a' : `${(value * 100).toFixed(1)}%`);

export function formatOutcomeReport(report: OutcomeReport): string[] {
  const group = (label: string, g: OutcomeReport['treated']) =>
    `${label.padEnd(22)} ${String(g.total).padStart(5)} decided  ${String(g.successes).padStart(5)} saved  ${String(g.downgraded).padStart(4)} downgraded  ${String(g.lost).padStart(4)} lost  save rate ${pct(g.rate)} (95% Wilson ${pct(g.low)}–${pct(g.high)})`;
  return [
    group('Alerted (treated)', report.treated),
    group('Holdout (control)', report.control),
    `Lift (treated − control) ${report.lift.estimate === null ? 'n/a (need decided accounts in both groups)' : `${(report.lift.estimate * 100).toFixed(1)} pts, 95% CI ${(report.lift.low! * 100).toFixed(1)} to ${(report.lift.high! * 100).toFixed(1)} pts`} — ${report.lift.method}`,
    `Tasks on alerted accounts: ${report.tasks.done}/${report.tasks.total} done; saved accounts with at least one task done: ${report.tasks.savedWithTaskDone}`,
  ];
}
