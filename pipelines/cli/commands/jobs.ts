// CLI: radar run | schedule | worker | status. The shell: reads the clock (the default as-of day),
// the environment (through the context) and signals; the work is in pipelines/jobs/daily.ts,
// schedule.ts, worker.ts and status.ts.
import type { Command } from 'commander';
import { RadarError } from '../../errors.ts';
import type { DailyResult, StepRecord } from '../../jobs/daily.ts';
import type { JobDeps } from '../../jobs/deps.ts';
import type { CliContext } from '../context.ts';

/** Test seams (the test entry script passes them; `radar` itself never does). */
export interface JobCommandOptions {
  readonly hooks?: JobDeps['hooks'];
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
}

function describeStep(record: StepRecord): string {
  const r = record.result as unknown as Record<string, unknown>;
  switch (record.step) {
    case 'ingest': {
      const i = record.result as DailyResult['steps'][number]['result'] & { failed: { source: string }[] };
      return `${r.sources} sources, ${r.inserted} rows new, ${r.updated} updated, ${r.rejected} rejected${i.failed.length ? `; FAILED: ${i.failed.map((f) => f.source).join(', ')}` : ''}`;
    }
    case 'indicators':
      return `${r.accounts} accounts renewing, ${r.written} values written, ${r.critical} critical and ${r.warning} warning flags`;
    case 'score':
      return `${r.accounts} accounts scored with ${r.modelVersion}: ${JSON.stringify(r.tiers)}`;
    case 'outcomes':
      return `${r.linked} alerts linked to decided renewals`;
    case 'alerts':
      return `${r.alerts} new alerts (${r.sent} sent, ${r.dryRun} dry run, ${r.failed} failed, ${r.deferred} deferred), ${r.queued} over budget, ${r.holdout} held out`;
    case 'escalations':
      return `${r.escalated} tasks escalated`;
    case 'calendar':
      return `${r.milestones} renewal milestones in ${r.digests} digests (${r.sent} sent, ${r.dryRun} dry run, ${r.failed} failed, ${r.deferred} deferred), ${r.tasks} tasks, ${r.held} held for tomorrow`;
    case 'forecast':
      return `${r.made} forecasts stored (${(r.periods as string[]).join(', ')})`;
    case 'webhooks':
      return `${r.delivered} webhook events delivered, ${r.retrying} to retry, ${r.dead} dead-lettered${(r.withoutSecret as string[]).length ? `; no secret for ${(r.withoutSecret as string[]).join(', ')}` : ''}`;
  }
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new RadarError('usage', `${flag} must be a whole number ≥ 1, got "${value}"`);
  return n;
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      // A second signal while closing stops at once.
      process.once(signal, () => process.exit(130));
      resolve(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

export function registerJobCommands(program: Command, context: CliContext, options: JobCommandOptions = {}): void {
  const queueModules = () => Promise.all([import('../../jobs/queues.ts'), import('../../jobs/schedule.ts')]);
  const settings = async () => (await import('../../jobs/queues.ts')).queueSettings(context.environment.REDIS_URL, context.config().config);

  program
    .command('run')
    .description('The daily run for one day — ingest → indicators → score → alerts → escalations — in-process (no Redis needed)')
    .option('--as-of <day>', 'the as-of day (YYYY-MM-DD; default today in schedules.timezone)')
    .option('--queue', 'enqueue it as the BullMQ job daily/<day> for `radar worker` instead (needs REDIS_URL)')
    .action(async (flags: { asOf?: string; queue?: boolean }) => {
      const [{ parseDay }, { dayInZone }] = await Promise.all([import('../../../indicators/compute.ts'), import('../../jobs/time.ts')]);
      const { config } = context.config();
      const asOf = parseDay(flags.asOf ?? dayInZone(Date.now(), config.schedules.timezone), '--as-of');
      if (flags.queue) {
        const [{ openQueues }, { applyQueueLimits }] = await queueModules();
        const queues = openQueues(await settings());
        try {
          await applyQueueLimits(queues);
          const { id, added } = await queues.enqueue('daily', { asOf }, Date.now());
          context.out.data({ jobId: id, added }, () => context.out.line(added ? `enqueued ${id}` : `${id} is already queued or done (job ids are per day: a second enqueue is a no-op)`));
        } finally {
          await queues.close();
        }
        return;
      }
      const [{ depsFromContext }, { runDaily, dailyDeliveryError }] = await Promise.all([import('../shell.ts'), import('../../jobs/daily.ts')]);
      const deps = await depsFromContext(context, (line) => context.out.line(line), options.hooks);
      context.out.line(`daily run as of ${asOf}`);
      const result = await runDaily(deps, asOf, { onStep: (record) => context.out.line(`  ${record.step.padEnd(12)} ${(record.ms / 1000).toFixed(1).padStart(6)} s  ${describeStep(record)}`) });
      context.out.data(result, () => context.out.line(`done in ${(result.ms / 1000).toFixed(1)} s`));
      const undelivered = dailyDeliveryError(result);
      if (undelivered) throw undelivered;
    });

  program
    .command('schedule')
    .description('Register the BullMQ job schedulers from the config (schedules.*, sources.*.schedule); safe to repeat (needs REDIS_URL)')
    .action(async () => {
      const [{ openQueues, pingRedis }, { upsertSchedules }] = await queueModules();
      const { config } = context.config();
      const queueSettingsValue = await settings();
      await pingRedis(queueSettingsValue.redisUrl);
      const queues = openQueues(queueSettingsValue);
      try {
        const summary = await upsertSchedules(queues, config);
        context.out.data(summary, () => {
          const now = Date.now();
          for (const s of summary.upserted) {
            context.out.line(`${s.schedulerId.padEnd(22)} ${(s.cron ?? '').padEnd(14)} ${s.timezone}  next ${s.next ? new Date(s.next).toISOString() : '?'}${s.next ? ` (in ${Math.round((s.next - now) / 60_000)} min)` : ''}`);
          }
          for (const r of summary.removed) context.out.line(`removed ${r.schedulerId} (no longer in the config)`);
          context.out.line(`${summary.upserted.length} schedulers registered under prefix "${queues.settings.prefix}"; start \`radar worker\` to process them`);
        });
      } finally {
        await queues.close();
      }
    });

  program
    .command('worker')
    .description('Process scheduled and queued jobs until SIGTERM/SIGINT (needs REDIS_URL); run as many as the load needs')
    .option('--queues <list>', 'comma-separated queues to process (default: all): ingest, daily, escalations, weekly-report, webhooks')
    .option('--concurrency <n>', 'jobs at once per queue in this process', '1')
    .action(async (flags: { queues?: string; concurrency: string }) => {
      const [{ parseQueueList }, { startWorkers }, { depsFromContext }] = await Promise.all([import('../../jobs/queues.ts'), import('../../jobs/worker.ts'), import('../shell.ts')]);
      const queueNames = parseQueueList(flags.queues);
      const concurrency = positiveInt(flags.concurrency, '--concurrency');
      const queueSettingsValue = await settings();
      const deps = await depsFromContext(context, (line) => context.logger.info({ event: 'dry_run_message', line }), options.hooks);
      const running = await startWorkers(deps, queueSettingsValue, {
        queues: queueNames,
        concurrency,
        ...(options.lockDurationMs ? { lockDurationMs: options.lockDurationMs } : {}),
        ...(options.stalledIntervalMs ? { stalledIntervalMs: options.stalledIntervalMs } : {}),
      });
      context.out.line(`worker ${process.pid}: queues ${queueNames.join(', ')} (concurrency ${concurrency}, prefix "${queueSettingsValue.prefix}"); SIGTERM or Ctrl-C to stop`);
      const signal = await waitForSignal();
      context.out.line(`${signal}: finishing active jobs…`);
      await running.close();
      // The database pool is closed after this returns (the CLI closes its context last).
      context.out.line('worker stopped');
    });

  program
    .command('status')
    .description('Schedules and their next run, queue depths, last run per job, failures (needs REDIS_URL)')
    .option('--failures <n>', 'failed jobs shown per queue', '5')
    .action(async (flags: { failures: string }) => {
      const [{ openQueues, pingRedis }, { formatStatus, readStatus }] = await Promise.all([import('../../jobs/queues.ts'), import('../../jobs/status.ts')]);
      const { config } = context.config();
      const queueSettingsValue = await settings();
      await pingRedis(queueSettingsValue.redisUrl);
      const queues = openQueues(queueSettingsValue);
      try {
        const db = await context.database();
        const now = new Date();
        const status = await readStatus(queues, db, config, now, { failures: positiveInt(flags.failures, '--failures') });
        context.out.data(status, () => {
          for (const line of formatStatus(status, now)) context.out.line(line);
        });
      } finally {
        await queues.close();
      }
    });
}
