// Foundation commands: migrate and config.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';

export function registerCoreCommands(program: Command, context: CliContext): void {
  program
    .command('migrate')
    .description('Apply pending schema migrations (safe to run repeatedly and concurrently)')
    .action(async () => {
      const [{ openDatabase }, { migrate }] = await Promise.all([import('../../../sql/database.ts'), import('../../../sql/migrate.ts')]);
      const db = await openDatabase(context.databaseOptions());
      try {
        const report = await migrate(db, {
          onApply: (name) => {
            context.logger.info({ event: 'migration_applied', migration: name });
            context.out.line(`applied ${name}`);
          },
        });
        context.out.data(report, () => context.out.line(report.upToDate ? 'up to date' : `applied ${report.applied.length} migration(s)`));
      } finally {
        await db.destroy();
      }
    });

  const config = program.command('config').description('Check the configuration or export its JSON Schema');
  config
    .command('check')
    .argument('[file]', 'config file (default: --config, RADAR_CONFIG or config/radar.yaml)')
    .description('Validate a config file; exits 2 naming each bad key and the rule it broke')
    .action(async (file: string | undefined) => {
      const { loadConfig } = await import('../../../config/load.ts');
      const loaded = file ? loadConfig(file) : context.config();
      context.out.data({ ok: true, file: loaded.file, version: loaded.version }, () => context.out.line(`${loaded.file}: ok (version ${loaded.version})`));
    });
  config
    .command('schema')
    .option('--out <file>', 'write to a file instead of stdout')
    .description('Print the JSON Schema of radar.yaml, for editor autocompletion')
    .action(async (options: { out?: string }) => {
      const { configJsonSchema } = await import('../../../config/load.ts');
      const text = `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
      if (options.out) writeFileSync(options.out, text);
      else process.stdout.write(text);
    });
}
