// Runs `node pipelines/radar.js` as a real child process, the way users and CI run it.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startupBudgetMs } from './budget.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface RadarRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Variables that would pick a database, config or log level: children get only what a test passes. */
const SELECTING = ['DATABASE_URL', 'RADAR_DATA_DIR', 'RADAR_CONFIG', 'LOG_LEVEL', 'REDIS_URL'];

export function radarEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = { ...process.env };
  for (const key of SELECTING) delete environment[key];
  return { ...environment, ...extra };
}

/**
 * Runs radar with `args`; resolves with the exit code and both streams (never rejects on a non-zero
 * exit). The default timeout is twice the readiness budget: these commands also do their work.
 */
export function runRadar(args: readonly string[], environment: Record<string, string> = {}, timeoutMs = 2 * startupBudgetMs()): Promise<RadarRun> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['pipelines/radar.js', ...args],
      { cwd: REPO_ROOT, env: radarEnvironment(environment), timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(error.killed ? new Error(`radar ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`) : error);
          return;
        }
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}
