// What a `radar` start loads, read from the build's own record (dist/meta.json, built by the global
// setup from the current sources): `--help` and `--version` need commander and the command table only;
// every other package is loaded by the action that uses it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/cli.ts';

interface Metafile {
  outputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[]; inputs: Record<string, unknown> }>;
}

const meta = JSON.parse(readFileSync(join(REPO_ROOT, 'dist/meta.json'), 'utf8')) as Metafile;

/** The output files a start evaluates before main() runs: the entry and its static imports, transitively. */
function loadedAtStart(): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const imported of meta.outputs[file]!.imports) if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
  };
  visit('dist/main.js');
  return [...seen];
}

const packageOf = (path: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];

describe('what a start loads', () => {
  const files = loadedAtStart();
  const inputs = files.flatMap((file) => Object.keys(meta.outputs[file]!.inputs));
  const externals = files.flatMap((file) => meta.outputs[file]!.imports.filter((imported) => imported.external).map((imported) => imported.path));

  it('no package but commander, and only Node built-ins from outside the bundle', () => {
    expect(new Set(inputs.map(packageOf).filter(Boolean))).toEqual(new Set(['commander']));
    expect(externals.filter((path) => !path.startsWith('node:'))).toEqual([]);
  });

  it('the command table, and not the stages behind it', () => {
    expect(inputs).toEqual(expect.arrayContaining(['pipelines/cli/main.ts', 'pipelines/cli/commands/models.ts', 'pipelines/cli/commands/jobs.ts']));
    // Small pure helpers for option parsing and labels (alerts/dates.ts, alerts/ids.ts, indicators/format.ts…) are fine.
    expect(inputs.filter((input) => /^(sql|models)\/|^alerts\/(?!(dates|ids)\.ts)|^pipelines\/(jobs|ingest|report\/(?!period|formats))|^config\//.test(input))).toEqual([]);
  });

  it('each action loads its own modules: the score chunk holds models/score.ts', () => {
    const lazy = Object.entries(meta.outputs).filter(([file]) => !files.includes(file));
    expect(lazy.some(([, output]) => 'models/score.ts' in output.inputs)).toBe(true);
  });
});
