// Benchmark of the weekly backtest: npx tsx test/bench/backtest.ts [--accounts 10000] [--steps 52]
// Generates the sample company (seeded), loads it into a fresh schema on the Postgres server
// (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test), runs a 52-step weekly backtest of the
// default config and prints the table, the time split and the per-step cost. The schema is dropped at the end.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../config/load.ts';
import { addDays } from '../../indicators/compute.ts';
import { runBacktest } from '../../models/backtest.ts';
import { renderBacktestTable } from '../../models/backtest-report.ts';
import { ingestDirectory } from '../../pipelines/ingest/run.ts';
import { silentLogger } from '../../pipelines/log.ts';
import { writeSampleCompany } from '../../pipelines/sample/generate.ts';
import { freshServerSchema, timed } from './support.ts';

const flag = (name: string, fallback: number) => {
  const index = process.argv.indexOf(name);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};
const accounts = flag('--accounts', 10_000);
const steps = flag('--steps', 52);
const END = '2026-06-30';
const dir = mkdtempSync(join(tmpdir(), 'radar-bench-backtest-'));
const server = await freshServerSchema('radar_bench_bt');
try {
  console.log(`node ${process.version}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const generated = await timed(() => writeSampleCompany({ accounts, years: 2, seed: 20251121, end: END, outDir: dir }));
  console.log(`sample: ${accounts} accounts × 2 years generated in ${generated.seconds.toFixed(1)} s`);
  const loaded = await timed(() => ingestDirectory(server.db, dir, { logger: silentLogger }));
  console.log(`ingest: ${loaded.seconds.toFixed(1)} s`);
  const { config, version } = parseConfig({});
  // The last step leaves a full horizon of decided renewals before the end of the data.
  const to = addDays(END, -config.horizonDays - 1);
  const from = addDays(to, -7 * (steps - 1));
  const result = await runBacktest(server.db, { from, to, stepDays: 7, configs: [{ label: 'defaults', config, configVersion: version }], concurrency: 2 });
  console.log(renderBacktestTable(result.runs));
  const t = result.timings;
  console.log(
    `backtest ${from} … ${to}, ${result.steps.length} weekly steps: ${t.totalSeconds.toFixed(1)} s total (target < 60 s); ` +
      `training set ${t.trainingSetSeconds.toFixed(1)} s, step indicators ${t.indicatorSeconds.toFixed(1)} s (${((1000 * t.indicatorSeconds) / result.steps.length).toFixed(0)} ms/step), ` +
      `fits + scoring ${t.fitSeconds.toFixed(1)} s (${((1000 * t.fitSeconds) / result.steps.length).toFixed(0)} ms/step); ${(1000 * t.perStepSeconds).toFixed(0)} ms per step overall`,
  );
  console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  await server.dispose();
  rmSync(dir, { recursive: true, force: true });
}
