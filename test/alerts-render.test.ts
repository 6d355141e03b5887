// The rendered Block Kit of every template, one snapshot per playbook (test/__snapshots__), plus the
// rules every message keeps: valid JSON from the templates, escaped mrkdwn, no personal data.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.ts';
import { selectPlaybooks, topDrivers, type Driver } from '../alerts/plan.ts';
import { createRenderer } from '../alerts/render.ts';
import { buildAlertView, buildDigestView, buildEscalationView, buildRiskReducedView, type AlertView } from '../alerts/view.ts';
import { DRIVERS } from './alerts-fixtures.ts';

const { config } = parseConfig({});
// A fixed config version: the real hash changes whenever any default changes, which is not a message change.
const version = 'cfg-0001';
const renderer = createRenderer();

function view(playbookDriver: Driver, alertId = 41): AlertView {
  const drivers = topDrivers([playbookDriver, DRIVERS.protective], 3);
  const playbooks = selectPlaybooks(drivers, config.playbooks, '2026-01-15', 'dana@vendor.example');
  let taskId = 100;
  const tasks = playbooks.flatMap((playbook) => playbook.tasks.map((task) => ({ taskId: taskId++, playbook: task.playbook, title: task.title, ownerRole: task.ownerRole, dueOn: task.dueOn, status: 'open' })));
  return buildAlertView({
    alertId,
    dedupKey: `risk:7:2026-01-15:high`,
    account: { accountId: 7, externalId: 'ACME-001', name: 'Acme Logistics', segment: 'mid-market', arrCents: 12_000_000, currency: 'USD', renewalDate: '2026-03-01' },
    score: { asOf: '2026-01-15', probability: 0.4213, tier: 'high', modelVersion: 'm-2026-01', previous: { asOf: '2026-01-08', probability: 0.3, tier: 'medium' } },
    drivers,
    playbooks,
    tasks,
    crmUrlTemplate: config.routing.crmUrlTemplate,
    configVersion: version,
  });
}

const byPlaybook = { adoption: DRIVERS.usage, payment: DRIVERS.payment, engagement: DRIVERS.support, competition: DRIVERS.competition } as const;

describe('alert templates', () => {
  it('cover every default playbook', () => {
    expect(Object.keys(byPlaybook).sort()).toEqual(Object.keys(config.playbooks).sort());
  });

  for (const [playbook, driver] of Object.entries(byPlaybook)) {
    it(`renders the ${playbook} playbook`, () => {
      const message = renderer.alert(view(driver));
      expect(message).toMatchSnapshot();
      const text = JSON.stringify(message);
      expect(text).toContain(`Playbook: ${config.playbooks[playbook]!.title}`);
      expect(text).toContain('https://crm.example.com/accounts/ACME-001');
      expect(text).toContain(`config ${version}`);
      expect(text).not.toMatch(/@[a-z]/i); // no emails
    });
  }

  it('says so when no playbook matches', () => {
    const message = renderer.alert(view({ indicator: 'tenure', contribution: 0.2, sentence: 'Short tenure' }));
    expect(JSON.stringify(message)).toContain('No playbook matches these drivers');
  });

  it('escapes mrkdwn control characters from account names and driver sentences', () => {
    const v = buildAlertView({
      ...{ alertId: 1, dedupKey: 'k', crmUrlTemplate: 'https://crm/{{externalId}}', configVersion: 'c', playbooks: [], tasks: [] },
      account: { accountId: 1, externalId: 'a/b c', name: 'A&B <script>', segment: 's', arrCents: 100, currency: 'EUR', renewalDate: '2026-02-01' },
      score: { asOf: '2026-01-31', probability: 0.5, tier: 'critical', modelVersion: 'm', previous: null },
      drivers: [{ indicator: 'x', contribution: 1, sentence: 'usage <50%' }],
    });
    const text = JSON.stringify(renderer.alert(v));
    expect(text).toContain('A&amp;B &lt;script&gt;');
    expect(text).toContain('usage &lt;50%');
    expect(text).toContain('https://crm/a%2Fb%20c');
    expect(text).toContain('2026-02-01 (tomorrow)');
    expect(text).toContain('First score for this account');
    expect(text).toContain('€1');
  });

  it('renders the risk-reduced reply, the escalation and the digest', () => {
    expect(renderer.riskReduced(buildRiskReducedView({ parentAlertId: 41, accountName: 'Acme Logistics', asOf: '2026-01-20', tier: 'medium', probability: 0.2, previousTier: 'high', previousAsOf: '2026-01-15' }))).toMatchSnapshot();
    expect(
      renderer.escalation(buildEscalationView({ alertId: 50, taskId: 100, account: { accountId: 7, externalId: 'ACME-001', name: 'Acme Logistics' }, taskTitle: 'Run an adoption review', dueOn: '2026-01-22', asOf: '2026-01-29', ownerRole: 'csm', csmSlackId: 'UDANA', crmUrlTemplate: config.routing.crmUrlTemplate })),
    ).toMatchSnapshot();
    expect(renderer.digest(buildDigestView({ digestAlertId: 60, asOf: '2026-01-15', alerts: [view(DRIVERS.usage, 41), view(DRIVERS.payment, 42)] }))).toMatchSnapshot();
  });

  it('uses a template from templatesDir when the user provides one, and names a template that is not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'radar-templates-'));
    writeFileSync(join(dir, 'risk-reduced.hbs'), '{ "text": {{json text}}, "blocks": [] }');
    expect(createRenderer(dir).riskReduced({ text: 'hi', blockId: 'b' })).toEqual({ text: 'hi', blocks: [] });
    writeFileSync(join(dir, 'escalation.hbs'), '{ "text": {{text}} }');
    expect(() => createRenderer(dir).escalation({ text: 'plain words' } as never)).toThrow(/escalation\.hbs did not produce JSON/);
  });
});
