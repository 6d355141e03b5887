// `radar calendar`: what the renewal calendar digests hold as of a day (docs/calendar.md). Reads only:
// the daily run's `calendar` step is what records and posts them.
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';

/** The CLI shell may default to today; nothing below it reads the clock. */
const today = () => new Date().toISOString().slice(0, 10);

export function registerCalendarCommands(program: Command, context: CliContext): void {
  program
    .command('calendar')
    .description("Renewal calendar: each CSM's accounts reaching a milestone (T−90, T−60, T−30 …) as of a day, as the daily digest lists them")
    .option('--as-of <date>', 'the as-of day (default today)')
    .action(async (options: { asOf?: string }) => {
      const [{ parseDay }, { planCalendar }, { calendarLines, calendarListing }] = await Promise.all([
        import('../../../indicators/compute.ts'),
        import('../../../alerts/calendar.ts'),
        import('../../../alerts/calendar-text.ts'),
      ]);
      const loaded = context.config();
      const asOf = parseDay(options.asOf ?? today(), '--as-of');
      const db = await context.database();
      const entries = await planCalendar(db, { asOf, config: loaded.config, slack: null, now: () => new Date() });
      const listing = calendarListing(asOf, entries);
      context.out.data(listing, () => {
        for (const line of calendarLines(listing)) context.out.line(line);
      });
    });
}
