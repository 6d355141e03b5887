// Issue 16 (F5, F6, F11): a corpus of hostile names — Slack mentions, links and commands, HTML and
// script tags, Markdown tricks, control characters, an RTL override, 5,000-character strings — put
// everywhere data reaches a Slack template (account name, external id, segment, driver sentence,
// task title, CSM Slack id and email, the Slack user who acted) and its preview card, the weekly
// Slack summary, the HTML report and the Markdown report. Nothing may come out as a mention, a link
// or a tag a reader did not get from us, and every Block Kit limit holds. The reports go through the database once (names
// stored and read back) and through the renderers for every corpus entry.
import { beforeAll, describe, expect, it } from 'vitest';
import { renderAlertPreviewHtml } from '../../alerts/preview.ts';
import { createRenderer } from '../../alerts/render.ts';
import { buildWeeklyFigures, type WeeklyFigures } from '../../pipelines/report/build.ts';
import { renderHtml, renderMarkdown } from '../../pipelines/report/render.ts';
import { weeklySummaryMessage } from '../../pipelines/report/slack.ts';
import { buildReportView } from '../../pipelines/report/view.ts';
import { NOW, reportTestConfig, seedReportFixture, WEEK } from '../report-fixtures.ts';
import { everyMessage, PLAIN } from '../support/alert-messages.ts';
import { describeEachBackend, type TestDatabase } from '../support/database.ts';
import { limitViolations, shownMrkdwn, type MessageLike } from '../support/slack-message.ts';

export const HOSTILE: readonly string[] = [
  '<!channel> renewal at risk', '<!here>', '<!everyone>', '<!subteam^S0123|@csm-team>', '<!date^1392734382^{date}|Feb 18>',
  '<@U024BE7LH>', '<@W024BE7LH|boss>', '<#C024BE7LQ>', '<#G024BE7LQ|private>', 'U0LKJZN9R> <!channel', 'UDANA> <!here',
  '<http://evil.example|Click to renew>', '<https://evil.example>', '<mailto:x@evil.example|mail>', 'Acme |evil> <http://evil.example|x',
  '&lt;!channel&gt;', '&amp;lt;!here&amp;gt;', '&#60;!here&#62;',
  '"><img src=x onerror=alert(1)>', '<script>alert(1)</script>', "<svg onload=alert('x')>", '</td></tr></table><h1>owned</h1>', '<!-- comment -->',
  '[x](javascript:alert(1))', '![pixel](http://evil.example/p.png)', '[click][ref]\n\n[ref]: http://evil.example', '<http://evil.example>',
  '# Heading', '## Sub', '* bullet', '- item', '+ item', '1. list', '> quote', '| a | b |', '`code`', '```fence```', '*bold* _italic_ ~strike~', '\\*not bold\\*', '---',
  'line\nbreak', 'tab\there', 'cr\rhere', 'bell\u0007esc\u001b[31mred', 'del\u007fc1\u0085', 'rtl \u202egnp.exe', 'bidi \u2066isolate\u2069', 'zero\u200bwidth',
  'Ünïcödé 東京 🔴 emoji', `long ${'x'.repeat(5000)}`, '<!channel>'.repeat(500), '&'.repeat(5000), `${'🔴'.repeat(2600)}`,
];

const CRM = 'https://crm.example.com/accounts/';
const renderer = createRenderer();

/** No mention at all, and no link but the CRM link, anywhere a reader sees mrkdwn. */
function expectNothingLive(message: MessageLike, where: string): void {
  expect(limitViolations(message), where).toEqual([]);
  for (const shown of shownMrkdwn(message)) {
    expect(shown.mentions, `${where} ${shown.path}`).toEqual([]);
    for (const link of shown.links) expect(link.url.startsWith(CRM), `${where} ${shown.path} links ${link.url}`).toBe(true);
  }
}

describe('hostile names in every Slack template', () => {
  it(`${HOSTILE.length} names in every data field of every template: no mention or foreign link, limits hold; the preview card has no foreign tag`, () => {
    for (const [i, name] of HOSTILE.entries()) {
      const data = { accountName: name, externalId: name, segment: name, sentence: name, taskTitle: name, csmSlackId: name, csmEmail: name, actor: name, modelVersion: name, reason: name };
      for (const [kind, message] of Object.entries(everyMessage(renderer, data))) {
        expectNothingLive(message, `#${i} ${kind}`);
        expectHtmlInert(renderAlertPreviewHtml(message), `#${i} ${kind} preview card`, PREVIEW_TAGS);
      }
    }
  });

  it('a hostile name reads as typed (escaped, not mangled): the reader sees the characters, not a command', () => {
    for (const name of ['<!channel> renewal at risk', '<http://evil.example|Click to renew>', '&lt;!channel&gt;', 'U0LKJZN9R> <!channel']) {
      const shown = shownMrkdwn(everyMessage(renderer, { ...PLAIN, accountName: name }).alert!);
      expect(shown[0]!.text).toBe(`High churn risk: ${name} — 42%, renews in 45 days`);
    }
  });
});

/** Every tag the report's own HTML uses; anything else in the page came from data. */
const REPORT_TAGS = new Set(['!doctype', 'html', 'head', 'meta', 'title', 'style', 'body', 'header', 'h1', 'h2', 'p', 'div', 'section', 'details', 'summary', 'ul', 'li', 'table', 'caption', 'thead', 'tbody', 'tr', 'th', 'td', 'figure', 'figcaption', 'footer', 'svg', 'g', 'line', 'polyline', 'rect', 'circle', 'text', 'path', 'desc', 'tspan']);

