// Vitest global setup: builds `radar` if a source is newer than dist/ (by starting it once, exactly as
// a test does) and measures its start-up, so tests that wait on `radar` processes give them a budget
// that grows with the machine's load instead of a fixed number of seconds.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Best wall time of `radar --version` in milliseconds, measured in the global setup. */
    radarStartupMs: number;
  }
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function timeRadarVersion(): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['pipelines/radar.js', '--version'], { cwd: ROOT }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`radar --version failed: ${stderr || error.message}`));
      else resolve(performance.now() - started);
    });
  });
}

export default async function setup(project: TestProject): Promise<void> {
  await timeRadarVersion(); // the first start rebuilds dist/ when a source changed
  const runs = [await timeRadarVersion(), await timeRadarVersion(), await timeRadarVersion()];
  project.provide('radarStartupMs', Math.round(Math.min(...runs)));
}
