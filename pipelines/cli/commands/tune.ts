// `radar tune`: where each indicator's thresholds should sit, from the renewals decided in a range.
import type { Command } from 'commander';
import type { TunedIndicator, TuneResult } from '../../../models/tune-run.ts';
import type { CliContext } from '../context.ts';

/** The CLI shell may default to today; nothing below it reads the clock. */
const today = () => new Date().toISOString().slice(0, 10);
const pct = (value: number | null) => (value === null ? '—' : `${(value * 100).toFixed(1)}%`);
const num = (value: number | null) => (value === null ? 'off' : Number(value.toPrecision(6)).toString());
/** Band edges are data values: three significant digits say enough. */
const edge = (value: number) => Number(value.toPrecision(3)).toString();

function indicatorLines(tuned: TunedIndicator): string[] {
  const word = tuned.direction === 'higher' ? '≥' : '≤';
  const lines = [
    `${tuned.id} — ${tuned.title} (${tuned.direction} is riskier)`,
    `  ${tuned.renewals} renewals, ${tuned.churned} churned (base rate ${pct(tuned.baseRate)}), ${tuned.withValue} with a value; AUC of the value alone ${tuned.auc === null ? '—' : tuned.auc.toFixed(3)}`,
    `  value band              renewals  churned    rate`,
  ];
  for (const band of tuned.bands) {
    const label = band.from === null ? 'no data' : band.from === band.to ? edge(band.from) : `${edge(band.from)} – ${edge(band.to!)}`;
    lines.push(`  ${label.padEnd(22)}  ${String(band.renewals).padStart(8)}  ${String(band.churned).padStart(7)}  ${pct(band.churnRate).padStart(6)}`);
  }
  lines.push(`  flag when        flagged   share  precision  recall   lift  ARR recall`);
  for (const row of tuned.thresholds) {
    const marks = [...row.current.map((level) => `← now ${level}`), ...row.suggested.map((level) => `← suggested ${level}`)].join(' ');
    lines.push(
      `  ${`${word} ${num(row.threshold)}`.padEnd(14)}  ${String(row.flagged).padStart(7)}  ${pct(row.flaggedShare).padStart(6)}  ${pct(row.precision).padStart(9)}  ${pct(row.recall).padStart(6)}  ${(row.lift === null ? '—' : row.lift.toFixed(2)).padStart(5)}  ${pct(row.arrRecall).padStart(10)}  ${marks}`.trimEnd(),
    );
  }
  if (tuned.suggested === null) lines.push(`  no suggestion: ${tuned.reason}`);
  else {
    lines.push(`  suggested: warning ${num(tuned.suggested.warning)} (now ${num(tuned.current.warning)}), critical ${num(tuned.suggested.critical)} (now ${num(tuned.current.critical)})`);
    lines.push(`    rule: ${tuned.reason}`);
  }
  return lines;
}

function resultLines(result: TuneResult): string[] {
  const lines = [
    `renewals decided ${result.from} to ${result.to}${result.segment === null ? '' : ` in segment ${result.segment}`}: ${result.renewals}, values as of ${result.leadDays} days before each renewal`,
  ];
  for (const tuned of result.indicators) lines.push('', ...indicatorLines(tuned));
  const flat = result.indicators.filter((tuned) => tuned.separation !== 'separates').map((tuned) => tuned.id);
  if (flat.length > 0) lines.push('', `do not separate churn in this range: ${flat.join(', ')}`);
  return lines;
}

export function registerTuneCommands(program: Command, context: CliContext): void {
  program
    .command('tune')
    .description('Churn rate by value band and flagged share, precision, recall, lift and ARR recall per candidate threshold, from renewals decided in a range; suggests warning and critical by the tune.* rule')
    .option('--from <date>', 'first decision day (default: 365 days before --to)')
    .option('--to <date>', 'last decision day, inclusive (default today)')
    .option('--indicator <id>', 'one indicator only (built-in or custom)')
    .option('--segment <segment>', 'only accounts of this segment (suggests when it has tune.minSegmentRenewals renewals)')
    .option('--write <file>', 'write a copy of the config with the suggested thresholds, for radar backtest --compare')
    .option('--html <file>', 'write the churn-rate charts with the thresholds as lines, one self-contained HTML page')
    .action(async (options: { from?: string; to?: string; indicator?: string; segment?: string; write?: string; html?: string }) => {
      const [{ readFileSync, writeFileSync }, { addDays, parseDay }, { tuneThresholds }] = await Promise.all([
        import('node:fs'),
        import('../../../indicators/compute.ts'),
        import('../../../models/tune-run.ts'),
      ]);
      const loaded = context.config();
      const to = parseDay(options.to ?? today(), '--to');
      const from = options.from === undefined ? addDays(to, -365) : parseDay(options.from, '--from');
      const result = await tuneThresholds(await context.database(), { config: loaded.config, from, to, indicator: options.indicator, segment: options.segment });
      let written: { file: string; changes: unknown[] } | undefined;
      if (options.write !== undefined) {
        const { tunedConfigText } = await import('../../../models/tune-write.ts');
        const source = loaded.file === '(defaults)' ? '' : readFileSync(loaded.file, 'utf8');
        const { text, changes } = tunedConfigText(source, result);
        writeFileSync(options.write, text);
        written = { file: options.write, changes };
      }
      if (options.html !== undefined) {
        const { renderTuneHtml } = await import('../../report/tune-html.ts');
        writeFileSync(options.html, renderTuneHtml(result));
      }
      context.logger.info({ event: 'tuned', from, to, renewals: result.renewals, indicators: result.indicators.length });
      context.out.data({ ...result, written: written ?? null, html: options.html ?? null }, () => {
        for (const line of resultLines(result)) context.out.line(line);
        if (written) {
          context.out.line('');
          context.out.line(`wrote ${written.file} with ${written.changes.length} changed levels; compare: radar backtest --compare ${written.file} --from … --to …`);
        }
        if (options.html !== undefined) context.out.line(`wrote ${options.html}`);
      });
    });
}
