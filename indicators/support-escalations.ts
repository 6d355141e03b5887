// Support escalations: urgent/high-priority contacts and poorly rated ones in the window.
import { sql } from 'kysely';
import { days, indicatorConfig } from './config.ts';
import { num, plural } from './format.ts';
import { detailFields } from './detail.ts';
import type { IndicatorDefinition } from './types.ts';

const configSchema = indicatorConfig(
  'higher',
  { warning: 1, critical: 3, unit: 'contacts' },
  { recentDays: days(30, 'Window: the last N days up to and including the as-of day.') },
);

const detail = detailFields({ recentDays: 'number', contacts: 'number', highPriority: 'number', lowSatisfaction: 'number' });

export const supportEscalations = {
  id: 'supportEscalations',
  title: 'Support escalations',
  description:
    'Support contacts opened in the window that were high or urgent priority, or rated 1–2 of 5 (a rating counts only once the contact was closed by the as-of day, ' +
    'as ratings arrive at closing). Escalations and unhappy ratings are the loud form of dissatisfaction that precedes a cancellation.',
  unit: 'count',
  riskDirection: 'higher',
  configSchema,
  detail,
  support: {
    lookbackDays: (config) => config.recentDays,
    aggregates: ({ config, startOfDayMinus, knownBefore }) => {
      const inWindow = sql`opened_at >= ${startOfDayMinus(config.recentDays - 1)}`;
      const high = sql`priority IN ('high', 'urgent')`;
      const low = sql`satisfaction <= 2 AND closed_at < ${knownBefore}`;
      return {
        se_contacts: sql`count(*) FILTER (WHERE ${inWindow})`,
        se_high_priority: sql`count(*) FILTER (WHERE ${inWindow} AND ${high})`,
        se_low_satisfaction: sql`count(*) FILTER (WHERE ${inWindow} AND ${low})`,
        se_escalations: sql`count(*) FILTER (WHERE ${inWindow} AND (${high} OR (${low})))`,
      };
    },
  },
  sql: ({ config }) => sql`
    SELECT s.account_id,
           coalesce(c.se_escalations, 0)::float8 AS value,
           ${detail.pack({
             recentDays: sql`${config.recentDays}::int`, contacts: sql`coalesce(c.se_contacts, 0)`,
             highPriority: sql`coalesce(c.se_high_priority, 0)`, lowSatisfaction: sql`coalesce(c.se_low_satisfaction, 0)`,
           })} AS detail_values
    FROM scope s LEFT JOIN support_stats c USING (account_id)`,
  explain: (value, detail, config) =>
    `${plural(value, 'escalation')} among ${plural(num(detail, 'contacts'), 'contact')} in the last ${config.recentDays} days ` +
    `(${num(detail, 'highPriority')} high/urgent priority, ${num(detail, 'lowSatisfaction')} rated 1–2)`,
} as const satisfies IndicatorDefinition<typeof configSchema>;
