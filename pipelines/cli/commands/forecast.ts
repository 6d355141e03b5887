// `radar forecast`: the renewal forecast for a period, made as of a day and stored (once) in `forecasts`.
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';

/** The CLI shell may default to today; nothing below it reads the clock. */
const today = () => new Date().toISOString().slice(0, 10);

export function registerForecastCommands(program: Command, context: CliContext): void {
  program
    .command('forecast')
    .description('Renewal forecast with 80%/95% intervals: renewed ARR, GRR and logos for a period, per segment and per CSM; stored once per day and period')
    .option('--period <period>', 'a quarter (2027-Q1) or a month (2027-01) (default: the next calendar quarter)')
    .option('--as-of <date>', 'the as-of day: only facts known by its end are used (default today)')
    .action(async (options: { period?: string; asOf?: string }) => {
      const [{ parseDay }, { makeForecast }, { nextPeriod, parseForecastPeriod, periodOf }, { forecastLines }] = await Promise.all([
        import('../../../indicators/compute.ts'),
        import('../../forecast/run.ts'),
        import('../../forecast/periods.ts'),
        import('../../forecast/text.ts'),
      ]);
      const loaded = context.config();
      const asOf = parseDay(options.asOf ?? today(), '--as-of');
      const period = options.period === undefined ? nextPeriod(periodOf(asOf, 'quarter')) : parseForecastPeriod(options.period);
      const db = await context.database();
      const { forecast, created } = await makeForecast(db, { asOf, period, config: loaded.config, configHash: loaded.version });
      context.logger.info({ event: 'forecast_made', asOf, period: period.id, created });
      context.out.data({ ...forecast, created }, () => {
        for (const line of forecastLines(forecast, { topContributors: loaded.config.forecast.topContributors, created })) context.out.line(line);
      });
    });
}
