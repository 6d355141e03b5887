// `radar demo`: the whole flow on the embedded default, from nothing — a sample company is generated and
// ingested, a model trained on what was known 12 weeks ago, then the daily run replayed day by day over
// those 12 weeks (indicators, scores, alerts with the holdout, escalations; SIMULATED CSMs doing tasks;
// renewals decided as the sample's outcomes become known), and the weekly report written — printing
// progress and where each result is. Every replayed day uses only what was known that day.
import { rename } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseConfig, type LoadedConfig } from '../config/load.ts';
import { formatOutcomeReport, runOutcomes } from '../alerts/report.ts';
import { trainModel } from '../models/registry.ts';
import { makeUpcomingForecasts } from './forecast/run.ts';
import { replayHistory, type DayReplayed } from './demo/history.ts';
import { DEFAULT_CSM_POLICY, SIMULATED_CSM } from './demo/simulated-csms.ts';
import type { JobDeps } from './jobs/deps.ts';
import { addDays, isoWeekOf } from './report/period.ts';
import { publishWeeklyReport } from './report/publish.ts';
import type { CliContext } from './cli/context.ts';
import { outboxDirOf } from './cli/shell.ts';
import { ingestDirectory } from './ingest/run.ts';
import { describeDerivation } from './ingest/subscriptions.ts';
import { writeSampleCompany } from './sample/generate.ts';

export interface DemoOptions {
  readonly accounts: number;
  readonly seed: number;
  /** The demo's "today". */
  readonly end: string;
  readonly dataDir: string;
  /** Days of daily runs replayed up to `end` (default 84: twelve weeks, the report's trend). */
  readonly historyDays?: number;
  /** Derive the renewals from the sample's billing export (subscriptions.csv) instead of loading its renewals file. */
  readonly fromSubscriptions?: boolean;
}

/** Seconds per phase of the last demo, for the benchmark. */
export interface DemoTimings {
  readonly phases: ReadonlyArray<{ readonly phase: string; readonly ms: number }>;
  readonly totalMs: number;
}

export const DEMO_HISTORY_DAYS = 84;

/** With --from-subscriptions, the generator's renewals file, renamed so the folder load leaves it out. */
export const REFERENCE_RENEWALS = 'renewals.reference.csv';

/**
 * The control group's share in the demo. A 500-account company alerts about 40 accounts in 12 weeks;
 * the default 10% would hold out about 4, too few for the report's holdout comparison to show
 * anything, so the demo holds out more (and says so). A config asking for more keeps its own.
 */
export const DEMO_HOLDOUT_SHARE = 0.25;

function withDemoHoldout(loaded: LoadedConfig): LoadedConfig {
  const { routing } = loaded.config;
  if (routing.holdoutShare >= DEMO_HOLDOUT_SHARE) return loaded;
  return parseConfig({ ...loaded.config, routing: { ...routing, holdoutShare: DEMO_HOLDOUT_SHARE } }, loaded.file, loaded.baseDir);
}

async function step<T>(context: CliContext, timings: { phase: string; ms: number }[], title: string, work: () => Promise<T>, describe: (value: T) => string): Promise<T> {
  const started = performance.now();
  context.out.line(`▸ ${title} …`);
  const value = await work();
  const ms = performance.now() - started;
  timings.push({ phase: title, ms });
  context.out.line(`  ${describe(value)} (${(ms / 1000).toFixed(1)} s)`);
  context.logger.info({ event: 'demo_step', step: title, ms: Math.round(ms) });
  return value;
}

/**
 * The week the demo reports on: the one ending on the last Sunday on or before `end` — complete, and with
 * its 12-week trend inside the replayed 84 days (that Sunday − 77 days ≥ end − 83).
 */
export function reportWeekOf(end: string): string {
  return isoWeekOf(addDays(end, -new Date(`${end}T00:00:00Z`).getUTCDay()));
}

