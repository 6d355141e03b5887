// `radar sample` → `radar ingest --dir` → `radar ingest status|rejects` as real processes on the embedded default.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startupBudgetMs } from './support/budget.ts';
import { runRadar } from './support/cli.ts';

describe('radar ingest (CLI)', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'radar-cli-ingest-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('loads a sample folder, reports each source, and says unchanged the second time', async () => {
    const environment = { RADAR_DATA_DIR: join(work, 'data'), LOG_LEVEL: 'warn' };
    const sample = await runRadar(['sample', '--accounts', '40', '--years', '1', '--seed', '3', '--end', '2026-06-30', '--out', join(work, 'sample')], environment);
    expect(sample.code).toBe(0);

    const first = await runRadar(['--json', 'ingest', '--dir', join(work, 'sample')], environment);
    expect(first.code).toBe(0);
    const loaded = JSON.parse(first.stdout) as { entity: string; status: string; inserted: number; rejected: number }[];
    expect(loaded.map((summary) => summary.entity)).toEqual(['accounts', 'usage_daily', 'support_contacts', 'invoices', 'renewals', 'market_events', 'usage_events', 'account_signals']);
    expect(loaded.every((summary) => summary.status === 'succeeded' && summary.inserted > 0 && summary.rejected >= 1)).toBe(true);

    const again = await runRadar(['ingest', '--dir', join(work, 'sample'), '--force'], environment);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/dir-usage-daily\s+usage_daily\s+read \d+, inserted 0, updated 0, unchanged \d+, rejected \d+/);
    expect(again.stdout).toContain('quarantined: see `radar ingest rejects`');

    const rejects = await runRadar(['ingest', 'rejects', '--source', 'dir-accounts'], environment);
    expect(rejects.code).toBe(0);
    expect(rejects.stdout).toMatch(/^#\d+ dir-accounts accounts\.csv:\d+: /m);

    const status = await runRadar(['--json', 'ingest', 'status'], environment);
    expect(status.code).toBe(0);
    const sources = JSON.parse(status.stdout) as { source: string; lastRun: { status: string } }[];
    expect(sources.find((source) => source.source === 'dir-usage-daily')?.lastRun.status).toBe('succeeded');
  }, 6 * startupBudgetMs()); // five processes, each opening the embedded database

  it('exits 2 for a bad option and 1 when a source fails', async () => {
    const environment = { RADAR_DATA_DIR: join(work, 'data2'), LOG_LEVEL: 'silent' };
    expect((await runRadar(['ingest', '--max-reject-share', '7'], environment)).code).toBe(2);
    const missing = await runRadar(['ingest', '--dir', join(work, 'nothing-here')], environment);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no accounts file');
  }, 3 * startupBudgetMs());
});
