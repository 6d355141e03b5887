// What every command gets: the environment, a logger, output helpers, and lazily the config and
// the database (opened once per invocation and closed when the command ends). The database modules
// are imported only when a command asks for the database.
import type { Kysely } from 'kysely';
import { loadConfig, type LoadedConfig } from '../../config/load.ts';
import type { Environment } from '../../config/environment.ts';
import type { DatabaseOptions } from '../../sql/database.ts';
import type { DB } from '../../sql/schema.ts';
import type { Logger } from '../log.ts';

export interface Output {
  /** Human-readable text on stdout (suppressed with --json). */
  line(text?: string): void;
  /** Machine-readable data on stdout with --json; with a human fallback otherwise. */
  data(value: unknown, human: () => void): void;
  readonly json: boolean;
  /** Whether stdout is an interactive terminal (progress bars only there, never with --json). */
  readonly interactive: boolean;
}

export interface CliContext {
  readonly environment: Environment;
  readonly logger: Logger;
  readonly out: Output;
  config(): LoadedConfig;
  databaseOptions(): DatabaseOptions;
  /** The database, migrated to the latest schema. */
  database(): Promise<Kysely<DB>>;
  close(): Promise<void>;
}

export function createContext(options: {
  environment: Environment;
  logger: Logger;
  configPath: () => string | undefined;
  json: () => boolean;
  stdout?: NodeJS.WriteStream;
}): CliContext {
  const stdout = options.stdout ?? process.stdout;
  let loaded: LoadedConfig | undefined;
  let db: Promise<Kysely<DB>> | undefined;
  const out: Output = {
    get json() {
      return options.json();
    },
    get interactive() {
      return Boolean(stdout.isTTY) && !options.json() && !options.environment.CI;
    },
    line(text = '') {
      if (!options.json()) stdout.write(`${text}\n`);
    },
    data(value, human) {
      if (options.json()) stdout.write(`${JSON.stringify(value, null, 2)}\n`);
      else human();
    },
  };
  const databaseOptions = (): DatabaseOptions => ({
    databaseUrl: options.environment.DATABASE_URL,
    dataDir: options.environment.RADAR_DATA_DIR ? `${options.environment.RADAR_DATA_DIR}/pgdata` : undefined,
  });
  return {
    environment: options.environment,
    logger: options.logger,
    out,
    config() {
      loaded ??= loadConfig(options.configPath() ?? options.environment.RADAR_CONFIG);
      return loaded;
    },
    databaseOptions,
    database() {
      db ??= (async () => {
        const [{ openDatabase }, { migrate }] = await Promise.all([import('../../sql/database.ts'), import('../../sql/migrate.ts')]);
        const opened = await openDatabase(databaseOptions());
        await migrate(opened, { onApply: (name) => options.logger.info({ event: 'migration_applied', migration: name }) });
        return opened;
      })();
      return db;
    },
    async close() {
      if (db) await (await db.catch(() => undefined))?.destroy();
    },
  };
}
