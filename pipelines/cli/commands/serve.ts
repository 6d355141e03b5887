// CLI: radar serve. Reads the environment through the context (SLACK_SIGNING_SECRET required,
// SLACK_BOT_TOKEN for chat.update and views.open, SLACK_API_URL for a stand-in); secrets are never
// printed. Runs until SIGTERM or SIGINT, then stops accepting, finishes in-flight requests and
// follow-up work, and closes the database.
import type { Command } from 'commander';
import { RadarError } from '../../errors.ts';
import type { CliContext } from '../context.ts';

function port(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65_535) throw new RadarError('usage', `--port must be 0-65535, got "${value}"`);
  return parsed;
}

export function registerServeCommands(program: Command, context: CliContext): void {
  program
    .command('serve')
    .description('Serve Slack interactivity (alert buttons, "Not a risk" modal), the /radar slash command (needs SLACK_SIGNING_SECRET) and the REST API under /api/v1')
    .option('--port <n>', 'port (default: server.port in the config)')
    .option('--host <address>', 'bind address (default: server.host in the config, 127.0.0.1)')
    .option('--api-only', 'serve the REST API, /healthz and /readyz only (no Slack endpoints, no SLACK_SIGNING_SECRET needed)')
    .action(async (options: { port?: string; host?: string; apiOnly?: boolean }) => {
      const signingSecret = options.apiOnly ? null : (context.environment.SLACK_SIGNING_SECRET ?? null);
      if (!options.apiOnly && !signingSecret) {
        throw new RadarError('config_invalid', 'SLACK_SIGNING_SECRET is not set: radar serve verifies every Slack request with it (Slack app → Basic Information → Signing Secret)');
      }
      const [{ rendererFor }, { startServer }, { createInteractivityApi }, { createApiHandler }] = await Promise.all([
        import('../../../alerts/run.ts'),
        import('../../../alerts/serve/server.ts'),
        import('../../../alerts/serve/slack-web.ts'),
        import('../../api/handler.ts'),
      ]);
      const loaded = context.config();
      const token = context.environment.SLACK_BOT_TOKEN;
      if (!token && !options.apiOnly) context.out.line('SLACK_BOT_TOKEN is not set: clicks are recorded, but messages are not updated and the "Not a risk" modal cannot open');
      const db = await context.database();
      const serverConfig = { ...loaded.config.server, ...(options.port !== undefined ? { port: port(options.port) } : {}), ...(options.host ? { host: options.host } : {}) };
      const server = await startServer({
        db,
        server: serverConfig,
        signingSecret,
        api: ({ refresh }) => createApiHandler({ db, server: serverConfig, config: loaded.config, logger: context.logger, changed: refresh }),
        webhooks: loaded.config.webhooks,
        slack: token ? createInteractivityApi({ token, slackApiUrl: context.environment.SLACK_API_URL }) : null,
        renderer: rendererFor(loaded.config, loaded.baseDir),
        logger: context.logger,
        csmSlackIds: loaded.config.routing.csmSlackIds,
      });
      context.logger.info({ event: 'serve_listening', url: server.url });
      const slackRoutes = options.apiOnly ? '' : 'POST /slack/actions, POST /slack/commands, ';
      context.out.line(`radar serve listening on ${server.url} (${slackRoutes}/api/v1, GET /healthz, GET /readyz)`);
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGTERM', () => resolve('SIGTERM'));
        process.once('SIGINT', () => resolve('SIGINT'));
      });
      context.logger.info({ event: 'serve_stopping', signal });
      await server.close();
      // The database is closed by context.close() as the command returns (pipelines/cli/main.ts).
      context.out.line('radar serve stopped');
    });
}
