// `radar report weekly`: the CLI shell. It alone reads the clock (the default week and the moment
// freshness is judged at); everything else takes them as parameters.
import { extname } from 'node:path';
import type { Command } from 'commander';
import { RadarError } from '../../errors.ts';
import { lastCompleteIsoWeek, parseIsoWeek } from '../../report/period.ts';
import { REPORT_FORMATS, type ReportFormat } from '../../report/formats.ts';
import type { CliContext } from '../context.ts';

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
      const [{ publishWeeklyReport }, { sendingShell }, { undeliveredError }] = await Promise.all([import('../../report/publish.ts'), import('../shell.ts'), import('../../../alerts/deliver.ts')]);
      const db = await context.database();
      const published = await publishWeeklyReport(db, { ...sendingShell(context), now: () => now, week, format, out: options.out, post: options.post });
      const { figures, file } = published;
      if (file === undefined) process.stdout.write(published.body);
      else {
        context.out.data({ week, format, file, atRiskCents: figures.atRisk.atRiskCents, staleSources: figures.freshness.filter((s) => s.stale).map((s) => s.source), summary: published.summary }, () => {
          context.out.line(`weekly report ${week} (${format}) written to ${file}`);
        });
      }
      const undelivered = published.summary && undeliveredError(`weekly report ${week}`, published.summary.delivery);
      if (undelivered) throw undelivered;
    });
}
