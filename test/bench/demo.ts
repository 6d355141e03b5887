// Benchmark of `radar demo` on the embedded database (PGlite), the way a new user runs it:
//   npm run bench:demo [-- --accounts 500 --history-days 84]
// Runs the demo in-process in a fresh data directory and prints wall time per phase, the replayed
// days' split over the daily steps, and, as the physical limit measured in the same run on the same
// database, a bare scan of usage_daily (sum of events per account): a replayed day costs that many scans.
// The load average is printed before and after: the machine is shared, so read the figures beside it.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { readEnvironment } from '../../config/environment.ts';
import { createContext } from '../../pipelines/cli/context.ts';
import { DEMO_HISTORY_DAYS, runDemo } from '../../pipelines/demo.ts';
import { silentLogger } from '../../pipelines/log.ts';
import { printTable } from './support.ts';

const argument = (name: string, fallback: number) => {
  const index = process.argv.indexOf(name);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
};
const accounts = argument('--accounts', 500);
const historyDays = argument('--history-days', DEMO_HISTORY_DAYS);
const END = '2026-11-27';
const load = () => loadavg().map((value) => value.toFixed(2)).join(' ');

const dataDir = mkdtempSync(join(tmpdir(), 'radar-bench-demo-'));
const environment = readEnvironment({ RADAR_DATA_DIR: dataDir });
const context = createContext({ environment, logger: silentLogger, configPath: () => undefined, json: () => false, stdout: { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream });
try {
  console.log(`radar demo: ${accounts} accounts, ${historyDays} replayed days to ${END}, PGlite in ${dataDir}`);
  console.log(`load average before: ${load()} (2 cores)`);
  const timings = await runDemo(context, { accounts, seed: 42, end: END, dataDir, historyDays });
  console.log(`load average after:  ${load()}`);

  const db = await context.database();
  const scans: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    await sql`SELECT account_id, sum(events) FROM usage_daily GROUP BY account_id`.execute(db);
    scans.push(performance.now() - started);
  }
  const scanMs = Math.min(...scans);
  const replayMs = timings.phases.filter((phase) => phase.phase.startsWith('replaying')).reduce((sum, phase) => sum + phase.ms, 0);

  printTable(timings.phases.map((phase) => ({ phase: phase.phase.length > 90 ? `${phase.phase.slice(0, 87)}…` : phase.phase, seconds: (phase.ms / 1000).toFixed(1) })));
  console.log(`total: ${(timings.totalMs / 1000).toFixed(1)} s (target < 120 s on the 2-core machine)`);
  console.log(`bare scan of usage_daily (${accounts} accounts × 2 years), best of 5: ${scanMs.toFixed(0)} ms`);
  console.log(`replayed day: ${(replayMs / historyDays).toFixed(0)} ms = ${(replayMs / historyDays / scanMs).toFixed(1)}× the bare scan`);
} finally {
  await context.close();
  rmSync(dataDir, { recursive: true, force: true });
}
