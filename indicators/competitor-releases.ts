// Competitor releases: launches and feature releases aimed at the account's market.
import { sql } from 'kysely';
import { days, indicatorConfig } from './config.ts';
import { plural } from './format.ts';
import { detailFields } from './detail.ts';
import type { IndicatorDefinition } from './types.ts';

const configSchema = indicatorConfig(
  'higher',
  { warning: 1, critical: 3, unit: 'market events' },
  { windowDays: days(90, 'Events dated in the last N days up to and including the as-of day.') },
);

const detail = detailFields({ windowDays: 'number', events: 'number', latest: 'date' }, { extras: ['competitors'] });

export const competitorReleases = {
  id: 'competitorReleases',
  title: 'Competitor releases',
  description:
    'Competitor market events of kind launch or feature dated in the window that touch the account: an event\'s segment, when set, must equal the account\'s segment, ' +
    'and its industry, when set, the account\'s industry; an event with neither is the whole market. ' +
    'A fresh alternative around renewal time gives the buyer a reason to shop around.',
  unit: 'count',
  riskDirection: 'higher',
  configSchema,
  detail,
  // Which events touch an account depends only on its (segment, industry): match the few distinct pairs
  // in scope, then hand each account its pair's result.
  sql: ({ config, d, dayMinus }) => sql`
    SELECT s.account_id, coalesce(c.events, 0)::float8 AS value,
           ${detail.pack({ windowDays: sql`${config.windowDays}::int`, events: sql`coalesce(c.events, 0)`, latest: sql`c.latest` })} AS detail_values,
           coalesce(c.extras, '{"competitors": []}'::jsonb) AS detail_extras
    FROM scope s
    LEFT JOIN (
      SELECT k.segment, k.industry, count(*) AS events, jsonb_build_object('competitors', jsonb_agg(DISTINCT m.competitor)) AS extras, max(m.event_date) AS latest
      FROM (SELECT DISTINCT segment, industry FROM scope) k
      JOIN market_events m
        ON m.kind IN ('launch', 'feature') AND m.event_date > ${dayMinus(config.windowDays)} AND m.event_date <= ${d}
       AND (m.segment IS NULL OR m.segment = k.segment) AND (m.industry IS NULL OR m.industry = k.industry)
      GROUP BY k.segment, k.industry
    ) c ON c.segment = s.segment AND c.industry IS NOT DISTINCT FROM s.industry`,
  explain: (value, detail, config) => {
    if (value === null || value === 0) return `no competitor launches or features touching this account in the last ${config.windowDays} days`;
    const names = Array.isArray(detail.competitors) ? detail.competitors.join(', ') : '';
    return `${plural(value, 'competitor launch or feature', 'competitor launches or features')} in the last ${config.windowDays} days (${names}; latest ${String(detail.latest)})`;
  },
} as const satisfies IndicatorDefinition<typeof configSchema>;
