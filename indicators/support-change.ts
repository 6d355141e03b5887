// Support change: contacts per day in the recent window vs the baseline before it. A customer who
// stops asking for help has often stopped caring; a drop is the risk here, not a rise.
import { sql } from 'kysely';
import { days, indicatorConfig } from './config.ts';
import { fmt, num, pct, plural } from './format.ts';
import { detailFields } from './detail.ts';
import type { IndicatorDefinition } from './types.ts';

const configSchema = indicatorConfig(
  'lower',
  { warning: -0.5, critical: -0.8, unit: 'relative change, -0.5 = half the contacts' },
  {
    recentDays: days(30, 'Recent window: the last N days up to and including the as-of day.'),
    baselineDays: days(90, 'Baseline window: the N days just before the recent window.'),
  },
);

const detail = detailFields({ recentDays: 'number', baselineDays: 'number', recentContacts: 'number', baselineContacts: 'number', enoughHistory: 'boolean' });

export const supportChange = {
  id: 'supportChange',
  title: 'Support contact change',
  description:
    'Relative change of support contacts per day (by opened_at, UTC days) in the recent window vs the baseline window before it. ' +
    'Disengaged customers stop opening tickets, so a sharp drop signals risk. No data when the baseline had no contacts (nothing to compare) ' +
    'or the contract started less than recent+baseline days ago.',
  unit: 'ratio',
  riskDirection: 'lower',
  configSchema,
  detail,
  support: {
    lookbackDays: (config) => config.recentDays + config.baselineDays,
    aggregates: ({ config, startOfDayMinus }) => {
      const recentStart = startOfDayMinus(config.recentDays - 1);
      return {
        sc_recent: sql`count(*) FILTER (WHERE opened_at >= ${recentStart})`,
        sc_baseline: sql`count(*) FILTER (WHERE opened_at < ${recentStart} AND opened_at >= ${startOfDayMinus(config.recentDays + config.baselineDays - 1)})`,
      };
    },
  },
  sql: ({ config, dayMinus }) => sql`
    SELECT s.account_id,
           CASE WHEN s.contract_start <= ${dayMinus(config.recentDays + config.baselineDays - 1)} AND c.sc_baseline > 0
                THEN (coalesce(c.sc_recent, 0)::float8 / ${config.recentDays}::int) / (c.sc_baseline::float8 / ${config.baselineDays}::int) - 1 END AS value,
           ${detail.pack({
             recentDays: sql`${config.recentDays}::int`, baselineDays: sql`${config.baselineDays}::int`,
             recentContacts: sql`coalesce(c.sc_recent, 0)`, baselineContacts: sql`coalesce(c.sc_baseline, 0)`,
             enoughHistory: sql`s.contract_start <= ${dayMinus(config.recentDays + config.baselineDays - 1)}`,
           })} AS detail_values
    FROM scope s LEFT JOIN support_stats c USING (account_id)`,
  explain: (value, detail, config) => {
    if (detail.enoughHistory === false) return `less than ${config.recentDays + config.baselineDays} days since contract start: not enough history to compare`;
    const recent = num(detail, 'recentContacts');
    const baseline = num(detail, 'baselineContacts');
    const sentence = `${plural(recent, 'contact')} in the last ${config.recentDays} days vs ${plural(baseline, 'contact')} in the ${config.baselineDays} before`;
    if (value === null) return `${sentence}: no baseline to compare with`;
    const perMonth = (count: number | null, window: number) => fmt(((count ?? 0) / window) * 30);
    return `${sentence} (${perMonth(recent, config.recentDays)} vs ${perMonth(baseline, config.baselineDays)} per 30 days): ${pct(value)}`;
  },
} as const satisfies IndicatorDefinition<typeof configSchema>;