/** Every tag the alert preview card uses. */
const PREVIEW_TAGS = new Set(['!doctype', 'html', 'head', 'meta', 'title', 'style', 'body', 'div', 'span', 'p', 'b', 'strong', 'em', 's', 'code', 'a', 'hr']);

function expectHtmlInert(html: string, where: string, tags = REPORT_TAGS): void {
  expect(html, where).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
  const foreign: string[] = [];
  for (const tag of html.matchAll(/<\/?([!a-zA-Z][a-zA-Z0-9-]*)([^>]*)>/g)) {
    if (!tags.has(tag[1]!.toLowerCase())) foreign.push(tag[0]);
    if (/\shref="(?!https?:|mailto:)/i.test(tag[2]!)) foreign.push(tag[0]);
    // Data inside a quoted attribute value is text ("&quot;" cannot end it); outside one it would be an attribute.
    if (/\son[a-z]+\s*=/i.test(tag[2]!.replace(/"[^"]*"/g, '""'))) foreign.push(tag[0]);
  }
  expect(foreign, `${where}: tags or attributes that came from data`).toEqual([]);
}

/** How the Markdown renderer begins its own lines; a line beginning any other way was opened by data. */
const MARKDOWN_LINE = /^(?:$|# |## |_|- \*\*|> |\*\*)/;

/** Markdown: no raw HTML, no link or image syntax, no line opened by data, every table row as wide as its header. */
function expectMarkdownInert(markdown: string, where: string): void {
  expect(markdown, `${where}: raw HTML`).not.toMatch(/(?<!\\)<[a-zA-Z!/]/);
  expect(markdown, `${where}: a link or image`).not.toMatch(/(?<!\\)\[[^\]\n]*(?<!\\)\]\s*[([]/);
  expect(markdown, `${where}: an entity`).not.toMatch(/(?<!\\)&[#a-zA-Z0-9]+;/);
  const broken: string[] = [];
  let width = 0;
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) {
      width = 0;
      if (!MARKDOWN_LINE.test(line) || /^> (?:[-+*>#]|\d+[.)])(\s|$)/.test(line)) broken.push(line.slice(0, 80));
      continue;
    }
    const cells = line.split(/(?<!\\)\|/).length;
    if (width === 0) width = cells;
    if (cells !== width) broken.push(line.slice(0, 80));
  }
  expect(broken, `${where}: lines opened by data or table rows of the wrong width`).toEqual([]);
}

/** The figures with every name a reader sees replaced by `name`. */
function withNames(figures: WeeklyFigures, name: string): WeeklyFigures {
  return {
    ...figures,
    topAccounts: figures.topAccounts.map((account) => ({ ...account, name, externalId: name, segment: name, owner: name })),
    atRisk: { ...figures.atRisk, bySegment: figures.atRisk.bySegment.map((bucket) => ({ ...bucket, segment: name })) },
    freshness: figures.freshness.map((source) => ({ ...source, source: name, entity: name })),
  };
}

describeEachBackend('hostile names in the weekly report', (context: () => TestDatabase) => {
  let figures: WeeklyFigures;
  beforeAll(async () => {
    const { db } = context();
    await seedReportFixture(db);
    // Stored and read back: every account gets a corpus name, segment and owner.
    const accounts = await db.selectFrom('accounts').select('account_id').orderBy('account_id').execute();
    for (const [i, { account_id }] of accounts.entries()) {
      const name = HOSTILE[i % HOSTILE.length]!;
      await db.updateTable('accounts').set({ name, segment: HOSTILE[(i + 7) % HOSTILE.length]!, csm_email: HOSTILE[(i + 13) % HOSTILE.length]! }).where('account_id', '=', account_id).execute();
    }
    figures = await buildWeeklyFigures(db, { week: WEEK, config: reportTestConfig().config, now: NOW });
  });

  it('names from the database: the HTML has no foreign tag, the Markdown no HTML or link, the Slack summary no mention', () => {
    expect(figures.topAccounts.map((account) => account.name).every((name) => HOSTILE.includes(name))).toBe(true);
    const view = buildReportView(figures);
    expectHtmlInert(renderHtml(view), 'html');
    expectMarkdownInert(renderMarkdown(view), 'markdown');
    expectNothingLive(weeklySummaryMessage(figures), 'slack summary');
  });

  it(`every corpus name in every name cell: HTML, Markdown and the Slack summary stay inert`, () => {
    for (const [i, name] of HOSTILE.entries()) {
      const hostile = withNames(figures, name);
      const view = buildReportView(hostile);
      expectHtmlInert(renderHtml(view), `#${i} html`);
      expectMarkdownInert(renderMarkdown(view), `#${i} markdown`);
      expectNothingLive(weeklySummaryMessage(hostile), `#${i} slack summary`);
    }
  });

  it('F11: the Markdown report shows an HTML or link name as text, escaped', () => {
    const markdown = renderMarkdown(buildReportView(withNames(figures, '"><img src=x onerror=alert(1)> [x](javascript:alert(1)) | # *')));
    expect(markdown).toContain('"\\>\\<img src=x onerror=alert(1)\\> \\[x\\](javascript:alert(1)) \\| # \\*');
    expect(markdown).not.toMatch(/(?<!\\)<img/);
    expect(markdown).not.toMatch(/(?<!\\)\[x(?<!\\)\]\(/);
  });
});
