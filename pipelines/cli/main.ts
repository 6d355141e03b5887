// The `radar` command line. Human output on stdout, structured JSON logs on stderr.
// Exit codes: 0 ok, 1 failure, 2 bad usage or config.
import { Command, CommanderError } from 'commander';
import { readEnvironment, secretValues } from '../../config/environment.ts';
import { exitCodeFor, RadarError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { createContext } from './context.ts';
import { registerCoreCommands } from './core-commands.ts';
import { registerIngestCommands } from '../ingest/command.ts';
import { registerSampleCommands } from '../sample/command.ts';
import { registerDemoCommand } from '../demo.ts';
import { registerAlertCommands } from '../../alerts/command.ts';
import { registerModelCommands } from '../../models/command.ts';
import { registerReportCommands } from '../report/command.ts';
import { registerJobCommands } from '../jobs/command.ts';
import { registerServeCommands } from '../../alerts/serve/command.ts';
import { registerIndicatorCommands } from '../../indicators/command.ts';

export async function main(argv: readonly string[]): Promise<number> {
  let environment;
  try {
    environment = readEnvironment();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  const logger = createLogger({ level: environment.LOG_LEVEL, secrets: secretValues(environment) });
  const program = new Command('radar')
    .description('Renewal Radar: churn-risk early warning, 90 days ahead of every renewal')
    .option('-c, --config <file>', 'config file (default: RADAR_CONFIG or config/radar.yaml)')
    .option('--json', 'print machine-readable JSON on stdout')
    .showHelpAfterError()
    .exitOverride();
  const context = createContext({
    environment,
    logger,
    configPath: () => program.opts<{ config?: string }>().config,
    json: () => Boolean(program.opts<{ json?: boolean }>().json),
  });
  registerCoreCommands(program, context);
  registerSampleCommands(program, context);
  registerIngestCommands(program, context);
  registerIndicatorCommands(program, context);
  registerModelCommands(program, context);
  registerAlertCommands(program, context);
  registerReportCommands(program, context);
  registerJobCommands(program, context);
  registerServeCommands(program, context);
  registerDemoCommand(program, context);

  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; any other commander error is a usage error.
      return error.exitCode === 0 ? 0 : 2;
    }
    const code = exitCodeFor(error);
    if (error instanceof RadarError) {
      process.stderr.write(`radar: ${error.message}\n`);
      logger.error({ event: 'command_failed', code: error.code, context: error.context });
    } else {
      process.stderr.write(`radar: ${(error as Error).message}\n`);
      logger.error({ event: 'command_failed', err: error });
    }
    return code;
  } finally {
    await context.close();
    logger.flush();
  }
}
