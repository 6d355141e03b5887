// `radar tokens` and `radar serve --api-only` as processes, on one embedded database: a token printed
// once and never listed, accepted by the API, refused 401 once revoked; bad scopes refused naming them.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { startupBudgetMs } from './support/budget.ts';
import { radarEnvironment, REPO_ROOT, runRadar } from './support/cli.ts';
import { waitFor } from './support/wait.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'radar-tokens-'));
const env = { RADAR_DATA_DIR: dataDir, LOG_LEVEL: 'info' };

async function withApiServer<T>(work: (url: string) => Promise<T>): Promise<{ result: T; stderr: string }> {
  const child = spawn(process.execPath, ['pipelines/radar.js', 'serve', '--api-only', '--port', '0'], { cwd: REPO_ROOT, env: radarEnvironment(env) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    await waitFor(() => /listening on http:\/\//.test(stdout), startupBudgetMs(), 'radar serve --api-only to listen', () => `stdout: ${stdout}\nstderr: ${stderr}`);
    const result = await work(/listening on (http:\/\/\S+)/.exec(stdout)![1]!);
    return { result, stderr };
  } finally {
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }
}

it('creates, lists, uses and revokes a token', async () => {
  const bad = await runRadar(['tokens', 'create', '--name', 'crm-sync', '--scopes', 'read,admin'], env);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('--scopes: unknown scope "admin" (known: read, tasks:write, alerts:write)');

  const created = await runRadar(['--json', 'tokens', 'create', '--name', 'crm-sync', '--scopes', 'read,tasks:write'], env);
  expect(created.code).toBe(0);
  const { token, scopes } = JSON.parse(created.stdout) as { token: string; scopes: string[] };
  expect(token).toMatch(/^rr_[\w-]{43}$/);
  expect(scopes).toEqual(['read', 'tasks:write']);
  expect(created.stderr).not.toContain(token);

  const listed = await runRadar(['tokens', 'list'], env);
  expect(listed.stdout).toMatch(/#1 crm-sync\s+read,tasks:write\s+created \S+, never used/);
  expect(listed.stdout).not.toContain(token);

  const served = await withApiServer(async (url) => {
    const ready = await fetch(`${url}/readyz`);
    const accounts = await fetch(`${url}/api/v1/accounts`, { headers: { authorization: `Bearer ${token}` } });
    const slack = await fetch(`${url}/slack/actions`, { method: 'POST' });
    return { ready: ready.status, accounts: accounts.status, body: await accounts.json(), slack: slack.status };
  });
  expect(served.result).toEqual({ ready: 200, accounts: 200, body: { items: [], nextCursor: null }, slack: 404 });
  expect(served.stderr).toContain('"tokenName":"crm-sync"');
  expect(served.stderr).not.toContain(token);

  const revoked = await runRadar(['tokens', 'revoke', 'crm-sync'], env);
  expect(revoked.stdout).toContain('token "crm-sync" (#1) revoked');
  expect((await runRadar(['tokens', 'list'], env)).stdout).toMatch(/crm-sync.*last used \S+, REVOKED/);
  const after = await withApiServer(async (url) => {
    const response = await fetch(`${url}/api/v1/accounts`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as { detail: string } };
  });
  expect(after.result).toMatchObject({ status: 401, body: { detail: 'token "crm-sync" was revoked' } });
}, 12 * startupBudgetMs());
