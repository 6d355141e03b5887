// `radar ingest`: run sources, show their status, list and retry quarantined rows.
import type { Command } from 'commander';
import { RadarError } from '../../errors.ts';
import type { LoadSummary } from '../../ingest/load.ts';
import type { IngestOptions } from '../../ingest/run.ts';
import type { CliContext } from '../context.ts';
import type { SkippedEvents } from '../../ingest/usage-events.ts';

async function progressReporter(context: CliContext): Promise<Pick<IngestOptions, 'onBatch'> & { stop(): void }> {
  if (!context.out.interactive) return { stop() {} };
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar({ format: '{source} |{bar}| {percent} | {rows} rows | {rate} rows/s | ETA {remaining}', hideCursor: true, stream: process.stdout }, cliProgress.Presets.shades_classic);
  let current: string | undefined;
  let started = 0;
  return {
    onBatch(source, rows, fraction) {
      if (source !== current) {
        if (current) bar.stop();
        current = source;
        started = performance.now();
        bar.start(1000, 0, { source, rows: 0, rate: 0, percent: '', remaining: '?' });
      }
      const seconds = (performance.now() - started) / 1000;
      // ETA from the share of input bytes read (files); HTTP sources have no known size.
      const eta = fraction && fraction > 0 ? `${Math.round(seconds * (1 / fraction - 1))}s` : '?';
      bar.update(Math.round((fraction ?? 0) * 1000), { source, rows, rate: Math.round(rows / Math.max(seconds, 0.001)), percent: fraction === undefined ? '' : `${Math.round(fraction * 100)}%`, remaining: eta });
    },
    stop() {
      if (current) bar.stop();
    },
  };
}

async function printSummaries(context: CliContext, summaries: readonly LoadSummary[]): Promise<void> {
  // Loaded with the ingestion that produced the summaries, so this import costs nothing extra.
  const [{ describeSkippedEvents }, { describeDerivation }] = await Promise.all([import('../../ingest/usage-events.ts'), import('../../ingest/subscriptions.ts')]);
  context.out.data(summaries, () => {
    for (const s of summaries) {
      const seconds = (s.durationMs / 1000).toFixed(1);
      const rate = s.durationMs > 0 ? Math.round(s.read / (s.durationMs / 1000)) : 0;
      const files = s.detail && Array.isArray(s.detail.filesSkipped) && s.detail.filesSkipped.length ? ` (${s.detail.filesSkipped.length} file(s) already loaded, skipped)` : '';
      context.out.line(
        `${s.status === 'succeeded' ? 'ok  ' : 'FAIL'} ${s.source.padEnd(24)} ${s.entity.padEnd(17)} read ${s.read}, inserted ${s.inserted}, updated ${s.updated}, unchanged ${s.unchanged}, rejected ${s.rejected} in ${seconds}s (${rate} rows/s)${files}`,
      );
      if (s.error) context.out.line(`     ${s.error}`);
      const skipped = describeSkippedEvents(s.detail?.skippedEvents as SkippedEvents | undefined);
      if (skipped) context.out.line(`     ${skipped}`);
      const derivation = describeDerivation(s.detail);
      if (derivation) context.out.line(`     ${derivation}`);
    }
    const rejected = summaries.reduce((sum, s) => sum + s.rejected, 0);
    if (rejected > 0) context.out.line(`${rejected} row(s) quarantined: see \`radar ingest rejects\`, fix the source or its mapping, then \`radar ingest retry-rejects\`.`);
  });
}

