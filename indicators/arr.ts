// ARR as of D: the contract value in force, derived from renewal history rather than current state.
import { sql } from 'kysely';
import { indicatorConfig } from './config.ts';
import { money } from './format.ts';
import { detailFields } from './detail.ts';
import type { IndicatorDefinition } from './types.ts';

const configSchema = indicatorConfig('lower', { warning: null, critical: null, unit: 'cents' }, {});

const SOURCES: Record<string, string> = {
  decided: 'the latest renewal decided by this day',
  contract: 'the contract in force (ARR before the next renewal, else the account record)',
};

const detail = detailFields({ source: ['contract', 'decided'] });

export const arr = {
  id: 'arr',
  title: 'ARR',
  description:
    'Annual recurring revenue in cents as of the as-of day: ARR after the latest renewal decided by then (unless a churn the account has come back from); else ARR before the earliest renewal after it (the contract in force); ' +
    'else the account\'s ARR. The stake at risk, and a size effect: small contracts churn more often. Not flagged by default (thresholds null).',
  unit: 'cents',
  riskDirection: 'lower',
  configSchema,
  detail,
  sql: () => sql`SELECT account_id, arr_cents::float8 AS value, ${detail.pack({ source: sql`arr_source` })} AS detail_values FROM scope`,
  explain: (value, detail) => `${money(value)} per year, from ${SOURCES[String(detail.source)] ?? String(detail.source)}`,
} as const satisfies IndicatorDefinition<typeof configSchema>;
