// `radar report weekly`: the CLI shell. It alone reads the clock (the default week and the moment
// freshness is judged at); everything else takes them as parameters.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../cli/context.ts';
import { RadarError } from '../errors.ts';
import { sendingShell } from '../../alerts/command.ts';
import { sendWeeklySummary } from '../../alerts/summary.ts';
import { buildWeeklyFigures } from './build.ts';
import { lastCompleteIsoWeek, parseIsoWeek } from './period.ts';
import { REPORT_FORMATS, renderReport, type ReportFormat } from './render.ts';
import { weeklySummaryMessage } from './slack.ts';

const EXTENSIONS: Readonly<Record<ReportFormat, string>> = { html: 'html', md: 'md', json: 'json' };

/** --format wins; otherwise the --out extension (.md, .json), otherwise HTML. */
export function resolveFormat(format: string | undefined, out: string | undefined): ReportFormat {
  if (format !== undefined) {
    if (!REPORT_FORMATS.includes(format as ReportFormat)) throw new RadarError('usage', `--format must be one of ${REPORT_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
    return format as ReportFormat;
  }
  const extension = out && out !== '-' ? extname(out).slice(1).toLowerCase() : '';
  if (extension === 'md' || extension === 'markdown') return 'md';
  if (extension === 'json') return 'json';
  return 'html';
}

export function registerReportCommands(program: Command, context: CliContext): void {
  const report = program.command('report').description('Reports for leadership');
  report
    .command('weekly')
    .description('Weekly retention report: renewals, GRR/NRR, at-risk ARR and its trend, top accounts, alert funnel, model health, data freshness')
    .option('--week <isoWeek>', 'ISO week, e.g. 2026-W47 (default: the last complete week)')
    .option('--out <file>', 'output file, or - for stdout (default: <report.outDir>/weekly-<week>.<format>)')
    .option('--format <format>', `${REPORT_FORMATS.join(' | ')} (default: from --out's extension, else html)`)
    .option('--no-post', 'do not post the summary to report.leadershipChannel (posted once per week and recipient; dry run without SLACK_BOT_TOKEN)')
    .action(async (options: { week?: string; out?: string; format?: string; post: boolean }) => {
      const now = new Date();
      const week = options.week ?? lastCompleteIsoWeek(now.toISOString().slice(0, 10));
      parseIsoWeek(week);
      const format = resolveFormat(options.format, options.out);
      const { config } = context.config();
      const db = await context.database();
      const figures = await buildWeeklyFigures(db, { week, config, now });
      const body = renderReport(figures, format);
      const post = async () => {
        if (!options.post) return;
        const sent = await sendWeeklySummary(db, { ...sendingShell(context), asOf: figures.periods.thisWeek.to, week, message: weeklySummaryMessage(figures) });
        context.logger.info({ event: 'report_summary_posted', week, queued: sent.queued, ...sent.delivery });
      };
      if (options.out === '-') {
        process.stdout.write(body);
        await post();
        return;
      }
      const file = resolve(options.out ?? join(config.report.outDir, `weekly-${week}.${EXTENSIONS[format]}`));
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, body);
      context.logger.info({ event: 'report_written', week, format, file });
      context.out.data({ week, format, file, atRiskCents: figures.atRisk.atRiskCents, staleSources: figures.freshness.filter((s) => s.stale).map((s) => s.source) }, () => {
        context.out.line(`weekly report ${week} (${format}) written to ${file}`);
      });
      await post();
    });
}
