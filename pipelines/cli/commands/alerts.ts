// CLI: radar alert | alerts list/preview | escalate | tasks list/done/snooze | outcomes.
// The shell: reads the clock, the environment (through the context) and prints; the work is in
// alerts/run.ts, escalate.ts and report.ts. The Slack token comes only from SLACK_BOT_TOKEN (see
// ../shell.ts) and is never printed.
import type { Command } from 'commander';
import { dayOf, isDay } from '../../../alerts/dates.ts';
import { RadarError } from '../../errors.ts';
import type { CliContext } from '../context.ts';
import { accountLabel } from '../format.ts';
import { registerAlertPreview } from './alerts-preview.ts';
import { parseId } from '../../../alerts/ids.ts';

function day(value: string, flag: string): string {
  if (!isDay(value)) throw new RadarError('usage', `${flag} must be a day as YYYY-MM-DD, got "${value}"`);
  return value;
}

const taskId = (value: string): number => parseId(value, 'task id');

export function registerAlertCommands(program: Command, context: CliContext): void {
  const shell = async () => (await import('../shell.ts')).sendingShell(context);

  program
    .command('alert')
    .description('Alert CSMs in Slack about high-risk accounts as of a day (dry run to .radar/outbox without SLACK_BOT_TOKEN)')
    .requiredOption('--as-of <day>', 'the day of the risk scores (YYYY-MM-DD)')
    .option('--retry-failed', 'also retry alerts that failed before (after fixing a token or channel)')
    .action(async (options: { asOf: string; retryFailed?: boolean }) => {
      const asOf = day(options.asOf, '--as-of');
      const { runAlerts } = await import('../../../alerts/run.ts');
      const db = await context.database();
      const summary = await runAlerts(db, { ...(await shell()), asOf, retryFailed: Boolean(options.retryFailed) });
      context.out.data(summary, () => {
        context.out.line(`as of ${asOf}: ${summary.scored} scored, ${summary.alerts} new alerts${summary.digests ? ` in ${summary.digests} digests` : ''}, ${summary.queued} queued over budget, ${summary.holdout} held out, ${summary.cooldown} in cooldown, ${summary.belowThreshold} below threshold, ${summary.riskReduced} risk-reduced replies`);
        const d = summary.delivery;
        context.out.line(`delivery: ${d.sent} sent, ${d.recovered} found already posted, ${d.dryRun} dry run, ${d.failed} failed, ${d.deferred} deferred`);
        if (d.failed) context.out.line('see `radar alerts list --failed` for the reasons');
      });
      const { undeliveredError } = await import('../../../alerts/deliver.ts');
      const problem = undeliveredError('radar alert', summary.delivery);
      if (problem) throw problem;
    });

  program
    .command('escalate')
    .description('Notify managers about tasks still open escalateAfterDays past due (once per task)')
    .requiredOption('--as-of <day>', 'the day (YYYY-MM-DD)')
    .action(async (options: { asOf: string }) => {
      const asOf = day(options.asOf, '--as-of');
      const { runEscalation } = await import('../../../alerts/escalate.ts');
      const db = await context.database();
      const result = await runEscalation(db, { ...(await shell()), asOf });
      context.out.data(result, () => context.out.line(`${result.escalated} tasks escalated; ${result.delivery.sent} sent, ${result.delivery.dryRun} dry run, ${result.delivery.failed} failed, ${result.delivery.deferred} deferred`));
      const { undeliveredError } = await import('../../../alerts/deliver.ts');
      const problem = undeliveredError('radar escalate', result.delivery);
      if (problem) throw problem;
    });

  const alerts = program.command('alerts').description('Inspect alerts');
  alerts
    .command('list')
    .description('Recent alerts with their delivery status')
    .option('--failed', 'only failed alerts, with the reason')
    .option('--as-of <day>', 'only alerts of this day')
    .option('--limit <n>', 'at most this many', '200')
    .action(async (options: { failed?: boolean; asOf?: string; limit: string }) => {
      const { listAlerts } = await import('../../../sql/alerts.ts');
      const db = await context.database();
      const rows = await listAlerts(db, { failed: Boolean(options.failed), asOf: options.asOf ? day(options.asOf, '--as-of') : undefined, limit: Number(options.limit) || 200 });
      context.out.data(rows, () => {
        if (rows.length === 0) context.out.line(options.failed ? 'no failed alerts' : 'no alerts');
        for (const row of rows) {
          const risk = row.tier ? ` ${row.tier}${row.probability !== null ? ` ${Math.round(row.probability * 100)}%` : ''}` : '';
          context.out.line(`#${row.alertId} ${row.asOf} ${row.kind.padEnd(12)} ${accountLabel({ name: row.accountName, externalId: row.account }).padEnd(32)}${risk} ${row.status}${row.slackTs ? ` ts=${row.slackTs}` : ''}${row.attempts ? ` attempts=${row.attempts}` : ''}${row.lastError ? ` — ${row.lastError}` : ''}${row.outcome ? ` outcome=${row.outcome}` : ''}`);
        }
      });
    });

  registerAlertPreview(alerts, context);

  const tasks = program.command('tasks').description('Playbook tasks created by alerts');
  tasks
    .command('list')
    .description('Open and snoozed tasks by due day')
    .option('--owner <email>', "only this owner's tasks")
    .option('--all', 'include done and cancelled tasks')
    .action(async (options: { owner?: string; all?: boolean }) => {
      const { listTasks } = await import('../../../sql/tasks.ts');
      const db = await context.database();
      const rows = await listTasks(db, { owner: options.owner, includeClosed: Boolean(options.all) });
      context.out.data(rows, () => {
        if (rows.length === 0) context.out.line('no tasks');
        for (const row of rows) {
          const state = row.status === 'snoozed' ? `snoozed until ${row.snoozedUntil}` : row.status;
          context.out.line(`#${row.taskId} due ${row.dueOn} ${accountLabel({ name: row.accountName, externalId: row.account }).padEnd(32)} [${row.playbook}] ${row.step} — ${row.ownerRole}${row.owner ? ` ${row.owner}` : ''} (${state})${row.note ? ` note: ${row.note}` : ''}`);
        }
      });
    });
  tasks
    .command('done')
    .description('Mark a task done')
    .argument('<id>', 'task id')
    .option('--note <text>', 'what was done')
    .option('--by <name>', 'who did it', 'cli')
    .action(async (id: string, options: { note?: string; by: string }) => {
      const task = taskId(id); // a bad id is a usage error before the database is opened
      const [{ completeTask }, { recordTaskCompleted }] = await Promise.all([import('../../../sql/tasks.ts'), import('../../../sql/webhooks.ts')]);
      const db = await context.database();
      const { webhooks } = context.config().config;
      // The task and its task.completed webhook events (docs/api.md#webhooks) commit together.
      const ok = await db.transaction().execute(async (trx) => {
        const done = await completeTask(trx, task, { note: options.note ?? null, by: options.by, now: new Date() });
        if (done) await recordTaskCompleted(trx, webhooks, task);
        return done;
      });
      if (!ok) throw new RadarError('not_found', `no task ${id}`);
      context.out.data({ taskId: task, status: 'done' }, () => context.out.line(`task ${id} done`));
    });
  tasks
    .command('snooze')
    .description('Snooze a task until a day (escalation counts from then)')
    .argument('<id>', 'task id')
    .requiredOption('--until <day>', 'YYYY-MM-DD')
    .action(async (id: string, options: { until: string }) => {
      const task = taskId(id);
      const until = day(options.until, '--until');
      const { snoozeTask } = await import('../../../sql/tasks.ts');
      const db = await context.database();
      const ok = await snoozeTask(db, task, until);
      if (!ok) throw new RadarError('not_found', `no open task ${id}`);
      context.out.data({ taskId: task, status: 'snoozed', until }, () => context.out.line(`task ${id} snoozed until ${options.until}`));
    });

  program
    .command('outcomes')
    .description('Link decided renewals to alerts; save rate of alerted accounts vs the holdout, with a 95% interval')
    .option('--as-of <day>', 'only renewals decided before the end of this day (default: now)')
    .action(async (options: { asOf?: string }) => {
      const now = new Date();
      const decidedBefore = options.asOf ? new Date(`${day(options.asOf, '--as-of')}T00:00:00Z`).getTime() + 86_400_000 : now.getTime();
      const { formatOutcomeReport, runOutcomes } = await import('../../../alerts/report.ts');
      const db = await context.database();
      const result = await runOutcomes(db, { decidedBefore: new Date(decidedBefore), now });
      context.out.data(result, () => {
        context.out.line(`${result.linked} alerts linked to decided renewals (decided before ${dayOf(new Date(decidedBefore - 1))} end of day)`);
        for (const line of formatOutcomeReport(result.report, result.feedback)) context.out.line(line);
      });
    });
}
