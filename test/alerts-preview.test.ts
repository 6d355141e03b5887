// `radar alerts preview ID [--html FILE]`: the terminal lines and the Slack-like HTML card of a stored
// alert, the card opened in headless Chromium (no console message: the CSP blocks nothing it needs),
// and its screenshot for review (test/__screenshots__/alert-card.png, committed; the README shows it).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Command } from 'commander';
import { beforeEach, describe, expect, it } from 'vitest';
import { registerAlertCommands } from '../pipelines/cli/commands/alerts.ts';
import { renderAlertPreviewHtml, renderAlertPreviewText } from '../alerts/preview.ts';
import { createRenderer } from '../alerts/render.ts';
import { applyAlertState } from '../alerts/view.ts';
import type { CliContext } from '../pipelines/cli/context.ts';
import { createLogger } from '../pipelines/log.ts';
import { addAccount, addScore, DRIVERS, resetAlertTables, testConfig } from './alerts-fixtures.ts';
import { chromium, chromiumUnavailable, IN_CI, screenshot } from './report-chromium.ts';
import { alertView, everyMessage, PLAIN } from './support/alert-messages.ts';
import { describeEachBackend, type TestDatabase } from './support/database.ts';

const renderer = createRenderer();

/** An alert a CSM has worked on: one task done, snoozed, so every kind of block is on the card. */
function workedAlert() {
  const view = alertView(PLAIN);
  return renderer.alert(
    applyAlertState(view, {
      tasks: new Map([[view.playbooks[0]!.tasks[0]!.taskId, { status: 'done', completedBy: 'UDANA', snoozedUntil: null }]]),
      snoozedUntil: '2026-01-22',
      snoozedBy: 'UBOSS',
      notRisk: null,
    }),
  );
}

describe('the preview card', () => {
  it('draws header, fields, mrkdwn styles, links, mentions, buttons and context, every value escaped', () => {
    const html = renderAlertPreviewHtml(workedAlert(), { title: 'alert #41' });
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
    expect(html).toContain('<div class="header">High churn risk: Acme Logistics</div>');
    expect(html).toContain('<div class="mrkdwn"><strong>Churn probability</strong>\n🟠 42% (high)</div>');
    expect(html).toContain('<div class="mrkdwn"><strong>Why</strong>\n• Active users fell 45% over the last 30 days\n• The latest invoice is 21 days overdue');
    expect(html).toContain('✅ Run an adoption review with the main contact\n<em>csm · due 2026-01-22</em> · done by <span class="mention">@UDANA</span>');
    expect(html).toContain('💤 Snoozed until 2026-01-22 by <span class="mention">@UBOSS</span>');
    expect(html).toContain('<a href="https://crm.example.com/accounts/ACME-001" title="https://crm.example.com/accounts/ACME-001">Open Acme Logistics in the CRM</a>');
    expect(html.match(/<span class="button"[^>]*>Task done<\/span>/g)).toHaveLength(5); // 2 + 2 + 1 + 1 default playbook tasks, less the done one
    expect(html).toContain('<span class="button danger" title="radar_not_a_risk = 41">Not a risk</span>');
    expect(html).not.toMatch(/<script|\\n/);
  });

  it('keeps hostile values as text: no tag, event handler or javascript: link from data', () => {
    const name = '"><img src=x onerror=alert(1)><script>alert(2)</script>';
    for (const [kind, message] of Object.entries(everyMessage(renderer, { ...PLAIN, accountName: name, taskTitle: '<a href="javascript:alert(3)">x</a>' }))) {
      const html = renderAlertPreviewHtml(message);
      expect(html, kind).not.toMatch(/<img|<script|<a href="javascript/);
      expect(html, kind).toContain('&lt;img src=x onerror=alert(1)&gt;');
    }
    // A javascript: link in a template is drawn as text, not as a link.
    const html = renderAlertPreviewHtml({ text: 't', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '<javascript:alert(1)|click>' } }] });
    expect(html).toContain('<span class="link">click</span>');
  });

  it('prints the message as plain lines for a terminal', () => {
    const lines = renderAlertPreviewText(workedAlert());
    expect(lines.slice(0, 6)).toEqual([
      'HIGH CHURN RISK: ACME LOGISTICS',
      '',
      'Churn probability: :large_orange_circle: 42% (high)',
      'Change: :arrow_up_small: +12 pts since 2026-01-08 (was 30%, medium)',
      'ARR: $120,000',
      'Renewal: 2026-03-01 (in 45 days)',
    ]);
    expect(lines).toContain('Open Acme Logistics in the CRM (https://crm.example.com/accounts/ACME-001) · mid-market · Model m-2026-01 · config cfg-0001 · as of 2026-01-15 · alert #41');
    expect(lines).toContain('[Snooze 7 days] [Not a risk]');
    expect(lines.at(-1)).toBe('notification text: High churn risk: Acme Logistics — 42%, renews in 45 days');
  });
});