export function registerIngestCommands(program: Command, context: CliContext): void {
  // `ingest` has its own --source, and commander gives an option to the parent when both declare it: the
  // subcommands read it from either, or `radar ingest rejects --source X` would list every source.
  const sourceOf = (options: { source?: string }): string | undefined => options.source ?? (ingest.opts() as { source?: string }).source;
  const ingest = program
    .command('ingest')
    .description('Load every configured source (or one, or a folder in the sample format) into the database')
    .option('--source <name>', 'only this source from config')
    .option('--dir <dir>', 'load a folder laid out like `radar sample` output (accounts.csv, usage_daily.csv.gz, …)')
    .option('--force', 're-read files already loaded / re-fetch HTTP sources from the start')
    .option('--max-reject-share <share>', 'override every source’s maxRejectShare (0..1)', (value) => {
      const share = Number(value);
      if (!(share >= 0 && share <= 1)) throw new RadarError('usage', `--max-reject-share must be between 0 and 1, got ${value}`);
      return share;
    })
    .action(async (options: { source?: string; dir?: string; force?: boolean; maxRejectShare?: number }) => {
      if (options.dir && options.source) throw new RadarError('usage', '--dir and --source cannot be combined');
      const { ingestConfigured, ingestDirectory } = await import('../../ingest/run.ts');
      const db = await context.database();
      const progress = await progressReporter(context);
      const common = {
        logger: context.logger,
        force: options.force ?? false,
        onBatch: progress.onBatch,
        webhooks: context.config().config.webhooks,
        ...(options.maxRejectShare === undefined ? {} : { maxRejectShareOverride: options.maxRejectShare }),
      };
      let summaries: LoadSummary[];
      try {
        if (options.dir) {
          summaries = await ingestDirectory(db, options.dir, common);
        } else {
          const loaded = context.config();
          if (Object.keys(loaded.config.sources).length === 0) {
            throw new RadarError('usage', `no sources in ${loaded.file}: add some under sources:, or load a folder with --dir`);
          }
          summaries = await ingestConfigured(db, loaded.config, { ...common, baseDir: loaded.baseDir, ...(options.source ? { only: options.source } : {}) });
        }
      } finally {
        progress.stop();
      }
      await printSummaries(context, summaries);
      if (summaries.some((summary) => summary.status === 'failed')) throw new RadarError('ingest_failed', `${summaries.filter((s) => s.status === 'failed').length} source(s) failed`);
    });

  ingest
    .command('status')
    .description('Last run per source, and data freshness flagged against each source’s maxStaleness')
    .action(async () => {
      const { ingestStatus } = await import('../../ingest/status.ts');
      const db = await context.database();
      const statuses = await ingestStatus(db, context.config().config, new Date());
      context.out.data(statuses, () => {
        if (statuses.length === 0) context.out.line('no sources configured and no runs yet');
        for (const s of statuses) {
          const run = s.lastRun;
          const last = run ? `${run.status} ${run.started_at.toISOString()} (${run.rows_read} read, ${run.rows_inserted} new, ${run.rows_rejected} rejected${run.error ? `; ${run.error}` : ''})` : 'never run';
          context.out.line(`${s.stale ? 'STALE' : 'fresh'} ${s.source.padEnd(24)} ${s.entity.padEnd(17)} newest fact ${s.newestFact ?? 'none'}; last run ${last}`);
        }
      });
    });

  ingest
    .command('rejects')
    .description('List quarantined rows that are not resolved yet')
    .option('--source <name>', 'only this source')
    .option('--limit <n>', 'at most this many', (value) => Number.parseInt(value, 10), 50)
    .action(async (options: { source?: string; limit: number }) => {
      const { openRejects } = await import('../../../sql/ingest.ts');
      const db = await context.database();
      const rejects = await openRejects(db, sourceOf(options));
      context.out.data(rejects.slice(0, options.limit), () => {
        context.out.line(`${rejects.length} open reject(s)${rejects.length > options.limit ? `, showing ${options.limit}` : ''}`);
        for (const reject of rejects.slice(0, options.limit)) context.out.line(`#${reject.reject_id} ${reject.source} ${reject.location}: ${reject.reason}${reject.retryable ? "" : " [not retryable]"}`);
      });
    });

  ingest
    .command('retry-rejects')
    .description('Re-try quarantined rows (e.g. after the accounts they reference arrived)')
    .option('--source <name>', 'only this source')
    .action(async (options: { source?: string }) => {
      const { retryRejects } = await import('../../ingest/retry.ts');
      const db = await context.database();
      const only = sourceOf(options);
      const summaries = await retryRejects(db, context.config().config, { logger: context.logger, ...(only ? { only } : {}) });
      context.out.data(summaries, () => {
        if (summaries.length === 0) context.out.line('no open rejects');
        for (const s of summaries) context.out.line(`${s.source}: retried ${s.retried}, loaded ${s.loaded}, still rejected ${s.stillRejected}${s.skippedReason ? ` (${s.skippedReason})` : ''}`);
      });
    });
}