/** 'YYYY-MM' of the month `months` after the one holding `day`. */
const monthOf = (day: string, months: number) => new Date(Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1 + months, 1)).toISOString().slice(0, 7);

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** One progress line per replayed week (and for the last, partial one). */
function weeklyProgress(context: CliContext, lastDay: string): (day: DayReplayed) => void {
  let week = { alerts: 0, holdout: 0, done: 0, escalated: 0, outcomes: 0 };
  return (day) => {
    week = { alerts: week.alerts + day.alerts, holdout: week.holdout + day.holdout, done: week.done + day.tasksDone, escalated: week.escalated + day.escalated, outcomes: week.outcomes + day.outcomesLinked };
    const name = isoWeekOf(day.asOf);
    if (day.asOf !== lastDay && isoWeekOf(addDays(day.asOf, 1)) === name) return;
    context.out.line(
      `    ${name} to ${day.asOf}: ${day.scored} accounts scored, ${plural(week.alerts, 'alert')} (+${week.holdout} held out), ${plural(week.done, 'task')} done by simulated CSMs, ${week.escalated} escalated, ${plural(week.outcomes, 'alert')} with a decided renewal`,
    );
    week = { alerts: 0, holdout: 0, done: 0, escalated: 0, outcomes: 0 };
  };
}

