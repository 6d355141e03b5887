// CLI: radar export scores — every account's churn score as of a day, as CSV (or NDJSON) for a
// scheduled CRM import. It alone reads the clock (the default day). A file is written beside its
// target and renamed when complete, so an importer polling the path never reads half an export.
import type { Command } from 'commander';
import { RadarError } from '../../errors.ts';
import type { CliContext } from '../context.ts';

const FORMATS = ['csv', 'json'] as const;

function isoDay(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)) || new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value) {
    throw new RadarError('usage', `--as-of must be a day YYYY-MM-DD, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function registerExportCommands(program: Command, context: CliContext): void {
  const exporter = program.command('export').description('Exports for other systems (a CRM import)');
  exporter
    .command('scores')
    .description('One row per account: external id, name, churn probability, tier, top drivers in words, renewal date, ARR, as of a day (point in time)')
    .option('--as-of <day>', 'each account\'s latest score dated on or before this day (default: today, UTC)')
    .option('--format <format>', `${FORMATS.join(' | ')} (json = one JSON object a line)`, 'csv')
    .option('--out <file>', 'output file (default: stdout)')
    .action(async (options: { asOf?: string; format: string; out?: string }) => {
      if (!(FORMATS as readonly string[]).includes(options.format)) throw new RadarError('usage', `--format must be one of ${FORMATS.join(', ')}, got ${JSON.stringify(options.format)}`);
      const asOf = isoDay(options.asOf ?? new Date().toISOString().slice(0, 10));
      const [{ scoreExportLines }, { Readable }, { pipeline }, fs, path] = await Promise.all([
        import('../../export/scores.ts'),
        import('node:stream'),
        import('node:stream/promises'),
        import('node:fs'),
        import('node:path'),
      ]);
      const db = await context.database();
      let rows = 0;
      const lines = Readable.from(scoreExportLines(db, { asOf, format: options.format as (typeof FORMATS)[number], onRows: (count) => (rows += count) }));
      if (options.out === undefined || options.out === '-') {
        await pipeline(lines, process.stdout, { end: false });
        context.logger.info({ event: 'scores_exported', asOf, format: options.format, rows });
        return;
      }
      const file = path.resolve(options.out);
      const partial = `${file}.partial`;
      fs.mkdirSync(path.dirname(file), { recursive: true });
      try {
        await pipeline(lines, fs.createWriteStream(partial));
        fs.renameSync(partial, file);
      } catch (error) {
        fs.rmSync(partial, { force: true });
        throw error;
      }
      context.logger.info({ event: 'scores_exported', asOf, format: options.format, rows, file });
      context.out.data({ asOf, format: options.format, rows, file }, () => context.out.line(`${rows} accounts' scores as of ${asOf} (${options.format}) written to ${file}`));
    });
}
