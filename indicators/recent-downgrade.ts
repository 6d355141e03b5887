// Recent downgrade: a renewal decided as a downgrade shortly before D.
import { sql } from 'kysely';
import { days, indicatorConfig } from './config.ts';
import { money } from './format.ts';
import { detailFields } from './detail.ts';
import type { IndicatorDefinition } from './types.ts';

const configSchema = indicatorConfig(
  'higher',
  { warning: 1, critical: null, unit: '1 = downgraded' },
  { windowDays: days(365, 'Renewals decided in the last N days up to and including the as-of day.') },
);

const detail = detailFields({ windowDays: 'number', renewalDate: 'date', arrBeforeCents: 'number', arrAfterCents: 'number', decidedAt: 'timestamp' });

export const recentDowngrade = {
  id: 'recentDowngrade',
  title: 'Recent downgrade',
  description:
    '1 when a renewal decided (decided_at) within the window was a downgrade, else 0. A customer who shrank once is testing how much it can do without.',
  unit: 'boolean',
  riskDirection: 'higher',
  configSchema,
  detail,
  sql: ({ config, startOfDayMinus, knownBefore }) => sql`
    SELECT s.account_id, CASE WHEN r.renewal_date IS NULL THEN 0 ELSE 1 END::float8 AS value,
           ${detail.pack({
             windowDays: sql`${config.windowDays}::int`, renewalDate: sql`r.renewal_date`,
             arrBeforeCents: sql`r.arr_before_cents`, arrAfterCents: sql`r.arr_after_cents`, decidedAt: sql`r.decided_at`,
           })} AS detail_values
    FROM scope s
    LEFT JOIN LATERAL (
      SELECT renewal_date, arr_before_cents, arr_after_cents, decided_at FROM renewals
      WHERE account_id = s.account_id AND outcome = 'downgraded'
        AND decided_at >= ${startOfDayMinus(config.windowDays - 1)} AND decided_at < ${knownBefore}
      ORDER BY decided_at DESC, renewal_date DESC LIMIT 1 -- the later renewal breaks a tie, so every run picks the same one
    ) r ON true`,
  explain: (value, detail, config) => {
    if (value !== 1) return `no downgrade decided in the last ${config.windowDays} days`;
    return `downgraded at the ${String(detail.renewalDate)} renewal: ${money(typeof detail.arrBeforeCents === 'number' ? detail.arrBeforeCents : null)} → ${money(typeof detail.arrAfterCents === 'number' ? detail.arrAfterCents : null)}`;
  },
} as const satisfies IndicatorDefinition<typeof configSchema>;
