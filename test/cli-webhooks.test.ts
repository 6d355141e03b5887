// `radar webhooks deliver | list | replay` as processes on one embedded database, against a receiver on
// 127.0.0.1: an event dead-lettered, listed, replayed and delivered; usage errors; a missing secret is
// named (never its value), and no secret ever reaches stdout or the logs.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { recordTierChanges } from '../sql/webhooks.ts';
import { openDatabase } from '../sql/database.ts';
import { migrate } from '../sql/migrate.ts';
import { addAccount, addScore, MODEL, resetAlertTables } from './alerts-fixtures.ts';
import { runRadar } from './support/cli.ts';
import { SECRETS, startReceiver, type Receiver } from './webhooks-fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'radar-webhooks-cli-'));
const configFile = join(dir, 'radar.yaml');
let receiver: Receiver;
let env: Record<string, string>;

beforeAll(async () => {
  receiver = await startReceiver();
  const endpoint = { id: 'ops', url: `${receiver.url}/ops`, secretEnv: 'WH_OPS_SECRET', timeoutMs: 5000, retry: { maxAttempts: 1 } };
  writeFileSync(configFile, JSON.stringify({ webhooks: [endpoint] }));
  env = { RADAR_DATA_DIR: dir, RADAR_CONFIG: configFile, LOG_LEVEL: 'info', WH_OPS_SECRET: SECRETS.WH_OPS_SECRET! };
  const db = await openDatabase({ dataDir: join(dir, 'pgdata') });
  try {
    await migrate(db);
    await resetAlertTables(db);
    const acme = await addAccount(db, { externalId: 'ACME-1' });
    await addScore(db, acme, '2026-01-14', 0.6, 'high');
    await recordTierChanges(db, [{ id: 'ops', events: ['tier.changed'] }], { asOf: '2026-01-14', modelVersion: MODEL });
  } finally {
    await db.destroy();
  }
});
afterAll(async () => {
  await receiver.close();
});

it('dead-letters, lists, replays and delivers an event', async () => {
  receiver.script([], 'error500');
  const failed = await runRadar(['webhooks', 'deliver'], env);
  expect([failed.code, failed.stdout]).toEqual([0, '0 delivered, 0 to retry, 1 dead-lettered\n']);

  const dead = await runRadar(['webhooks', 'list', '--dead'], env);
  expect(dead.stdout).toMatch(/^#1 tier\.changed +evt_[0-9a-f]{32} → ops +dead +1 attempt\(s\), DEAD since \S+, last error: HTTP 500\n$/);

  const usage = await runRadar(['webhooks', 'replay'], env);
  expect([usage.code, usage.stderr]).toEqual([2, expect.stringContaining('give the ID of a dead-lettered event')]);
  const unknown = await runRadar(['webhooks', 'replay', '#7'], env);
  expect([unknown.code, unknown.stderr]).toEqual([1, expect.stringContaining('no dead-lettered event #7')]);

  receiver.script([], 'ok');
  const replayed = await runRadar(['webhooks', 'replay', '--all-dead'], env);
  expect(replayed.stdout).toBe('1 event(s) queued again; `radar webhooks deliver` (or the daily run) sends them\n');
  const delivered = await runRadar(['--json', 'webhooks', 'deliver'], env);
  expect(JSON.parse(delivered.stdout)).toEqual({ delivered: 1, retrying: 0, dead: 0, withoutSecret: [] });
  expect(receiver.accepted('/ops')).toHaveLength(1);
  expect(receiver.requests.every((request) => request.verified)).toBe(true);
  expect((await runRadar(['webhooks', 'list', '--dead'], env)).stdout).toBe('no dead-lettered events\n');

  const { WH_OPS_SECRET: _secret, ...withoutSecret } = env;
  const missing = await runRadar(['webhooks', 'deliver'], withoutSecret);
  expect([missing.code, missing.stderr]).toEqual([2, expect.stringContaining('no usable secret for webhook endpoint(s) ops: set the variables their secretEnv names')]);
  for (const run of [failed, dead, replayed, delivered, missing]) expect(run.stdout + run.stderr).not.toContain(SECRETS.WH_OPS_SECRET!.slice(6));
});
