// The loader's compiled validator and the zod reference schema must agree on every row.
import { describe, expect, it } from 'vitest';
import { ENTITIES } from '../../config/sources.ts';
import { createRowValidator, entitySpecs, rowSchema, type MappedRow } from './entities.ts';

const settings = { dateFormat: 'iso', timezone: 'UTC', money: 'decimal' } as const;

const samples: Record<string, MappedRow[]> = {
  accounts: [
    { account_id: 'a-1', name: 'Acme', arr_cents: '1200.50', contract_start: '2024-01-01', renewal_date: '2025-01-01' },
    { account_id: 'a-2', name: 'Bad', arr_cents: '-1', contract_start: '2024-01-01', renewal_date: '2023-01-01', status: 'gone' },
    { account_id: '', name: '', arr_cents: '', contract_start: '', renewal_date: '' },
  ],
  usage_daily: [
    { account_id: 'a-1', day: '2024-02-29', active_users: '3', events: '10' },
    { account_id: 'a-1', day: '2023-02-29', active_users: '-3', events: 'x' },
  ],
  support_contacts: [
    { external_id: 't', account_id: 'a', opened_at: '2025-01-01T10:00:00Z', closed_at: '2025-01-01T09:00:00Z', priority: 'URGENT', satisfaction: '5' },
    { external_id: 't', account_id: 'a', opened_at: '2025-01-01T10:00:00Z', channel: 'pigeon', satisfaction: '9' },
  ],
  invoices: [
    { external_id: 'i', account_id: 'a', issued_on: '2025-01-01', due_on: '2025-01-31', amount_cents: '10.00', status: 'paid', paid_at: '2025-01-31T00:00:00Z' },
    { external_id: 'i', account_id: 'a', issued_on: '2025-02-01', due_on: '2025-01-31', amount_cents: '10.00', status: 'paid' },
  ],
  subscriptions: [
    { account_id: 'a', subscription_id: 's', period_start: '2025-01-01', period_end: '2025-02-01', interval: 'Month', amount_cents: '10.00', cancel_at_period_end: 'TRUE' },
    { account_id: '', subscription_id: 's', period_start: '2025-02-01', period_end: '2025-01-01', interval: 'fortnight', amount_cents: '-1', cancel_at_period_end: 'maybe' },
  ],
  renewals: [
    { account_id: 'a', renewal_date: '2025-01-01', outcome: 'churned', arr_before_cents: '100', arr_after_cents: '0', decided_at: '2024-12-01T00:00:00Z' },
    { account_id: 'a', renewal_date: '2025-01-01', outcome: 'expanded', arr_before_cents: '100', arr_after_cents: '50', decided_at: '2024-12-01T00:00:00Z' },
  ],
  usage_events: [
    { account_id: 'a', timestamp: '2025-01-01T23:59:59Z', event: 'Report Created', user_id: 'u1' },
    { account_id: 'a', timestamp: '2025-01-01T23:30:00-02:00', event: 'Seat Removed', count: '2.5' },
    { account_id: '', timestamp: 'yesterday', event: 'x', count: '-1' },
  ],
  usage_metrics: [{ account_id: 'a', day: '2025-01-01' }, { account_id: 'a', day: '' }],
  account_signals: [
    { account_id: 'a', observed_at: '2025-03-01T10:00:00Z', name: 'NPS Score', value: '-3.5' },
    { account_id: 'a', observed_at: '2025-03-01', name: '--', value: 'Promoter' },
  ],
  market_events: [
    { event_date: '2025-01-01', competitor: 'Rival', kind: 'Price Cut', segment: 'smb' },
    { event_date: '2025-01-01', competitor: 'Rival', kind: 'rumour' },
  ],
};

describe('row validation', () => {
  for (const entity of ENTITIES) {
    it(`agrees with the zod reference schema for ${entity}`, () => {
      const spec = entitySpecs[entity];
      const compiled = createRowValidator(spec, settings);
      const schema = rowSchema(spec, settings);
      for (const row of samples[entity]!) {
        const reference = schema.safeParse(row);
        const fast = compiled(row);
        if (reference.success) expect(fast).toEqual({ ok: true, row: reference.data });
        else expect(fast).toEqual({ ok: false, reason: reference.error.issues.map((issue) => issue.message).join('; ') });
      }
    });
  }

  it('gives reasons a person can act on', () => {
    const validate = createRowValidator(entitySpecs.accounts, settings);
    expect(validate(samples.accounts![1]!)).toEqual({ ok: false, reason: 'arr_cents "-1" is a negative amount; status "gone" is not one of active, churned, inactive (map it under the source\'s values)' });
    expect(validate(samples.accounts![2]!)).toEqual({ ok: false, reason: 'account_id is missing; name is missing; arr_cents is missing; contract_start is missing; renewal_date is missing' });
    expect(createRowValidator(entitySpecs.renewals, settings)(samples.renewals![1]!)).toEqual({ ok: false, reason: 'outcome expanded needs arr_after above arr_before (5000 ≤ 10000 cents)' });
    expect(createRowValidator(entitySpecs.market_events, settings)(samples.market_events![0]!)).toMatchObject({ ok: true, row: { kind: 'price_cut', industry: null } });
    const event = createRowValidator(entitySpecs.usage_events, settings);
    // An event's day is its timestamp's date in the source's zone (UTC here): 23:30 at -02:00 is 01:30 on the 2nd.
    expect(event(samples.usage_events![0]!)).toEqual({ ok: true, row: { account_id: 'a', day: '2025-01-01', event: 'Report Created', user_id: 'u1', value: 1 } });
    expect(event(samples.usage_events![1]!)).toMatchObject({ ok: true, row: { day: '2025-01-02', value: 2.5 } });
    expect(event(samples.usage_events![2]!)).toEqual({ ok: false, reason: 'account_id is missing; timestamp "yesterday" is not a timestamp (expected ISO 8601, e.g. 2026-01-31T14:05:00Z); count -1 is negative' });
    const signal = createRowValidator(entitySpecs.account_signals, settings);
    expect(signal(samples.account_signals![0]!)).toMatchObject({ ok: true, row: { name: 'nps_score', value: -3.5 } });
    expect(signal(samples.account_signals![1]!)).toEqual({ ok: false, reason: 'name "--" has no letters or digits to name a signal; value "Promoter" is not a number (map text answers under the source\'s values.value)' });
  });
});
