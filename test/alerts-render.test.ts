// The rendered Block Kit of every template, one snapshot per playbook (test/__snapshots__), plus the
// rules every message keeps, read as Slack shows it (test/support/slack-message.ts): real line breaks
// (no visible backslash-n), escaped mrkdwn (no mention, link or command from data), Block Kit limits,
// a text fallback, valid JSON from the templates, no personal data.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.ts';
import { selectPlaybooks, topDrivers, type Driver } from '../alerts/plan.ts';
import { createRenderer } from '../alerts/render.ts';
import { buildAlertView, buildDigestView, buildEscalationView, buildRiskReducedView, type AlertView } from '../alerts/view.ts';
import { DRIVERS } from './alerts-fixtures.ts';
import { everyMessage, PLAIN, type MessageData } from './support/alert-messages.ts';
import { limitViolations, shownMrkdwn, textsOf, visibleText } from './support/slack-message.ts';

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

const CRM = 'https://crm.example.com/accounts/';
/** The mentions a message may make: the CSM (escalation) and the Slack users who acted on it. */
const ALLOWED_MENTIONS = ['@UDANA', '@UBOSS'];

function checkAsSlackShowsIt(name: string, message: ReturnType<typeof renderer.alert>): void {
  for (const found of textsOf(message)) {
    expect(found.text, `${name} ${found.path}`).not.toMatch(/\\[nt]/);
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    expect(found.text, `${name} ${found.path}`).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/); // only real newlines
  }
  expect(limitViolations(message), name).toEqual([]);
  for (const shown of shownMrkdwn(message)) {
    for (const mention of shown.mentions) expect(ALLOWED_MENTIONS, `${name} ${shown.path} mentions ${mention}`).toContain(mention);
    for (const link of shown.links) expect(link.url.startsWith(CRM), `${name} ${shown.path} links ${link.url}`).toBe(true);
  }
}

