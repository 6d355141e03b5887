// SIMULATED customer success managers, for `radar demo` only: whether and when a CSM ticks off a
// playbook task. Nothing else in Radar completes a task on its own; real tasks are done in Slack
// (`radar serve`) or with `radar tasks done`. Pure and seeded: the same seed, task and day always give
// the same answer, so the demo's history (and its report) is reproducible to the cent.
import { addDays, daysBetween } from '../report/period.ts';
import { randomStream } from '../sample/random.ts';

/** Who the demo writes into `tasks.completed_by`, so a simulated completion is never mistaken for a real one. */
export const SIMULATED_CSM = 'simulated-csm (radar demo)';

export interface SimulatedCsmPolicy {
  /** Share of tasks a simulated CSM ever completes. */
  readonly doneShare: number;
  /** Of those, the share done by the due day; the rest are late, up to `lateDays` after it. */
  readonly onTimeShare: number;
  readonly lateDays: number;
}

/**
 * Two tasks in three get done, four in five of those on time: the rates CSM teams report for
 * playbook tasks, and enough late ones that escalations happen too.
 */
export const DEFAULT_CSM_POLICY: SimulatedCsmPolicy = { doneShare: 0.67, onTimeShare: 0.8, lateDays: 10 };

export interface NewTaskSeen {
  /** Stable across runs: account external id, playbook and step. */
  readonly key: string;
  /** The day the alert created it. */
  readonly createdOn: string;
  readonly dueOn: string;
}

/** The day a simulated CSM completes the task, or null when it is never done. */
export function plannedCompletion(seed: number, task: NewTaskSeen, policy: SimulatedCsmPolicy = DEFAULT_CSM_POLICY): string | null {
  const random = randomStream(seed, 'simulated-csm', task.key, task.createdOn);
  if (!random.chance(policy.doneShare)) return null;
  const window = Math.max(0, daysBetween(task.createdOn, task.dueOn));
  const lag = random.chance(policy.onTimeShare) ? random.int(0, window) : window + random.int(1, policy.lateDays);
  return addDays(task.createdOn, lag);
}