if (chromiumUnavailable && !IN_CI) console.warn(`[radar tests] skipping the Chromium alert card test: ${chromiumUnavailable}`);

describe.skipIf(Boolean(chromiumUnavailable) && !IN_CI)('the preview card in Chromium', () => {
  it('loads with no console message and writes the screenshot for review', async () => {
    if (chromiumUnavailable) throw new Error(`CI=true requires Chromium: ${chromiumUnavailable}`);
    const file = join(mkdtempSync(join(tmpdir(), 'radar-card-')), 'alert-card.html');
    writeFileSync(file, renderAlertPreviewHtml(workedAlert(), { title: 'Renewal Radar alert #41', postedAt: '9:02 AM' }));
    const dom = await chromium(file, ['--dump-dom'], '760,1000');
    expect(dom.console).toEqual([]);
    expect(dom.stdout).toContain('<div class="header">High churn risk: Acme Logistics</div>');
    const shot = await screenshot(file, 'alert-card.png', '760,1000');
    expect(shot).toMatchObject({ console: [], isPng: true, width: 760 });
    expect(shot.bytes).toBeGreaterThan(20_000);
  });

  it('the CSP is in force: a script planted in the page does not run (negative control)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'radar-card-')), 'planted.html');
    writeFileSync(file, renderAlertPreviewHtml(workedAlert()).replace('</body>', '<script>console.error("planted-ran")</script></body>'));
    const result = await chromium(file, ['--dump-dom']);
    expect(result.console.join('\n')).not.toContain('planted-ran');
    expect(result.console.join('\n')).toContain('Content Security Policy');
  });
});

interface Captured {
  stdout: string;
}

function contextFor(database: TestDatabase, captured: Captured, dataDir: string): CliContext {
  const loaded = testConfig();
  return {
    environment: { RADAR_DATA_DIR: dataDir },
    logger: createLogger({ level: 'warn', secrets: [], destination: new Writable({ write: (_chunk, _encoding, done) => done() }) }),
    out: { json: false, interactive: false, line: (text = '') => { captured.stdout += `${text}\n`; }, data: (_value, human) => human() },
    config: () => loaded,
    databaseOptions: () => database.options,
    database: async () => database.db,
    close: async () => undefined,
  };
}

describeEachBackend('radar alerts preview', (database) => {
  beforeEach(async () => {
    await resetAlertTables(database().db);
  });

  it('shows a stored alert as lines or writes its card; says what is wrong with a bad id', async () => {
    const { db } = database();
    const captured: Captured = { stdout: '' };
    const dataDir = mkdtempSync(join(tmpdir(), 'radar-data-'));
    const context = contextFor(database(), captured, dataDir);
    const radar = async (args: string[]) => {
      const program = new Command('radar').exitOverride();
      registerAlertCommands(program, context);
      await program.parseAsync(args, { from: 'user' });
    };
    const acme = await addAccount(db, { externalId: 'acme', name: 'Acme & <Sons>' });
    await addScore(db, acme, '2026-01-15', 0.42, 'high', [DRIVERS.usage]);
    await radar(['alert', '--as-of', '2026-01-15']); // dry run: no SLACK_BOT_TOKEN
    const { alert_id: id } = await db.selectFrom('alerts').select('alert_id').where('kind', '=', 'risk').executeTakeFirstOrThrow();

    captured.stdout = '';
    await radar(['alerts', 'preview', String(id)]);
    const lines = captured.stdout.split('\n');
    expect(lines[0]).toBe('HIGH CHURN RISK: ACME & <SONS>');
    expect(lines).toContain('Churn probability: :large_orange_circle: 42% (high)');
    expect(lines).toContain('• Active users fell 45% over the last 30 days');
    expect(captured.stdout).toContain('Open Acme & <Sons> in the CRM (https://crm.example.com/accounts/acme)');
    expect(captured.stdout).not.toMatch(/\\n|&amp;|&lt;/);

    const file = join(dataDir, 'card.html');
    captured.stdout = '';
    await radar(['alerts', 'preview', String(id), '--html', file]);
    expect(captured.stdout).toBe(`alert #${id} (risk) preview written to ${file}\n`);
    const html = readFileSync(file, 'utf8');
    expect(html).toContain('<div class="header">High churn risk: Acme &amp; &lt;Sons&gt;</div>');
    expect(html).toContain(`<title>Renewal Radar alert #${id} (risk)</title>`);

    captured.stdout = '';
    await radar(['alerts', 'preview', String(id), '--stored']);
    expect(captured.stdout.split('\n')[0]).toBe('HIGH CHURN RISK: ACME & <SONS>');

    await expect(radar(['alerts', 'preview', '0x5'])).rejects.toThrow('alert ID must be a positive integer, got "0x5"');
    await expect(radar(['alerts', 'preview', '999999'])).rejects.toThrow('no alert 999999');
  });
});
