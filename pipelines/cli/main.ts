// The `radar` command line. Human output on stdout; logs on stderr (JSON lines without a terminal).
// Exit codes: 0 ok, 1 failure, 2 bad usage or config.
//
// A start loads commander and the command table only: `--help` and `--version` need nothing else.
// The environment, the logger and the config loader are imported just before an action runs
// (preAction), and each action imports the modules it needs.
import { Command, CommanderError } from 'commander';
import packageJson from '../../package.json' with { type: 'json' };
import type { Environment } from '../../config/environment.ts';
import { exitCodeFor, RadarError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { CliContext } from './context.ts';
import { registerAlertCommands } from './commands/alerts.ts';
import { registerCalendarCommands } from './commands/calendar.ts';
import { registerCoreCommands } from './commands/core.ts';
import { registerDemoCommand } from './commands/demo.ts';
import { registerExportCommands } from './commands/export.ts';
import { registerForecastCommands } from './commands/forecast.ts';
import { registerIndicatorCommands } from './commands/indicators.ts';
import { registerIngestCommands } from './commands/ingest.ts';
import { registerJobCommands } from './commands/jobs.ts';
import { registerModelCommands } from './commands/models.ts';
import { registerReportCommands } from './commands/report.ts';
import { registerReviewCommands } from './commands/review.ts';
import { registerSampleCommands } from './commands/sample.ts';
import { registerServeCommands } from './commands/serve.ts';
import { registerTuneCommands } from './commands/tune.ts';
import { registerTokenCommands } from './commands/tokens.ts';
import { registerWebhookCommands } from './commands/webhooks.ts';

/** Every command, in the order `radar --help` lists them. One `register…` function per file. */
const COMMANDS: readonly ((program: Command, context: CliContext) => void)[] = [
  registerCoreCommands,
  registerSampleCommands,
  registerIngestCommands,
  registerIndicatorCommands,
  registerModelCommands,
  registerAlertCommands,
  registerReportCommands,
  registerJobCommands,
  registerServeCommands,
  registerDemoCommand,
  registerTuneCommands,
  registerReviewCommands,
  registerTokenCommands,
  registerForecastCommands,
  registerExportCommands,
  registerWebhookCommands,
  registerCalendarCommands,
];

interface GlobalOptions {
  config?: string;
  json?: boolean;
  verbose?: boolean;
}

/** A context whose parts exist once `prepare` ran (just before the action): commands are declared before. */
function deferredContext(current: () => CliContext): CliContext {
  return {
    get environment() {
      return current().environment;
    },
    get logger() {
      return current().logger;
    },
    get out() {
      return current().out;
    },
    config: () => current().config(),
    databaseOptions: () => current().databaseOptions(),
    database: () => current().database(),
    close: () => current().close(),
  };
}

/** The environment was malformed: exit 2 naming the variable (never its value), before any logger exists. */
class EnvironmentError extends Error {}

export async function main(argv: readonly string[], io: { stdout?: NodeJS.WriteStream; stderr?: NodeJS.WriteStream } = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  let context: CliContext | undefined;
  let logger: Logger | undefined;
  const program = new Command('radar')
    .description('Renewal Radar: churn-risk early warning, 90 days ahead of every renewal')
    .version(packageJson.version, '-V, --version', 'print the version of radar')
    .option('-c, --config <file>', 'config file (default: RADAR_CONFIG or config/radar.yaml)')
    .option('--json', 'print machine-readable JSON on stdout')
    .option('-v, --verbose', 'log at debug level (default: warn on a terminal, info otherwise; LOG_LEVEL wins)')
    .configureOutput({ writeOut: (text) => void stdout.write(text), writeErr: (text) => void stderr.write(text) })
    .showHelpAfterError()
    .exitOverride()
    .hook('preAction', async () => {
      const [{ readEnvironment, secretValues }, { createLogger, chooseLogging }, { createContext }] = await Promise.all([
        import('../../config/environment.ts'),
        import('../log.ts'),
        import('./context.ts'),
      ]);
      let environment: Environment;
      try {
        environment = readEnvironment();
      } catch (error) {
        throw new EnvironmentError((error as Error).message);
      }
      const options = program.opts<GlobalOptions>();
      const terminal = Boolean(stderr.isTTY) && !environment.CI;
      logger = createLogger({ ...chooseLogging({ level: environment.LOG_LEVEL, verbose: options.verbose, terminal }), secrets: secretValues(environment), destination: stderr });
      context = createContext({ environment, logger, configPath: () => options.config, json: () => Boolean(options.json), stdout });
    });
  const deferred = deferredContext(() => {
    if (!context) throw new Error('the command context is used before the command runs');
    return context;
  });
  for (const register of COMMANDS) register(program, deferred);

  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; any other commander error is a usage error.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof EnvironmentError) {
      stderr.write(`${error.message}\n`);
      return 2;
    }
    const code = exitCodeFor(error);
    if (error instanceof RadarError) {
      stderr.write(`radar: ${error.message}\n`);
      logger?.error({ event: 'command_failed', code: error.code, context: error.context });
    } else {
      stderr.write(`radar: ${(error as Error).message}\n`);
      logger?.error({ event: 'command_failed', err: error });
    }
    return code;
  } finally {
    await context?.close();
    logger?.flush();
  }
}
