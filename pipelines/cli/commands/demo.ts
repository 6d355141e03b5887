// `radar demo`: the whole flow on the embedded database (pipelines/demo.ts). The only place its "today" is read.
import type { Command } from 'commander';
import { RadarError } from '../../errors.ts';
import type { CliContext } from '../context.ts';

export function registerDemoCommand(program: Command, context: CliContext): void {
  program
    .command('demo')
    .description('Generate a sample company and run the whole flow on the embedded database, printing where each result is')
    .option('--accounts <n>', 'accounts in the sample company', (value) => Number.parseInt(value, 10), 500)
    .option('--seed <n>', 'random seed', (value) => Number.parseInt(value, 10), 42)
    .option('--end <YYYY-MM-DD>', "the demo's today (default: today, UTC)")
    .option('--history-days <n>', 'days of daily runs replayed up to --end (default 84: 12 weeks)', (value) => Number.parseInt(value, 10))
    .option('--from-subscriptions', "derive the renewals from the sample's billing export (subscriptions.csv) instead of loading its renewals file")
    .action(async (options: { accounts: number; seed: number; end?: string; historyDays?: number; fromSubscriptions?: boolean }) => {
      if (options.historyDays !== undefined && (!Number.isInteger(options.historyDays) || options.historyDays < 1 || options.historyDays > 365)) {
        throw new RadarError('usage', `--history-days must be a whole number from 1 to 365, got ${String(options.historyDays)}`);
      }
      const [{ runDemo }, { parseDay }] = await Promise.all([import('../../demo.ts'), import('../../../indicators/compute.ts')]);
      await runDemo(context, {
        accounts: options.accounts,
        seed: options.seed,
        end: parseDay(options.end ?? new Date().toISOString().slice(0, 10), '--end'),
        dataDir: context.environment.RADAR_DATA_DIR ?? '.radar',
        historyDays: options.historyDays,
        fromSubscriptions: Boolean(options.fromSubscriptions),
      });
    });
}
