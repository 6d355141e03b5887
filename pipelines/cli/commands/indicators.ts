// `radar indicators`: compute indicators as of a day (or backfill a range), and explain one account.
import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import type { ComputeIndicatorsResult } from '../../../indicators/compute.ts';
import { fmt, pct } from '../../../indicators/format.ts';
import type { IndicatorDefinition, Thresholds } from '../../../indicators/types.ts';
import { RadarError } from '../../errors.ts';
import type { CliContext } from '../context.ts';

interface ComputeOptions {
  asOf?: string;
  all?: boolean;
  from?: string;
  to?: string;
  step: string;
}

/** '7d' → 7, '2w' → 14. */
export function parseStep(text: string): number {
  const match = /^(\d{1,4})([dw])$/.exec(text.trim());
  const days = match ? Number(match[1]) * (match[2] === 'w' ? 7 : 1) : 0;
  if (days < 1) throw new RadarError('usage', `--step must look like 7d or 1w, got ${JSON.stringify(text)}`);
  return days;
}

function formatValue(definition: IndicatorDefinition, value: number | null): string {
  if (value === null) return '—';
  switch (definition.unit) {
    case 'ratio':
      return pct(value, 1);
    case 'fraction':
      return `${fmt(value * 100)}%`;
    case 'cents':
      return `$${fmt(value / 100, 2)}`;
    default:
      return fmt(value);
  }
}

function formatThresholds(definition: IndicatorDefinition, thresholds: Thresholds): string {
  const op = definition.riskDirection === 'higher' ? '≥' : '≤';
  const parts = [
    thresholds.warning === null ? undefined : `warning ${op} ${formatValue(definition, thresholds.warning)}`,
    thresholds.critical === null ? undefined : `critical ${op} ${formatValue(definition, thresholds.critical)}`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'not flagged';
}

export function registerIndicatorCommands(program: Command, context: CliContext): void {
  const indicators = program
    .command('indicators')
    .description('Compute point-in-time indicators for accounts renewing within the horizon (or all active accounts) as of a day, or backfill a range')
    .option('--as-of <date>', 'the as-of day D, YYYY-MM-DD')
    .option('--all', 'every account active on D, not only those renewing within horizonDays')
    .option('--from <date>', 'backfill: first as-of day')
    .option('--to <date>', 'backfill: last as-of day (inclusive)')
    .option('--step <interval>', 'backfill: days between as-of days, e.g. 7d or 1w', '7d')
    .action(async (options: ComputeOptions) => {
      const { computeIndicators, dayRange, parseDay } = await import('../../../indicators/compute.ts');
      const { config } = context.config();
      let days: string[];
      if (options.from !== undefined || options.to !== undefined) {
        if (options.from === undefined || options.to === undefined) throw new RadarError('usage', '--from and --to go together');
        if (options.asOf !== undefined) throw new RadarError('usage', 'use either --as-of or --from/--to');
        days = dayRange(options.from, options.to, parseStep(options.step));
      } else if (options.asOf !== undefined) {
        days = [parseDay(options.asOf, '--as-of')];
      } else {
        throw new RadarError('usage', 'give --as-of YYYY-MM-DD, or --from and --to for a range');
      }
      const db = await context.database();
      const results: (ComputeIndicatorsResult & { ms: number })[] = [];
      for (const asOf of days) {
        const started = performance.now();
        const result = await computeIndicators(db, { asOf, config, scope: options.all ? 'all' : 'renewing', horizonDays: config.horizonDays });
        const ms = Math.round(performance.now() - started);
        results.push({ ...result, ms });
        context.logger.info({ event: 'indicators_computed', asOf, accounts: result.accounts, written: result.written, ms });
        context.out.line(
          `${asOf}  ${result.accounts} accounts × ${result.indicators} indicators  ${result.written} rows written  ` +
            `critical ${result.flags.critical}, warning ${result.flags.warning}, ok ${result.flags.ok}, no-data ${result.flags['no-data']}  ${ms} ms`,
        );
      }
      context.out.data(days.length === 1 ? results[0] : results, () => {
        if (days.length > 1) context.out.line(`${days.length} days computed`);
      });
    });

  indicators
    .command('explain')
    .argument('<account>', 'external id (or numeric account id)')
    // Unless the root program enables positional options, commander hands a trailing --as-of to the
    // parent `indicators` command, so read it from the merged options of both.
    .option('--as-of <date>', 'the as-of day D, YYYY-MM-DD (required)')
    .description("Print each indicator's value, thresholds, flag and the counts behind it for one account (computed, not stored)")
    .action(async (accountRef: string, _options: unknown, command: Command) => {
      const given = command.optsWithGlobals<{ asOf?: string }>().asOf;
      if (given === undefined) throw new RadarError('usage', 'explain needs --as-of YYYY-MM-DD');
      const [{ configuredIndicators, evaluateIndicators, parseDay }, { findAccount }, { accountSegments }, { thresholdsFor }] = await Promise.all([
        import('../../../indicators/compute.ts'),
        import('../../../sql/indicators.ts'),
        import('../../../sql/tune.ts'),
        import('../../../indicators/flag.ts'),
      ]);
      const asOf = parseDay(given, '--as-of');
      const { config } = context.config();
      const db = await context.database();
      const account = await findAccount(db, accountRef);
      if (!account) throw new RadarError('not_found', `no account ${JSON.stringify(accountRef)} (looked up by external id and account id)`);
      const values = await evaluateIndicators(db, { asOf, config, scope: 'all', horizonDays: config.horizonDays, accountIds: [account.accountId] });
      if (values.length === 0) {
        throw new RadarError('not_found', `account ${account.externalId} is not active on ${asOf} (contract not started yet, or churn decided by then)`);
      }
      const byId = new Map(values.map((value) => [value.indicator, value]));
      const segment = (await accountSegments(db, [account.accountId])).get(account.accountId) ?? null;
      const explained = configuredIndicators(config).map(({ definition, config: section }) => {
        // The account's segment may have its own levels (indicators.<id>.segments): say which applied.
        const applied = thresholdsFor(section, segment);
        const computed = byId.get(definition.id);
        const value = computed?.value ?? null;
        const detail = computed?.detail ?? {};
        return {
          indicator: definition.id,
          title: definition.title,
          value,
          unit: definition.unit,
          riskDirection: definition.riskDirection,
          warning: applied.warning,
          critical: applied.critical,
          thresholdsSegment: applied.segment,
          flag: computed?.flag ?? 'no-data',
          explanation: definition.explain(value, detail, section),
          detail,
          display: { value: formatValue(definition, value), thresholds: `${applied.segment === null ? '' : `${applied.segment} thresholds: `}${formatThresholds(definition, applied)}` },
        };
      });
      context.out.data({ account, asOf, indicators: explained.map(({ display: _display, ...rest }) => rest) }, () => {
        context.out.line(`${account.name} (${account.externalId}) as of ${asOf}`);
        const width = Math.max(...explained.map((row) => row.title.length));
        for (const row of explained) {
          const flag = row.flag === 'ok' ? 'ok' : row.flag.toUpperCase();
          context.out.line(`  ${row.title.padEnd(width)}  ${row.display.value.padStart(10)}  ${flag.padEnd(8)}  (${row.display.thresholds})`);
          context.out.line(`  ${''.padEnd(width)}  ${row.explanation}`);
        }
      });
    });
}
