// The demo's history: the daily run replayed day by day over a past range, so the weekly report has
// weeks of scores, alerts, tasks and outcomes to show. Each day runs the daily run's own steps
// (`runStep`: indicators → score → alerts → escalations, as of that day) on data loaded once up front;
// the steps read only facts dated by the as-of day (the indicator SQL's point-in-time rules), exactly as
// an indicator backfill or `radar backtest` does. Then the day's SIMULATED CSMs complete some tasks
// (seeded, see simulated-csms.ts) and alerts are linked to the renewals decided by the end of the day,
// as `radar outcomes` links them. The clock handed to delivery is the replayed day, not the wall clock.
import { recordOutcomes } from '../../sql/alerts.ts';
import { completeTask, listTasks } from '../../sql/tasks.ts';
import { dayRange } from '../../indicators/compute.ts';
import { runStep } from '../jobs/daily.ts';
import type { JobDeps } from '../jobs/deps.ts';
import { addDays } from '../report/period.ts';
import { plannedCompletion, SIMULATED_CSM, type SimulatedCsmPolicy } from './simulated-csms.ts';

export interface HistoryOptions {
  readonly from: string;
  readonly to: string;
  /** Seeds the simulated CSMs. */
  readonly seed: number;
  readonly policy?: SimulatedCsmPolicy;
  /** Sets the clock delivery sees (the `now` of `deps`) to an instant of the replayed day. */
  readonly setClock: (instant: Date) => void;
  readonly onDay?: (day: DayReplayed) => void;
}

export interface DayReplayed {
  readonly asOf: string;
  readonly scored: number;
  readonly alerts: number;
  readonly holdout: number;
  readonly escalated: number;
  readonly tasksDone: number;
  readonly outcomesLinked: number;
  /** Milliseconds per phase: the five daily steps after ingest, then the simulated CSMs and the outcomes. */
  readonly ms: Readonly<Record<ReplayPhase, number>>;
}

export const REPLAY_PHASES = ['indicators', 'score', 'alerts', 'escalations', 'forecast', 'csms', 'outcomes'] as const;
export type ReplayPhase = (typeof REPLAY_PHASES)[number];

export interface HistorySummary {
  readonly days: number;
  readonly alerts: number;
  readonly holdout: number;
  readonly escalated: number;
  readonly tasksCreated: number;
  readonly tasksDone: number;
  readonly outcomesLinked: number;
  /** Total milliseconds per phase over all days. */
  readonly ms: Readonly<Record<ReplayPhase, number>>;
}

const zeroPhases = () => Object.fromEntries(REPLAY_PHASES.map((phase) => [phase, 0])) as Record<ReplayPhase, number>;
const at = (day: string, time: string) => new Date(`${day}T${time}Z`);

export async function replayHistory(deps: JobDeps, options: HistoryOptions): Promise<HistorySummary> {
  const { db } = deps;
  /** Every task seen so far → the day a simulated CSM completes it (null: never). */
  const planned = new Map<number, string | null>();
  const totals = { days: 0, alerts: 0, holdout: 0, escalated: 0, tasksCreated: 0, tasksDone: 0, outcomesLinked: 0 };
  const ms = zeroPhases();
  for (const asOf of dayRange(options.from, options.to, 1)) {
    const day = zeroPhases();
    // The daily run starts in the morning of the replayed day; alerts are "sent" then.
    options.setClock(at(asOf, '07:00:00'));
    // The daily run's own steps, in its order (ingest aside: the sample was loaded once, up front).
    const indicators = await runStep(deps, 'indicators', asOf);
    const score = await runStep(deps, 'score', asOf);
    const alerts = await runStep(deps, 'alerts', asOf);
    const escalations = await runStep(deps, 'escalations', asOf);
    // The daily run keeps forecasts every day; the replay only on month ends (what the report's forecast vs
    // actual and its T−30/60/90 read), as each day's four forecasts would cost more than the day's scoring.
    const forecast = addDays(asOf, 1).endsWith('-01') ? [await runStep(deps, 'forecast', asOf)] : [];
    for (const record of [indicators, score, alerts, escalations, ...forecast]) day[record.step] = record.ms;

    // The CSMs work through the day: new tasks get their (seeded) plan, planned ones are done at 15:00.
    let started = performance.now();
    let done = 0;
    for (const task of await listTasks(db)) {
      if (!planned.has(task.taskId)) {
        planned.set(task.taskId, plannedCompletion(options.seed, { key: `${task.account}|${task.playbook}|${task.step}`, createdOn: asOf, dueOn: task.dueOn }, options.policy));
        totals.tasksCreated += 1;
      }
      if (planned.get(task.taskId) !== asOf) continue;
      await completeTask(db, task.taskId, { note: 'done by a simulated CSM (radar demo)', by: SIMULATED_CSM, now: at(asOf, '15:00:00') });
      done += 1;
    }
    day.csms = performance.now() - started;

    // Renewals decided by the end of the day become known; their alerts get an outcome.
    started = performance.now();
    const linked = await recordOutcomes(db, at(addDays(asOf, 1), '00:00:00'), at(asOf, '23:59:00'));
    day.outcomes = performance.now() - started;

    const replayed: DayReplayed = {
      asOf,
      scored: score.result.accounts,
      alerts: alerts.result.alerts,
      holdout: alerts.result.holdout,
      escalated: escalations.result.escalated,
      tasksDone: done,
      outcomesLinked: linked,
      ms: day,
    };
    totals.days += 1;
    totals.alerts += replayed.alerts;
    totals.holdout += replayed.holdout;
    totals.escalated += replayed.escalated;
    totals.tasksDone += done;
    totals.outcomesLinked += linked;
    for (const phase of REPLAY_PHASES) ms[phase] += day[phase];
    options.onDay?.(replayed);
  }
  return { ...totals, ms };
}
