// `radar demo`: the whole flow on the embedded database (pipelines/demo.ts). The only place its "today" is read.
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';

export function registerDemoCommand(program: Command, context: CliContext): void {
  program
    .command('demo')
    .description('Generate a sample company and run the whole flow on the embedded database, printing where each result is')
    .option('--accounts <n>', 'accounts in the sample company', (value) => Number.parseInt(value, 10), 500)
    .option('--seed <n>', 'random seed', (value) => Number.parseInt(value, 10), 42)
    .option('--end <YYYY-MM-DD>', "the demo's today (default: today, UTC)")
    .action(async (options: { accounts: number; seed: number; end?: string }) => {
      const { runDemo } = await import('../../demo.ts');
      await runDemo(context, {
        accounts: options.accounts,
        seed: options.seed,
        end: options.end ?? new Date().toISOString().slice(0, 10),
        dataDir: context.environment.RADAR_DATA_DIR ?? '.radar',
      });
    });
}
