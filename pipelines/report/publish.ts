// The weekly report as one step — build the figures, write the file, post the summary through the
// alerts outbox — shared by `radar report weekly`, the `weekly-report` job and `radar demo`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Kysely } from 'kysely';
import type { DeliverySummary } from '../../alerts/deliver.ts';
import type { AlertStepOptions } from '../../alerts/run.ts';
import { sendWeeklySummary } from '../../alerts/summary.ts';
import type { DB } from '../../sql/schema.ts';
import { buildWeeklyFigures, type WeeklyFigures } from './build.ts';
import { renderReport, type ReportFormat } from './render.ts';
import { weeklySummaryMessage } from './slack.ts';

export const REPORT_EXTENSIONS: Readonly<Record<ReportFormat, string>> = { html: 'html', md: 'md', json: 'json' };

export interface PublishOptions extends Omit<AlertStepOptions, 'asOf' | 'baseDir' | 'retryFailed'> {
  readonly week: string;
  readonly format: ReportFormat;
  /** A file path, '-' to return the body without writing, or undefined for `<report.outDir>/weekly-<week>.<ext>`. */
  readonly out?: string | undefined;
  /** Post the Slack summary (once per week and recipient). */
  readonly post: boolean;
}

export interface PublishResult {
  readonly figures: WeeklyFigures;
  readonly body: string;
  /** Where the report was written; undefined with out '-'. */
  readonly file: string | undefined;
  readonly summary: { readonly queued: number; readonly delivery: DeliverySummary } | undefined;
}

export async function publishWeeklyReport(db: Kysely<DB>, options: PublishOptions): Promise<PublishResult> {
  const { config, week, format } = options;
  const figures = await buildWeeklyFigures(db, { week, config, now: options.now() });
  const body = renderReport(figures, format);
  let file: string | undefined;
  if (options.out !== '-') {
    file = resolve(options.out ?? join(config.report.outDir, `weekly-${week}.${REPORT_EXTENSIONS[format]}`));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, body);
    options.logger.info({ event: 'report_written', week, format, file });
  }
  const summary = options.post
    ? await sendWeeklySummary(db, { ...options, asOf: figures.periods.thisWeek.to, message: weeklySummaryMessage(figures) })
    : undefined;
  return { figures, body, file, summary };
}
