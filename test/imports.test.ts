// Imports point down: the data layer (sql/) sits below every stage, and the CLI (pipelines/cli/) above
// them all. Read from the sources with a regex, type imports included (a type import still couples).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/cli.ts';

const IMPORT = /\b(?:import|export)\s(?:[^'";]*?\sfrom\s)?\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every .ts file under a folder (tests included: a test beside the code follows the same rules). */
function sources(folder: string): string[] {
  return readdirSync(join(REPO_ROOT, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(REPO_ROOT, join(entry.parentPath, entry.name)));
}

/** The project files a source imports, as paths from the repository root (packages and node: left out). */
function projectImports(file: string): string[] {
  const text = readFileSync(join(REPO_ROOT, file), 'utf8');
  return [...text.matchAll(IMPORT)]
    .map((match) => match[1] ?? match[2]!)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => relative(REPO_ROOT, resolve(REPO_ROOT, dirname(file), specifier)));
}

function violations(folders: readonly string[], forbidden: (target: string) => boolean): string[] {
  return folders.flatMap((folder) => sources(folder).flatMap((file) => projectImports(file).filter(forbidden).map((target) => `${file} imports ${target}`)));
}

/** Leaf modules every folder may import (pipelines/README.md). */
const LEAVES = new Set(['pipelines/errors.ts', 'pipelines/log.ts']);
const STAGES = ['indicators', 'models', 'alerts', 'pipelines'];
const PIPELINE_STAGES = readdirSync(join(REPO_ROOT, 'pipelines'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && entry.name !== 'cli')
  .map((entry) => `pipelines/${entry.name}`);

describe('imports point down', () => {
  it('reads imports of every form', () => {
    expect(projectImports('pipelines/cli/commands/models.ts')).toEqual(expect.arrayContaining(['pipelines/errors.ts', 'pipelines/cli/context.ts', 'models/registry.ts']));
  });

  it('sql/ imports no stage folder', () => {
    expect(violations(['sql'], (target) => !LEAVES.has(target) && STAGES.some((stage) => target.startsWith(`${stage}/`)))).toEqual([]);
  });

  it('no stage folder imports pipelines/cli/', () => {
    expect(PIPELINE_STAGES).toEqual(expect.arrayContaining(['pipelines/ingest', 'pipelines/jobs', 'pipelines/report', 'pipelines/sample']));
    expect(violations(['sql', 'config', 'indicators', 'models', 'alerts', ...PIPELINE_STAGES], (target) => target.startsWith('pipelines/cli/'))).toEqual([]);
  });
});
