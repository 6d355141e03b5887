// `radar sample`: the thin shell around writeSampleCompany. The only place "today" is read.
import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { SAMPLE_FILES, SIGNAL_FILES } from '../../sample/files.ts';
import { MAX_ACCOUNTS, MAX_YEARS, writeSampleCompany } from '../../sample/generate.ts';
import type { CliContext } from '../context.ts';

interface SampleCommandOptions {
  accounts: number;
  years: number;
  seed: number;
  out: string;
  end?: string;
  subscriptions?: boolean;
}

function integerOption(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    }
    return parsed;
  };
}

function dateOption(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) throw new InvalidArgumentError('must be a date YYYY-MM-DD');
  return value;
}

export function registerSampleCommands(program: Command, context: CliContext): void {
  program
    .command('sample')
    .description('Write a synthetic SaaS company (accounts, usage, tickets, invoices, renewals, market events) in the import formats')
    .option('--accounts <n>', 'number of accounts', integerOption('--accounts', 1, MAX_ACCOUNTS), 500)
    .option('--years <n>', 'years of history before --end', integerOption('--years', 1, MAX_YEARS), 2)
    .option('--seed <n>', 'random seed: the same seed writes the same bytes', integerOption('--seed', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER), 42)
    .option('--out <dir>', 'output directory', '.radar/sample')
    .option('--end <YYYY-MM-DD>', "the sample's today (default: today, UTC)", dateOption)
    .option('--subscriptions', 'also write subscriptions.csv, a billing export to derive renewals from (small accounts billed monthly, the rest annually; docs/subscriptions.md)')
    .action(async (options: SampleCommandOptions) => {
      const outDir = resolve(options.out);
      const end = options.end ?? new Date().toISOString().slice(0, 10);
      const started = performance.now();
      const manifest = await writeSampleCompany({
        accounts: options.accounts,
        years: options.years,
        seed: options.seed,
        end,
        outDir,
        subscriptions: Boolean(options.subscriptions),
        onProgress: (message) => {
          if (context.out.interactive) context.out.line(`  ${message}`);
          context.logger.debug({ event: 'sample_progress', message });
        },
      });
      const seconds = Number(((performance.now() - started) / 1000).toFixed(1));
      context.out.data({ outDir, seconds, ...manifest }, () => {
        context.out.line(`sample company written to ${outDir} in ${seconds}s (seed ${manifest.seed}, ${manifest.recordsFrom} to ${manifest.end})`);
        for (const file of [...SAMPLE_FILES, ...SIGNAL_FILES]) context.out.line(`  ${file.padEnd(26)} ${String(manifest.rows[file]).padStart(10)} rows`);
        context.out.line(`  planted faults: ${manifest.planted.rejects} rejects, ${manifest.planted.duplicates} duplicates (see faults.json)`);
      });
    });
}
