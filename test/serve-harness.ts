// A stand-in for pipelines/cli/main.ts with only `radar serve` registered (main.ts is wired
// separately), run as a child process by test/serve-cli.test.ts: same context, logger and error
// handling, so the command's start checks and its SIGTERM shutdown are tested as users run them.
import { Command } from 'commander';
import { registerServeCommands } from '../alerts/serve/command.ts';
import { readEnvironment, secretValues } from '../config/environment.ts';
import { createContext } from '../pipelines/cli/context.ts';
import { exitCodeFor } from '../pipelines/errors.ts';
import { createLogger } from '../pipelines/log.ts';

const environment = readEnvironment();
const logger = createLogger({ level: environment.LOG_LEVEL ?? 'info', secrets: secretValues(environment) });
const program = new Command('radar').exitOverride();
const context = createContext({ environment, logger, configPath: () => undefined, json: () => false });
registerServeCommands(program, context);
try {
  await program.parseAsync(process.argv);
  process.exitCode = 0;
} catch (error) {
  process.stderr.write(`radar: ${(error as Error).message}\n`);
  process.exitCode = exitCodeFor(error);
} finally {
  await context.close();
}