describe('every template as Slack shows it', () => {
  it('line breaks are real: each field shows its label on one line and the value on the next', () => {
    const message = renderer.alert(view(DRIVERS.usage));
    const fields = (message.blocks[1]!.fields as { text: string }[]).map((field) => shownMrkdwn({ text: 'x', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: field.text } }] })[1]!.text.split('\n'));
    expect(fields).toEqual([
      ['Churn probability', ':large_orange_circle: 42% (high)'],
      ['Change', ':arrow_up_small: +12 pts since 2026-01-08 (was 30%, medium)'],
      ['ARR', '$120,000'],
      ['Renewal', '2026-03-01 (in 45 days)'],
    ]);
    const why = shownMrkdwn(message).find((shown) => shown.path === 'blocks[2].text')!;
    expect(why.text).toBe('Why\n• Active users fell 45% over the last 30 days');
    const task = shownMrkdwn(message).find((shown) => shown.path === 'blocks[5].text')!;
    expect(task.text).toBe(':white_square: Run an adoption review with the main contact\ncsm · due 2026-01-22');
  });

  for (const [label, data] of [
    ['plain values', PLAIN],
    [
      'long values (5,000 characters, with & < > to escape)',
      {
        ...PLAIN,
        accountName: `Acme & <Sons> ${'n'.repeat(5000)}`,
        externalId: `ID-${'9'.repeat(5000)}`,
        segment: `seg&${'s'.repeat(5000)}`,
        sentence: `usage <50% ${'w'.repeat(5000)}`,
        taskTitle: `call & <follow up> ${'t'.repeat(5000)}`,
        csmEmail: `${'d'.repeat(5000)}@vendor.example`,
        modelVersion: `m-${'v'.repeat(5000)}`,
        reason: `because ${'r'.repeat(5000)}`,
      },
    ],
  ] as const) {
    it(`${label}: no literal \\n or \\t, Block Kit limits hold, only the CRM link and the intended mentions`, () => {
      for (const [name, message] of Object.entries(everyMessage(renderer, data as MessageData))) checkAsSlackShowsIt(name, message);
    });
  }

  it('cuts long values with an ellipsis, and shows escaped characters as typed', () => {
    const messages = everyMessage(renderer, { ...PLAIN, accountName: `Acme & <Sons> ${'n'.repeat(5000)}` });
    const header = messages.alert!.blocks[0]!.text as { text: string };
    expect(header.text).toHaveLength(150);
    expect(header.text).toMatch(/^High churn risk: Acme & <Sons> n+…$/);
    const crm = shownMrkdwn(messages.alert!).flatMap((shown) => shown.links)[0]!;
    expect(crm.url).toBe(`${CRM}ACME-001`);
    expect(crm.label).toBe(`Open Acme & <Sons> ${'n'.repeat(200 - 'Acme & <Sons> '.length - 1)}… in the CRM`);
    expect(shownMrkdwn(messages.alert!)[0]!.text).toMatch(/^High churn risk: Acme & <Sons> n+… — 42%, renews in 45 days$/);
  });

  it('F6: the top-level text (the notification) shows a hostile account name as typed, with no mention or link', () => {
    const name = 'Acme <!here> <!channel> <!everyone> <@U123> <#C123> <http://evil.example|click>';
    for (const [kind, message] of Object.entries(everyMessage(renderer, { ...PLAIN, accountName: name }))) {
      const text = shownMrkdwn(message)[0]!;
      expect(text.mentions, kind).toEqual([]);
      expect(text.links, kind).toEqual([]);
      if (kind !== 'digest') expect(text.text, kind).toContain(name);
      checkAsSlackShowsIt(kind, message);
      expect(visibleText(message), kind).toContain(name);
    }
  });

  it('F5: a Slack id that is not an id never becomes a mention; the CSM is named instead', () => {
    const hostile = everyMessage(renderer, { ...PLAIN, csmSlackId: 'U0LKJZN9R> <!channel', actor: 'U123> <!here' });
    for (const [kind, message] of Object.entries(hostile)) expect(shownMrkdwn(message).flatMap((shown) => shown.mentions), kind).toEqual([]);
    expect(visibleText(hostile['escalation to the csm']!)).toContain('owner dana@vendor.example.');
    expect(visibleText(hostile['alert after actions']!)).toContain('Marked not a risk by U123> <!here: Customer is fine');
    for (const bad of ['U0LKJZN9R> <!channel', 'u0lkjzn9r', 'U1', 'X0LKJZN9R', 'U0LK JZN9R', '']) {
      const escalation = everyMessage(renderer, { ...PLAIN, csmSlackId: bad })['escalation to the csm']!;
      expect(shownMrkdwn(escalation).flatMap((shown) => shown.mentions), bad).toEqual([]);
    }
    const valid = everyMessage(renderer, PLAIN);
    expect(shownMrkdwn(valid['escalation to the csm']!).flatMap((shown) => shown.mentions)).toEqual(['@UDANA']);
    expect(visibleText(valid['escalation to another role']!)).toContain('owner the executive owner.');
  });

  it('a user template copied from the old ones gets real line breaks from "\\n" in string literals', () => {
    const dir = mkdtempSync(join(tmpdir(), 'radar-templates-'));
    writeFileSync(join(dir, 'risk-reduced.hbs'), String.raw`{ "text": {{json text}}, "blocks": [ { "type": "section", "text": { "type": "mrkdwn", "text": {{json (concat "*Risk*\n" text "\tdone \\n")}} } } ] }`);
    const message = createRenderer(dir).riskReduced({ text: 'lower', blockId: 'b' });
    expect((message.blocks[0]!.text as { text: string }).text).toBe('*Risk*\nlower\tdone \\n');
  });

  it("keeps a user template's message inside Slack's limits: long text cut whole, blocks past 50 summarised", () => {
    const dir = mkdtempSync(join(tmpdir(), 'radar-templates-'));
    const long = `${'a'.repeat(2990)}&amp;&amp;<https://crm.example.com/x|link> tail`;
    const sections = Array.from({ length: 70 }, (_, i) => `{ "type": "section", "text": { "type": "mrkdwn", "text": ${JSON.stringify(i === 0 ? long : `s${i}`)} } }`);
    writeFileSync(join(dir, 'risk-reduced.hbs'), `{ "text": {{json text}}, "blocks": [ ${sections.join(', ')} ] }`);
    const message = createRenderer(dir).riskReduced({ text: 'x'.repeat(5000), blockId: 'b' });
    expect(limitViolations(message)).toEqual([]);
    expect(message.blocks).toHaveLength(50);
    // 2,999 characters would end inside the second &amp; or the link: the cut goes before them.
    expect((message.blocks[0]!.text as { text: string }).text).toBe(`${'a'.repeat(2990)}&amp;…`);
    expect(shownMrkdwn(message)[49 - 1 + 1]!.text).toBe('… 21 more blocks not shown: Slack shows at most 50 per message.');
    expect((message.blocks[49]!.text as { text: string }).text).toBe('s69');
    expect(message.text).toBe(`${'x'.repeat(3999)}…`);
  });
});
