// Test entry script: the `radar` job commands (run, schedule, worker, status) exactly as
// pipelines/cli/commands/jobs.ts registers them, plus test seams read from the environment:
//   RADAR_TEST_STALL_AFTER_POSTS=n  after the n-th Slack post (before its ts is recorded) the job
//                                   hangs, so a test can SIGKILL the worker mid-delivery;
//   RADAR_TEST_PAUSE_AFTER_POST=n:ms  after the n-th Slack post (before its ts is recorded) the job
//                                   pauses ms once, so a test can cut its database connection there;
//   RADAR_TEST_LOCK_MS / RADAR_TEST_STALLED_MS  short BullMQ lock and stalled-check intervals.
// Run as: node --import tsx test/jobs-radar.ts <command> …
import { Command, CommanderError } from 'commander';
import { readEnvironment, secretValues } from '../config/environment.ts';
import { createContext } from '../pipelines/cli/context.ts';
import { exitCodeFor } from '../pipelines/errors.ts';
import { registerJobCommands } from '../pipelines/cli/commands/jobs.ts';
import { createLogger } from '../pipelines/log.ts';

const environment = readEnvironment();
const logger = createLogger({ level: environment.LOG_LEVEL ?? 'info', secrets: secretValues(environment) });
const program = new Command('radar').option('-c, --config <file>').option('--json').exitOverride();
const context = createContext({
  environment,
  logger,
  configPath: () => program.opts<{ config?: string }>().config,
  json: () => Boolean(program.opts<{ json?: boolean }>().json),
});
const stallAfter = Number(process.env.RADAR_TEST_STALL_AFTER_POSTS ?? 0);
const [pauseAfter = 0, pauseMs = 0] = (process.env.RADAR_TEST_PAUSE_AFTER_POST ?? '').split(':').map(Number);
let posts = 0;
registerJobCommands(program, context, {
  ...(stallAfter > 0 || pauseAfter > 0
    ? {
        hooks: {
          delivery: {
            async afterPost(alert) {
              posts += 1;
              if (posts === stallAfter) {
                process.stdout.write(`STALLING after post ${posts} (${alert.dedupKey})\n`);
                await new Promise((resolve) => setTimeout(resolve, 10 * 60_000));
              }
              if (posts === pauseAfter) {
                process.stdout.write(`PAUSED after post ${posts} (${alert.dedupKey})\n`);
                await new Promise((resolve) => setTimeout(resolve, pauseMs));
              }
            },
          },
        },
      }
    : {}),
  ...(process.env.RADAR_TEST_LOCK_MS ? { lockDurationMs: Number(process.env.RADAR_TEST_LOCK_MS) } : {}),
  ...(process.env.RADAR_TEST_STALLED_MS ? { stalledIntervalMs: Number(process.env.RADAR_TEST_STALLED_MS) } : {}),
});

let code = 0;
try {
  await program.parseAsync(process.argv);
} catch (error) {
  code = error instanceof CommanderError ? (error.exitCode === 0 ? 0 : 2) : exitCodeFor(error);
  if (!(error instanceof CommanderError)) process.stderr.write(`radar: ${(error as Error).message}\n`);
} finally {
  await context.close();
  logger.flush();
}
process.exitCode = code;
