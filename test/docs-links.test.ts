// Dead relative links in README.md and docs/*.md: every link and image whose target is a path in the
// repository must exist, and every `#anchor` must name a heading of its target page, slugged the way
// GitHub does (github-slugger, duplicates numbered). Markdown is read with marked's lexer, so links in
// code blocks and code spans are not links (as on GitHub). Absolute URLs (https:, mailto:) are not checked.
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import GithubSlugger from 'github-slugger';
import { marked, type Token } from 'marked';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/**
 * Targets produced on other branches and linked ahead of their merge, by request: tolerated while
 * missing (and named in the test output), checked like any other link once they exist.
 */
const PENDING_FROM_OTHER_BRANCHES: Readonly<Record<string, string>> = {
};

/** The text a heading shows: its inline tokens without markup (code spans keep their code). */
function plainText(tokens: readonly Token[]): string {
  return tokens.map((token) => ('tokens' in token && token.tokens ? plainText(token.tokens) : 'text' in token ? String(token.text) : '')).join('');
}

/** Anchors of a Markdown file's headings, as GitHub makes them. */
function anchorsOf(markdown: string): Set<string> {
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  marked.walkTokens(marked.lexer(markdown), (token) => {
    if (token.type === 'heading') anchors.add(slugger.slug(plainText(token.tokens ?? [])));
  });
  return anchors;
}

/** Every link and image target in a Markdown text, outside code. */
function linkTargets(markdown: string): string[] {
  const targets: string[] = [];
  marked.walkTokens(marked.lexer(markdown), (token) => {
    if (token.type === 'link' || token.type === 'image') targets.push(token.href);
  });
  return targets;
}

const isExternal = (href: string) => /^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('//');

/** Problems with the relative links of one file, e.g. "README.md → docs/nope.md: no such file". */
export function deadLinks(file: string, root: string, pending: Readonly<Record<string, string>> = {}): { dead: string[]; pending: string[] } {
  const dead: string[] = [];
  const waiting: string[] = [];
  const from = relative(root, file);
  for (const href of linkTargets(readFileSync(file, 'utf8'))) {
    if (isExternal(href)) continue;
    const [pathPart = '', anchor] = href.split('#', 2);
    const target = pathPart === '' ? file : resolve(dirname(file), decodeURIComponent(pathPart));
    const shown = `${from} → ${href}`;
    if (!existsSync(target)) {
      const key = relative(root, target);
      if (pending[key] !== undefined) waiting.push(`${shown}: ${pending[key]}`);
      else dead.push(`${shown}: no such file`);
      continue;
    }
    if (anchor === undefined || anchor === '') continue;
    if (statSync(target).isDirectory() || !target.endsWith('.md')) {
      dead.push(`${shown}: an anchor on something that is not a Markdown page`);
      continue;
    }
    if (!anchorsOf(readFileSync(target, 'utf8')).has(decodeURIComponent(anchor))) dead.push(`${shown}: no heading with anchor #${anchor}`);
  }
  return { dead, pending: waiting };
}

const pages = () => [join(ROOT, 'README.md'), ...readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => join(ROOT, 'docs', name))];

describe('documentation links', () => {
  it('finds a missing file, a missing anchor and a missing anchor in the same page (negative control)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'radar-docs-links-'));
    writeFileSync(join(dir, 'other.md'), '# Other page\n\n## A `code` heading: yes\n\n## A `code` heading: yes\n');
    writeFileSync(
      join(dir, 'page.md'),
      [
        '# Page',
        '',
        '[ok](other.md#a-code-heading-yes) [ok, the second one](other.md#a-code-heading-yes-1) [ok](#page) [web](https://example.com/x.md)',
        '[gone](missing.md) ![gone](img/none.png) [bad anchor](other.md#nope) [bad local](#not-here)',
        '',
        '    [in an indented code block](ignored.md)',
        '',
        '`[in a code span](ignored.md)`',
      ].join('\n'),
    );
    expect(deadLinks(join(dir, 'page.md'), dir).dead).toEqual([
      'page.md → missing.md: no such file',
      'page.md → img/none.png: no such file',
      'page.md → other.md#nope: no heading with anchor #nope',
      'page.md → #not-here: no heading with anchor #not-here',
    ]);
  });

  it('slugs headings as GitHub does', () => {
    expect([...anchorsOf('## Slack interactivity: buttons and `/radar` (`radar serve`)\n## The daily run at 10,000 accounts\n## Sample data: `radar sample`\n')]).toEqual([
      'slack-interactivity-buttons-and-radar-radar-serve',
      'the-daily-run-at-10000-accounts',
      'sample-data-radar-sample',
    ]);
  });

  it('README.md and every docs/*.md page link only to files and headings that exist', () => {
    const files = pages();
    expect(files.length).toBeGreaterThan(8);
    const results = files.map((file) => deadLinks(file, ROOT, PENDING_FROM_OTHER_BRANCHES));
    for (const line of results.flatMap((result) => result.pending)) console.warn(`[radar tests] link to a file from another branch, not here yet: ${line}`);
    expect(results.flatMap((result) => result.dead)).toEqual([]);
    // The checker saw the links it is meant to check (a parser change cannot make it pass by seeing none).
    expect(files.reduce((total, file) => total + linkTargets(readFileSync(file, 'utf8')).filter((href) => !isExternal(href)).length, 0)).toBeGreaterThan(30);
  });
});