export async function runDemo(context: CliContext, options: DemoOptions): Promise<DemoTimings> {
  const started = performance.now();
  const timings: { phase: string; ms: number }[] = [];
  const sampleDir = join(options.dataDir, 'sample');
  const configured = context.config();
  const loaded = withDemoHoldout(configured);
  const { config, version } = loaded;
  const historyDays = options.historyDays ?? DEMO_HISTORY_DAYS;
  const from = addDays(options.end, -(historyDays - 1));
  const trainedOn = addDays(from, -1);
  await step(
    context,
    timings,
    `generating a sample company (${options.accounts} accounts, 2 years to ${options.end}, seed ${options.seed})`,
    () => writeSampleCompany({ accounts: options.accounts, years: 2, seed: options.seed, end: options.end, outDir: sampleDir, subscriptions: options.fromSubscriptions }),
    (manifest) => `${Object.values(manifest.rows).reduce((a, b) => a + b, 0).toLocaleString('en-US')} rows in ${sampleDir}`,
  );
  if (options.fromSubscriptions) {
    // The billing system's path: no renewals file, renewals derived from the subscriptions on load. The
    // generator's file stays beside it for comparison (a name the folder loader does not read).
    await rename(join(sampleDir, 'renewals.csv'), join(sampleDir, REFERENCE_RENEWALS));
    context.out.line(`  renewals will be derived from subscriptions.csv (small accounts billed monthly on annual terms); the generator's renewals file is kept as ${REFERENCE_RENEWALS}`);
  }
  const db = await context.database();
  const summaries = await step(
    context,
    timings,
    'ingesting it into the embedded database',
    // A derivation on the demo's today: periods running at its end are not churns.
    () => ingestDirectory(db, sampleDir, { logger: context.logger, force: true, now: new Date(`${addDays(options.end, 1)}T00:00:00Z`) }),
    (loadedRows) =>
      `${loadedRows.reduce((sum, s) => sum + s.inserted + s.updated + s.unchanged, 0).toLocaleString('en-US')} rows stored, ${loadedRows.reduce((sum, s) => sum + s.rejected, 0)} quarantined (see \`radar ingest rejects\`)` +
      loadedRows.map((summary) => describeDerivation(summary.detail)).filter((line) => line !== undefined).map((line) => `; ${line}`).join(''),
  );
  if (summaries.some((summary) => summary.status === 'failed')) throw new Error('the sample failed to load; see the log above');
  const trained = await step(
    context,
    timings,
    `training the churn model on the renewals decided by ${trainedOn}, the day before the replay starts (features as of ${config.leadDays} days before each)`,
    () => trainModel(db, { config, configVersion: version, asOf: trainedOn, promote: true }),
    ({ stored }) => {
      const auc = (value: number | null) => (value === null ? 'n/a' : value.toFixed(3));
      return `model ${stored.version}: held-out ROC AUC ${auc(stored.metrics.model.rocAuc)} vs ${auc(stored.metrics.scorecard.rocAuc)} for the rule scorecard, over ${stored.classBalance.rows} renewals (${stored.classBalance.positives} churned); promoted (\`radar model show ${stored.version}\`)`;
    },
  );

  const outboxDir = outboxDirOf(context);
  // The demo never posts to Slack, token or not: alerts and the report summary go to the outbox.
  let clock = new Date();
  const deps: JobDeps = { db, loaded, logger: context.logger, slack: null, outboxDir, print: () => undefined, now: () => clock };
  const policy = DEFAULT_CSM_POLICY;
  if (loaded !== configured) {
    context.out.line(
      `  (the demo holds out ${Math.round(config.routing.holdoutShare * 100)}% of at-risk accounts as the control group, not the configured ${Math.round(configured.config.routing.holdoutShare * 100)}% (routing.holdoutShare): 12 weeks of a small company alert too few accounts for a smaller group to show anything)`,
    );
  }
  context.out.line(
    `  (simulated: CSMs complete ${Math.round(policy.doneShare * 100)}% of playbook tasks, seed ${options.seed}, recorded as completed by "${SIMULATED_CSM}"; in real use tasks are done in Slack or with \`radar tasks done\`)`,
  );
  // The forecast-vs-actual needs forecasts made at the start of closed months: the ones the daily run
  // would have kept at the month ends before the replay. No score existed then, so every open renewal
  // counts at its segment's churn rate over the renewals decided by that day (docs/forecast.md).
  const monthEnds = [3, 2, 1].map((back) => addDays(`${monthOf(from, -back + 1)}-01`, -1));
  await step(
    context,
    timings,
    `keeping the forecasts the daily run would have made on ${monthEnds.join(', ')} (before any score: every renewal at its segment's rate)`,
    async () => {
      for (const asOf of monthEnds) await makeUpcomingForecasts(db, { asOf, config, configHash: version });
      return monthEnds.length;
    },
    (days) => `${days * 4} forecasts kept (\`radar forecast --as-of ${monthEnds.at(-1)} --period ${monthOf(from, 0)}\`)`,
  );
  const history = await step(
    context,
    timings,
    `replaying the daily run (indicators → score → alert → escalate) for each of the ${historyDays} days ${from} … ${options.end} with ${trained.stored.version}, as of each day`,
    () => replayHistory(deps, { from, to: options.end, seed: options.seed, policy, setClock: (instant) => (clock = instant), onDay: weeklyProgress(context, options.end) }),
    (summary) =>
      `${summary.alerts} alerts written to ${outboxDir} (dry run, no SLACK_BOT_TOKEN), ${summary.holdout} held out as the control group, ${summary.escalated} tasks escalated; simulated CSMs did ${summary.tasksDone} of ${summary.tasksCreated} tasks; ${summary.outcomesLinked} alerts linked to a decided renewal (\`radar alerts list\`, \`radar tasks list\`)`,
  );
  for (const phase of ['indicators', 'score', 'alerts', 'escalations', 'forecast', 'csms', 'outcomes'] as const) timings.push({ phase: `replay: ${phase}`, ms: history.ms[phase] });
  clock = new Date();

  await step(
    context,
    timings,
    `outcomes so far: save rate of alerted accounts vs the holdout (renewals decided by ${options.end})`,
    () => runOutcomes(db, { decidedBefore: new Date(`${addDays(options.end, 1)}T00:00:00Z`), now: clock }),
    ({ report }) => formatOutcomeReport(report).map((line, index) => (index === 0 ? line : `  ${line}`)).join('\n'),
  );
  const week = reportWeekOf(options.end);
  const reportFile = resolve(options.dataDir, 'reports', `weekly-${week}.html`);
  await step(
    context,
    timings,
    `writing the weekly retention report for ${week}`,
    () => publishWeeklyReport(db, { config, configVersion: version, slack: null, outboxDir, print: () => undefined, logger: context.logger, now: () => clock, week, format: 'html', out: reportFile, post: true }),
    () => `${reportFile} (open it in a browser; \`radar report weekly --format md\` for Markdown); its Slack summary is in the outbox too`,
  );
  const totalMs = performance.now() - started;
  context.out.line(`done in ${(totalMs / 1000).toFixed(1)} s — the database is in ${resolve(options.dataDir, 'pgdata')}; \`radar backtest --from ${from} --to ${options.end} --step 7d\` replays the model week by week`);
  return { phases: timings, totalMs };
}
