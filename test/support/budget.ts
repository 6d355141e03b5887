// The time a test gives a `radar` process, scaled by the start-up the global setup measured
// (test/support/startup.ts), so a loaded machine gets a longer wait instead of a failed test.
import { inject } from 'vitest';

/**
 * How many start-ups a process may take to print its readiness line (it also opens the database, Redis…).
 * Generous on purpose: the load can rise after the setup measured (on this shared 2-core machine a
 * worker once took 44 s to get ready at a load average of 35), and a test only waits this long when
 * something is wrong.
 */
const STARTUPS_PER_WAIT = 100;
const MIN_WAIT_MS = 60_000;

/**
 * The time a test waits for a `radar` process to get ready or finish a short command: a generous
 * multiple of the start-up measured by the global setup (test/support/startup.ts), never less than 60 s.
 */
export function startupBudgetMs(startups = STARTUPS_PER_WAIT): number {
  let measured = 1000;
  try {
    measured = inject('radarStartupMs') ?? measured;
  } catch {
    // Outside vitest (test/bench/*.ts) there is no global setup to ask: the default start-up stands.
  }
  return Math.max(MIN_WAIT_MS, Math.round(measured * startups));
}
