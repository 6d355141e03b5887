// `radar review`: what the alerts dated in a range achieved, by tier, playbook and CSM, and which
// indicators drove the false alarms (docs/tuning.md#review).
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';

/** The CLI shell may default to today; nothing below it reads the clock. */
const today = () => new Date().toISOString().slice(0, 10);

export function registerReviewCommands(program: Command, context: CliContext): void {
  program
    .command('review')
    .description('What the alerts dated in a range achieved, by tier, playbook and CSM: renewals decided, save rate vs the holdout, lead time, tasks done, "Not a risk" feedback, and the indicators behind false alarms')
    .option('--from <date>', 'first alert day (default: 90 days before --to)')
    .option('--to <date>', 'last alert day, inclusive (default today)')
    .action(async (options: { from?: string; to?: string }) => {
      const [{ addDays, parseDay }, { RadarError }, { reviewAlerts: readRows }, { reviewAlerts }, { reviewLines }] = await Promise.all([
        import('../../../indicators/compute.ts'),
        import('../../errors.ts'),
        import('../../../sql/review.ts'),
        import('../../../alerts/review.ts'),
        import('../../../alerts/review-text.ts'),
      ]);
      const loaded = context.config();
      const to = parseDay(options.to ?? today(), '--to');
      const from = options.from === undefined ? addDays(to, -90) : parseDay(options.from, '--from');
      if (from > to) throw new RadarError('usage', `--from (${from}) is after --to (${to})`);
      const rows = await readRows(await context.database(), { from, to });
      const review = reviewAlerts(rows, { from, to, shownDrivers: loaded.config.routing.topDrivers });
      context.logger.info({ event: 'reviewed', from, to, alerts: review.overall.alertsSent });
      context.out.data(review, () => {
        for (const line of reviewLines(review)) context.out.line(line);
      });
    });
}
