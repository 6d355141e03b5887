// `radar serve` as a process: refuses to start without SLACK_SIGNING_SECRET, listens on the given
// port, and on SIGTERM stops accepting, finishes, closes the database and exits 0.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { startupBudgetMs } from './support/budget.ts';
import { radarEnvironment, REPO_ROOT } from './support/cli.ts';
import { waitFor } from './support/wait.ts';

function serve(extra: Record<string, string>) {
  const child = spawn(process.execPath, ['pipelines/radar.js', 'serve', '--port', '0'], {
    cwd: REPO_ROOT,
    env: radarEnvironment({ RADAR_DATA_DIR: mkdtempSync(join(tmpdir(), 'radar-serve-')), LOG_LEVEL: 'info', ...extra }),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

it('refuses to start without SLACK_SIGNING_SECRET, naming it', async () => {
  const run = serve({});
  expect(await run.exited).toBe(2);
  expect(run.err()).toContain('SLACK_SIGNING_SECRET is not set');
}, 2 * startupBudgetMs());

it('serves /healthz and shuts down cleanly on SIGTERM, never logging the secret', async () => {
  const secret = 'cli-test-signing-secret-42';
  const run = serve({ SLACK_SIGNING_SECRET: secret });
  // Ready when it prints the address it listens on.
  await waitFor(() => /listening on http:\/\//.test(run.out()), startupBudgetMs(), 'radar serve to listen', () => `stdout: ${run.out()}\nstderr: ${run.err()}`);
  const url = /listening on (http:\/\/\S+)/.exec(run.out())![1];
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
  const refused = await fetch(`${url}/slack/actions`, { method: 'POST', body: 'payload=%7B%7D' });
  expect(refused.status).toBe(401);
  run.child.kill('SIGTERM');
  expect(await run.exited).toBe(0);
  expect(run.out()).toContain('radar serve stopped');
  expect(run.err()).toContain('"serve_stopping"');
  expect(run.err()).toContain('"slack_request_refused"');
  expect(run.err() + run.out()).not.toContain(secret);
  await expect(fetch(`${url}/healthz`)).rejects.toThrow();
}, 3 * startupBudgetMs());
