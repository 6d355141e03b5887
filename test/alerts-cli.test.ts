// The alert commands as the CLI runs them (registerAlertCommands on a fresh commander program), with
// the real WebClient against the local Slack stand-in. The token must not appear in any output.
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Command } from 'commander';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { registerAlertCommands } from '../pipelines/cli/commands/alerts.ts';
import type { Environment } from '../config/environment.ts';
import type { CliContext } from '../pipelines/cli/context.ts';
import { createLogger } from '../pipelines/log.ts';
import { addAccount, addScore, DRIVERS, resetAlertTables, testConfig } from './alerts-fixtures.ts';
import { describeEachBackend, type TestDatabase } from './support/database.ts';
import { startFakeSlack, type FakeSlack } from './support/slack-api.ts';

let fake: FakeSlack;
beforeAll(async () => {
  fake = await startFakeSlack({ token: 'xoxb-cli-secret-9876' });
});
afterAll(async () => {
  await fake.close();
});

interface Captured {
  stdout: string;
  logs: string;
}

function contextFor(database: TestDatabase, environment: Environment, captured: Captured): CliContext {
  const sink = (key: keyof Captured) => new Writable({ write(chunk, _encoding, done) { captured[key] += String(chunk); done(); } });
  const logs = sink('logs');
  const loaded = testConfig({ managers: { 'dana@vendor.example': 'UBOSS' }, defaultChannel: 'CALERTS' });
  return {
    environment,
    logger: createLogger({ level: 'debug', secrets: environment.SLACK_BOT_TOKEN ? [environment.SLACK_BOT_TOKEN] : [], destination: logs }),
    out: {
      json: false,
      interactive: false,
      line: (text = '') => { captured.stdout += `${text}\n`; },
      data: (_value, human) => human(),
    },
    config: () => loaded,
    databaseOptions: () => database.options,
    database: async () => database.db,
    close: async () => undefined,
  };
}

async function radar(context: CliContext, args: string[]): Promise<void> {
  const program = new Command('radar').exitOverride();
  registerAlertCommands(program, context);
  await program.parseAsync(args, { from: 'user' });
}

describeEachBackend('radar alert commands', (database) => {
  let captured: Captured;
  let live: CliContext;
  beforeEach(async () => {
    fake.reset();
    captured = { stdout: '', logs: '' };
    live = contextFor(database(), { SLACK_BOT_TOKEN: fake.token, SLACK_API_URL: fake.url }, captured);
    await resetAlertTables(database().db);
  });

  it('alerts, lists failures with their reason, works tasks, escalates and reports outcomes', async () => {
    const { db } = database();
    const acme = await addAccount(db, { externalId: 'acme', name: 'Acme' });
    const globex = await addAccount(db, { externalId: 'globex', name: 'Globex', csmSlackId: 'ULEE', csmEmail: 'lee@vendor.example' });
    await addScore(db, acme, '2026-01-15', 0.42, 'high', [DRIVERS.usage]);
    await addScore(db, globex, '2026-01-15', 0.5, 'critical', [DRIVERS.support]);
    fake.failNext('chat.postMessage', { error: 'not_in_channel' });

    // One alert failed: the command says so and fails (the CLI exits 1), after printing the summary.
    await expect(radar(live, ['alert', '--as-of', '2026-01-15'])).rejects.toThrow('radar alert: not every message reached Slack: 1 failed');
    expect(captured.stdout).toContain('as of 2026-01-15: 2 scored, 2 new alerts');
    expect(captured.stdout).toContain('delivery: 1 sent, 0 found already posted, 0 dry run, 1 failed, 0 deferred');
    expect(fake.messages).toHaveLength(1);

    captured.stdout = '';
    await radar(live, ['alerts', 'list', '--failed']);
    expect(captured.stdout.trim().split('\n')).toHaveLength(1);
    // Listings name the account and its external id, never only the internal id.
    expect(captured.stdout).toMatch(/ Acme \(acme\)\s+high 42% failed attempts=1 — not_in_channel/);

    captured.stdout = '';
    await radar(live, ['tasks', 'list', '--owner', 'Dana@Vendor.example']);
    const lines = captured.stdout.trim().split('\n');
    expect(lines).toHaveLength(2); // acme's adoption tasks; globex's check-in belongs to lee
    const [first, second] = lines.map((line) => Number(/^#(\d+)/.exec(line)![1]));
    expect(lines[0]).toContain('due 2026-01-22 Acme (acme) ');

    await radar(live, ['tasks', 'done', String(first), '--note', 'review held']);
    await radar(live, ['tasks', 'snooze', String(second), '--until', '2026-02-20']);
    captured.stdout = '';
    await radar(live, ['tasks', 'list', '--owner', 'dana@vendor.example']);
    expect(captured.stdout.trim().split('\n')).toEqual([expect.stringContaining('(snoozed until 2026-02-20)')]);
    await expect(radar(live, ['tasks', 'done', '999999'])).rejects.toThrow('no task 999999');
    await expect(radar(live, ['tasks', 'snooze', String(second), '--until', 'soon'])).rejects.toThrow('--until must be a day');

    // globex's check-in (due 01-20) is 7 days overdue on 01-27; lee has no manager entry → default channel.
    fake.channels.add('CALERTS');
    captured.stdout = '';
    await radar(contextFor(database(), live.environment, captured), ['escalate', '--as-of', '2026-01-27']);
    expect(captured.stdout).toContain('1 tasks escalated; 1 sent');
    expect(fake.messages.filter((m) => m.channel === 'CALERTS').map((m) => m.text)).toEqual(['Overdue task on Globex: "Schedule a check-in call" was due 2026-01-20 (7 days ago).']);

    await db.insertInto('renewals').values({ account_id: globex, renewal_date: '2026-03-01', outcome: 'renewed', arr_before_cents: 100, arr_after_cents: 100, decided_at: '2026-02-20T00:00:00Z' }).execute();
    captured.stdout = '';
    await radar(live, ['outcomes', '--as-of', '2026-02-28']);
    expect(captured.stdout).toContain('1 alerts linked');
    expect(captured.stdout).toMatch(/Alerted \(treated\)\s+1 decided\s+1 saved/);

    expect(captured.stdout + captured.logs).not.toContain(fake.token);
    expect(captured.logs).toContain('"event":"alert_sent"');
  });

  it('without SLACK_BOT_TOKEN writes the outbox under RADAR_DATA_DIR and prints the messages', async () => {
    const { db } = database();
    const acme = await addAccount(db, { externalId: 'acme', name: 'Acme' });
    await addScore(db, acme, '2026-01-15', 0.42, 'high');
    const dataDir = mkdtempSync(join(tmpdir(), 'radar-data-'));
    const dry = contextFor(database(), { RADAR_DATA_DIR: dataDir }, captured);
    await radar(dry, ['alert', '--as-of', '2026-01-15']);
    expect(captured.stdout).toContain(`SLACK_BOT_TOKEN is not set: dry run, messages go to ${join(dataDir, 'outbox')}`);
    expect(captured.stdout).toContain('[dry run] risk → UDANA: High churn risk: Acme — 42%, renews in 45 days');
    expect(existsSync(join(dataDir, 'outbox', '2026-01-15'))).toBe(true);
    expect(readdirSync(join(dataDir, 'outbox', '2026-01-15'))).toEqual([`risk_${acme}_2026-01-15_high.json`]);
    expect(fake.requests).toHaveLength(0);
  });
});
