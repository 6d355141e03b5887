// `radar sample` through commander: options, defaults, JSON output and usage errors.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../log.ts';
import type { CliContext, Output } from '../context.ts';
import { registerSampleCommands } from './sample.ts';

const dir = mkdtempSync(join(tmpdir(), 'radar-sample-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function harness(json: boolean): { program: Command; printed: string[]; data: unknown[] } {
  const printed: string[] = [];
  const data: unknown[] = [];
  const out: Output = {
    json,
    interactive: false,
    line: (text = '') => void (json || printed.push(text)),
    data: (value, human) => (json ? data.push(value) : human()),
  };
  const unused = () => {
    throw new Error('radar sample needs no config or database');
  };
  const context = { environment: {}, logger: silentLogger, out, config: unused, databaseOptions: unused, database: unused, close: async () => {} } as unknown as CliContext;
  const program = new Command('radar').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerSampleCommands(program, context);
  return { program, printed, data };
}

describe('radar sample', () => {
  it('writes the files and prints where they went with row counts', async () => {
    const { program, printed } = harness(false);
    const out = join(dir, 'human');
    await program.parseAsync(['sample', '--accounts', '12', '--years', '1', '--seed', '5', '--end', '2026-03-01', '--out', out], { from: 'user' });
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { accounts: number; seed: number; end: string; rows: Record<string, number> };
    expect(manifest).toMatchObject({ accounts: 12, seed: 5, end: '2026-03-01' });
    expect(printed[0]).toContain(out);
    expect(printed.find((line) => line.includes('accounts.csv'))).toContain(String(manifest.rows['accounts.csv']));
  });

  it('prints the manifest as JSON with --json', async () => {
    const { program, data, printed } = harness(true);
    const out = join(dir, 'json');
    await program.parseAsync(['sample', '--accounts', '8', '--years', '1', '--end', '2025-12-31', '--out', out], { from: 'user' });
    expect(printed).toEqual([]);
    expect(data[0]).toMatchObject({ outDir: out, accounts: 8, years: 1, seed: 42, end: '2025-12-31', recordsFrom: '2024-12-31' });
  });

  it('refuses a bad number or date as a usage error', async () => {
    await expect(harness(false).program.parseAsync(['sample', '--accounts', 'many'], { from: 'user' })).rejects.toThrow(/--accounts must be an integer/);
    await expect(harness(false).program.parseAsync(['sample', '--end', '2026-3-1'], { from: 'user' })).rejects.toThrow(/YYYY-MM-DD/);
  });
});
