// What the sending commands (alert, escalate, report weekly, run, worker) take from the shell: the
// config, the Slack client or a dry run to the outbox, the printer and the clock. The Slack token
// comes only from SLACK_BOT_TOKEN (through the context) and is never printed. Commands import this
// module inside their actions, so `radar --help` does not load the Slack client.
import { join, resolve } from 'node:path';
import { createSlackApi, type SlackApi } from '../../alerts/slack.ts';
import type { JobDeps } from '../jobs/deps.ts';
import type { CliContext } from './context.ts';

export function outboxDirOf(context: Pick<CliContext, 'environment'>): string {
  return resolve(context.environment.RADAR_DATA_DIR ? join(context.environment.RADAR_DATA_DIR, 'outbox') : join('.radar', 'outbox'));
}

function slackOf(context: CliContext): SlackApi | null {
  const token = context.environment.SLACK_BOT_TOKEN;
  if (!token) return null;
  return createSlackApi({ token, slackApiUrl: context.environment.SLACK_API_URL });
}

/** Everything a sending step needs from the shell: config, Slack client (or dry run), outbox, clock. */
export function sendingShell(context: CliContext) {
  const loaded = context.config();
  const slack = slackOf(context);
  if (!slack) context.out.line(`SLACK_BOT_TOKEN is not set: dry run, messages go to ${outboxDirOf(context)}`);
  return {
    config: loaded.config,
    configVersion: loaded.version,
    baseDir: loaded.baseDir,
    slack,
    outboxDir: outboxDirOf(context),
    print: (line: string) => context.out.line(line),
    logger: context.logger,
    now: () => new Date(),
  };
}

/** The dependencies of a job (the daily run, a worker) from the shell. */
export async function depsFromContext(context: CliContext, print: (line: string) => void, hooks?: JobDeps['hooks']): Promise<JobDeps> {
  const loaded = context.config();
  return {
    db: await context.database(),
    loaded,
    logger: context.logger,
    slack: slackOf(context),
    outboxDir: outboxDirOf(context),
    print,
    now: () => new Date(),
    ...(hooks ? { hooks } : {}),
  };
}
