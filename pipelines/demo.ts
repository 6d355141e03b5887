// `radar demo`: the whole flow on the embedded default, from nothing — a sample company is generated,
// ingested, and its indicators computed — printing progress and where each result is.
// Later stages (train, backtest, score, alert, report) join here as they are built.
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { computeIndicators } from '../indicators/compute.ts';
import type { CliContext } from './cli/context.ts';
import { ingestDirectory } from './ingest/run.ts';
import { writeSampleCompany } from './sample/generate.ts';

export interface DemoOptions {
  readonly accounts: number;
  readonly seed: number;
  /** The demo's "today". */
  readonly end: string;
  readonly dataDir: string;
}

async function step<T>(context: CliContext, title: string, work: () => Promise<T>, describe: (value: T) => string): Promise<T> {
  const started = performance.now();
  context.out.line(`▸ ${title} …`);
  const value = await work();
  context.out.line(`  ${describe(value)} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  context.logger.info({ event: 'demo_step', step: title, ms: Math.round(performance.now() - started) });
  return value;
}

export async function runDemo(context: CliContext, options: DemoOptions): Promise<void> {
  const started = performance.now();
  const sampleDir = join(options.dataDir, 'sample');
  const { config } = context.config();
  await step(
    context,
    `generating a sample company (${options.accounts} accounts, 2 years to ${options.end}, seed ${options.seed})`,
    () => writeSampleCompany({ accounts: options.accounts, years: 2, seed: options.seed, end: options.end, outDir: sampleDir }),
    (manifest) => `${Object.values(manifest.rows).reduce((a, b) => a + b, 0).toLocaleString('en-US')} rows in ${sampleDir}`,
  );
  const db = await context.database();
  const summaries = await step(
    context,
    'ingesting it into the embedded database',
    () => ingestDirectory(db, sampleDir, { logger: context.logger, force: true }),
    (loaded) =>
      `${loaded.reduce((sum, s) => sum + s.inserted + s.updated + s.unchanged, 0).toLocaleString('en-US')} rows stored, ${loaded.reduce((sum, s) => sum + s.rejected, 0)} quarantined (see \`radar ingest rejects\`)`,
  );
  if (summaries.some((summary) => summary.status === 'failed')) throw new Error('the sample failed to load; see the log above');
  await step(
    context,
    `computing indicators as of ${options.end} for accounts renewing in the next ${config.horizonDays} days`,
    () => computeIndicators(db, { asOf: options.end, config, scope: 'renewing', horizonDays: config.horizonDays }),
    (result) => `${result.accounts} accounts: ${result.flags.critical} critical and ${result.flags.warning} warning flags (try \`radar indicators explain ACCOUNT --as-of ${options.end}\`)`,
  );
  context.out.line(`done in ${((performance.now() - started) / 1000).toFixed(1)} s — the database is in ${resolve(options.dataDir, 'pgdata')}`);
}

export function registerDemoCommand(program: Command, context: CliContext): void {
  program
    .command('demo')
    .description('Generate a sample company and run the whole flow on the embedded database, printing where each result is')
    .option('--accounts <n>', 'accounts in the sample company', (value) => Number.parseInt(value, 10), 500)
    .option('--seed <n>', 'random seed', (value) => Number.parseInt(value, 10), 42)
    .option('--end <YYYY-MM-DD>', "the demo's today (default: today, UTC)")
    .action(async (options: { accounts: number; seed: number; end?: string }) => {
      await runDemo(context, {
        accounts: options.accounts,
        seed: options.seed,
        end: options.end ?? new Date().toISOString().slice(0, 10),
        dataDir: context.environment.RADAR_DATA_DIR ?? '.radar',
      });
    });
}
