// `radar demo`: the whole flow on the embedded default, from nothing — a sample company is generated and
// ingested, indicators computed, a model trained and backtested, accounts scored and alerted (to the
// dry-run outbox) — printing progress and where each result is.
import { join, resolve } from 'node:path';
import { addDays, computeIndicators } from '../indicators/compute.ts';
import { runAlerts } from '../alerts/run.ts';
import { runBacktest } from '../models/backtest.ts';
import { renderBacktestTable } from '../models/backtest-report.ts';
import { trainModel } from '../models/registry.ts';
import { scoreAccounts } from '../models/score.ts';
import { isoWeekOf } from './report/period.ts';
import { publishWeeklyReport } from './report/publish.ts';
import type { CliContext } from './cli/context.ts';
import { outboxDirOf } from './cli/shell.ts';
import { ingestDirectory } from './ingest/run.ts';
import { writeSampleCompany } from './sample/generate.ts';

export interface DemoOptions {
  readonly accounts: number;
  readonly seed: number;
  /** The demo's "today". */
  readonly end: string;
  readonly dataDir: string;
}

async function step<T>(context: CliContext, title: string, work: () => Promise<T>, describe: (value: T) => string): Promise<T> {
  const started = performance.now();
  context.out.line(`▸ ${title} …`);
  const value = await work();
  context.out.line(`  ${describe(value)} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  context.logger.info({ event: 'demo_step', step: title, ms: Math.round(performance.now() - started) });
  return value;
}

export async function runDemo(context: CliContext, options: DemoOptions): Promise<void> {
  const started = performance.now();
  const sampleDir = join(options.dataDir, 'sample');
  const { config, version, baseDir } = context.config();
  await step(
    context,
    `generating a sample company (${options.accounts} accounts, 2 years to ${options.end}, seed ${options.seed})`,
    () => writeSampleCompany({ accounts: options.accounts, years: 2, seed: options.seed, end: options.end, outDir: sampleDir }),
    (manifest) => `${Object.values(manifest.rows).reduce((a, b) => a + b, 0).toLocaleString('en-US')} rows in ${sampleDir}`,
  );
  const db = await context.database();
  const summaries = await step(
    context,
    'ingesting it into the embedded database',
    () => ingestDirectory(db, sampleDir, { logger: context.logger, force: true }),
    (loaded) =>
      `${loaded.reduce((sum, s) => sum + s.inserted + s.updated + s.unchanged, 0).toLocaleString('en-US')} rows stored, ${loaded.reduce((sum, s) => sum + s.rejected, 0)} quarantined (see \`radar ingest rejects\`)`,
  );
  if (summaries.some((summary) => summary.status === 'failed')) throw new Error('the sample failed to load; see the log above');
  await step(
    context,
    `computing indicators as of ${options.end} for accounts renewing in the next ${config.horizonDays} days`,
    () => computeIndicators(db, { asOf: options.end, config, scope: 'renewing', horizonDays: config.horizonDays }),
    (result) => `${result.accounts} accounts: ${result.flags.critical} critical and ${result.flags.warning} warning flags (try \`radar indicators explain ACCOUNT --as-of ${options.end}\`)`,
  );
  const trained = await step(
    context,
    `training the churn model on every renewal decided by ${options.end} (features as of ${config.leadDays} days before each)`,
    () => trainModel(db, { config, configVersion: version, asOf: options.end, promote: true }),
    ({ stored }) => {
      const auc = (value: number | null) => (value === null ? 'n/a' : value.toFixed(3));
      return `model ${stored.version}: held-out ROC AUC ${auc(stored.metrics.model.rocAuc)} vs ${auc(stored.metrics.scorecard.rocAuc)} for the rule scorecard, over ${stored.classBalance.rows} renewals (${stored.classBalance.positives} churned); promoted (\`radar model show ${stored.version}\`)`;
    },
  );
  const backtest = await step(
    context,
    'backtesting the last 13 weeks (each week trains only on renewals decided before it)',
    () => runBacktest(db, { from: addDays(options.end, -91), to: options.end, stepDays: 7, configs: [{ label: 'radar.yaml', config, configVersion: version }] }),
    (result) => `${result.steps.length} weekly steps (\`radar backtest --from … --to … --step 7d\` for any range)`,
  );
  context.out.line(renderBacktestTable(backtest.runs).replace(/^/gm, '    '));
  await step(
    context,
    `scoring accounts renewing in the next ${config.horizonDays} days with ${trained.stored.version}`,
    () => scoreAccounts(db, { config, asOf: options.end }),
    (result) => `${result.accounts} accounts: ${result.tiers.critical} critical, ${result.tiers.high} high, ${result.tiers.medium} medium, ${result.tiers.low} low`,
  );
  const outboxDir = outboxDirOf(context);
  // The demo never posts to Slack, token or not: alerts and the report summary go to the outbox.
  const dryRun = { config, configVersion: version, slack: null, outboxDir, print: () => undefined, logger: context.logger, now: () => new Date() };
  await step(
    context,
    'alerting CSMs (no SLACK_BOT_TOKEN: dry run to the outbox)',
    () =>
      runAlerts(db, { ...dryRun, asOf: options.end, baseDir }),
    (summary) => `${summary.alerts} alerts with playbook tasks written to ${join(outboxDir, options.end)}, ${summary.holdout} held out as the control group, ${summary.queued} queued over budget (\`radar tasks list\`)`,
  );
  const week = isoWeekOf(options.end);
  const reportFile = resolve(options.dataDir, 'reports', `weekly-${week}.html`);
  await step(
    context,
    `writing the weekly retention report for ${week}`,
    () =>
      publishWeeklyReport(db, { ...dryRun, week, format: 'html', out: reportFile, post: true }),
    () => `${reportFile} (open it in a browser; \`radar report weekly --format md\` for Markdown); its Slack summary is in the outbox too`,
  );
  context.out.line(`done in ${((performance.now() - started) / 1000).toFixed(1)} s — the database is in ${resolve(options.dataDir, 'pgdata')}`);
}
