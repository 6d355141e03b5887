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
    .option('--data', 'also compare the config with the data in the database (lead days vs the typical billing period; segment names per-segment levels and cut-offs use must exist)')
    .description('Validate a config file; exits 2 naming each bad key and the rule it broke')
    .action(async (file: string | undefined, options: { data?: boolean }) => {
      const { loadConfig } = await import('../../../config/load.ts');
      const loaded = file ? loadConfig(file) : context.config();
      let typical: Awaited<ReturnType<typeof import('../../../sql/subscriptions.ts').typicalPeriodDays>> | undefined;
      const warnings: string[] = [];
      if (options.data) {
        const [{ typicalPeriodDays }, { leadDaysWarning }, { listSegments }, { unknownSegmentProblems }, { RadarError }] = await Promise.all([
          import('../../../sql/subscriptions.ts'),
          import('../../../models/cadence.ts'),
          import('../../../sql/report.ts'),
          import('../../../config/segments.ts'),
          import('../../errors.ts'),
        ]);
        const db = await context.database();
        // A segment no account has matches nothing: an error naming the key, like any other config error.
        const problems = unknownSegmentProblems(loaded.config, await listSegments(db));
        if (problems.length > 0) throw new RadarError('config_invalid', `${loaded.file}: ${problems.length} unknown segment${problems.length === 1 ? '' : 's'}:\n  ${problems.join('\n  ')}`, { file: loaded.file, problems });
        typical = await typicalPeriodDays(db);
        const warning = leadDaysWarning(loaded.config.leadDays, typical);
        if (warning !== undefined) warnings.push(warning);
      }
      const data = options.data ? { typicalPeriod: typical ?? null, warnings } : {};
      context.out.data({ ok: true, file: loaded.file, version: loaded.version, ...data }, () => {
        context.out.line(`${loaded.file}: ok (version ${loaded.version})`);
        if (options.data) context.out.line(typical ? `typical billing period: ${typical.days} days (median of ${typical.count} ${typical.basis})` : 'no subscription periods or renewals in the database to compare with');
        for (const warning of warnings) context.out.line(`warning: ${warning}`);
      });
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
