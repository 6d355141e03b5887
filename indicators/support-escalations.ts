// Support escalations: urgent/high-priority contacts and poorly rated ones in the window.
import { sql } from 'kysely';
import { days, indicatorConfig } from './config.ts';
import { num, plural } from './format.ts';
import type { IndicatorDefinition } from './types.ts';

const configSchema = indicatorConfig(
  'higher',
  { warning: 1, critical: 3, unit: 'contacts' },
  { recentDays: days(30, 'Window: the last N days up to and including the as-of day.') },
);

export const supportEscalations = {
  id: 'supportEscalations',
  title: 'Support escalations',
  description:
    'Support contacts opened in the window that were high or urgent priority, or rated 1–2 of 5 (a rating counts only once the contact was closed by the as-of day, ' +
    'as ratings arrive at closing). Escalations and unhappy ratings are the loud form of dissatisfaction that precedes a cancellation.',
  unit: 'count',
  riskDirection: 'higher',
  configSchema,
  sql: ({ config, startOfDayMinus, knownBefore }) => sql`
    SELECT s.account_id,
           coalesce(c.escalations, 0)::float8 AS value,
           jsonb_build_object('recentDays', ${config.recentDays}::int, 'contacts', coalesce(c.contacts, 0),
                              'highPriority', coalesce(c.high_priority, 0), 'lowSatisfaction', coalesce(c.low_satisfaction, 0)) AS detail
    FROM scope s
    LEFT JOIN (
      SELECT t.account_id,
             count(*) AS contacts,
             count(*) FILTER (WHERE t.priority IN ('high', 'urgent')) AS high_priority,
             count(*) FILTER (WHERE t.satisfaction <= 2 AND t.closed_at < ${knownBefore}) AS low_satisfaction,
             count(*) FILTER (WHERE t.priority IN ('high', 'urgent') OR (t.satisfaction <= 2 AND t.closed_at < ${knownBefore})) AS escalations
      FROM support_contacts t
      WHERE t.account_id IN (SELECT account_id FROM scope)
        AND t.opened_at >= ${startOfDayMinus(config.recentDays - 1)} AND t.opened_at < ${knownBefore}
      GROUP BY t.account_id
    ) c USING (account_id)`,
  explain: (value, detail, config) =>
    `${plural(value, 'escalation')} among ${plural(num(detail, 'contacts'), 'contact')} in the last ${config.recentDays} days ` +
    `(${num(detail, 'highPriority')} high/urgent priority, ${num(detail, 'lowSatisfaction')} rated 1–2)`,
} as const satisfies IndicatorDefinition<typeof configSchema>;
