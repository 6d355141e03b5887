// Presets: default mappings, user overrides, and the computed fields.
import { describe, expect, it } from 'vitest';
import { httpSourceSchema } from '../../config/sources.ts';
import { RadarError } from '../errors.ts';
import { pagingFor, stripePaging, zendeskPaging } from './paging.ts';
import { mergeWithPreset, presetDefaults } from './presets.ts';

const parse = (config: Record<string, unknown>) => httpSourceSchema.parse({ kind: 'http', url: 'https://api.example.com/v1/invoices', ...config });

describe('presetDefaults', () => {
  it('stripe-invoices maps every invoice field from a Stripe invoice', () => {
    const stripe = presetDefaults('stripe-invoices');
    expect(stripe.entity).toBe('invoices');
    expect(Object.keys(stripe.mapping).sort()).toEqual(
      ['account_id', 'amount_cents', 'currency', 'due_on', 'external_id', 'failed_attempts', 'issued_on', 'paid_at', 'status'].sort(),
    );
    expect(stripe.dateFormat).toBe('epoch-seconds');
    expect(stripe.values.status).toEqual({ draft: 'open' });
  });

  it('stripe transform falls back to created for a missing due date and upper-cases the currency', () => {
    const transform = presetDefaults('stripe-invoices').transform;
    expect(transform?.({ id: 'in_1', created: 10, due_date: null, currency: 'eur' })).toEqual({
      id: 'in_1',
      created: 10,
      due_date: null,
      currency: 'eur',
      _radar: { due_on: 10, currency: 'EUR' },
    });
    expect(transform?.({ created: 10, due_date: 99, currency: 'usd' })).toMatchObject({ _radar: { due_on: 99 } });
    expect(transform?.('not an object')).toBe('not an object');
  });

  it('zendesk-tickets maps satisfaction and channels onto our vocabulary', () => {
    const zendesk = presetDefaults('zendesk-tickets');
    expect(zendesk.entity).toBe('support_contacts');
    expect(zendesk.values.satisfaction).toEqual({ good: '5', bad: '1', offered: '', unoffered: '' });
    const ours = new Set(['email', 'chat', 'phone', 'web', 'social', 'other']);
    expect(Object.values(zendesk.values.channel ?? {}).every((value) => ours.has(value))).toBe(true);
    expect(zendesk.values.channel).toMatchObject({ web: 'web', email: 'email', chat: 'chat', voice: 'phone', api: 'other' });
    expect(zendesk.transform?.({ status: 'solved', updated_at: 'T2' })).toMatchObject({ _radar: { closed_at: 'T2' } });
    expect(zendesk.transform?.({ status: 'pending', updated_at: 'T2' })).toMatchObject({ _radar: { closed_at: null } });
  });

  it('generic has no mapping, no entity and no transform', () => {
    expect(presetDefaults('generic')).toEqual({ entity: undefined, mapping: {}, values: {}, dateFormat: 'iso', money: 'cents' });
  });
});

describe('mergeWithPreset', () => {
  it('lets user mapping and value entries override the preset’s, keeping the rest', () => {
    const merged = mergeWithPreset(
      parse({ preset: 'stripe-invoices', entity: 'invoices', mapping: { amount_cents: 'total' }, values: { status: { void: 'paid' }, currency: { usd: 'USD' } } }),
    );
    expect(merged.mapping.amount_cents).toBe('total');
    expect(merged.mapping.external_id).toBe('id');
    expect(merged.values.status).toEqual({ draft: 'open', void: 'paid' });
    expect(merged.values.currency).toEqual({ usd: 'USD' });
    expect(merged.dateFormat).toBe('epoch-seconds');
    expect(merged.money).toBe('cents');
    expect(merged.entity).toBe('invoices');
  });

  it('keeps a user value map entry over the preset’s for the same source value', () => {
    const merged = mergeWithPreset(parse({ preset: 'zendesk-tickets', entity: 'support_contacts', values: { channel: { api: 'web' } } }));
    expect(merged.values.channel?.api).toBe('web');
    expect(merged.values.channel?.voice).toBe('phone');
  });

  it('takes a non-default dateFormat or money from the user', () => {
    const merged = mergeWithPreset(parse({ preset: 'stripe-invoices', entity: 'invoices', dateFormat: 'epoch-millis', money: 'decimal' }));
    expect(merged.dateFormat).toBe('epoch-millis');
    expect(merged.money).toBe('decimal');
  });

  it('fills the entity from the preset and rejects a contradicting one', () => {
    expect(mergeWithPreset({ preset: 'zendesk-tickets', mapping: {}, values: {} }).entity).toBe('support_contacts');
    const error = (() => {
      try {
        return mergeWithPreset(parse({ preset: 'stripe-invoices', entity: 'accounts' }));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(RadarError);
    expect((error as RadarError).code).toBe('config_invalid');
    expect((error as Error).message).toMatch(/stripe-invoices feeds invoices/);
    expect(() => mergeWithPreset({ preset: 'generic', mapping: {}, values: {} })).toThrow(/needs an entity/);
  });
});

describe('first page URLs', () => {
  it('stripe: limit 100, created[gt] from the watermark minus the lookback', () => {
    expect(stripePaging('https://api.stripe.com/v1/invoices', undefined, 0).firstUrl).toBe('https://api.stripe.com/v1/invoices?limit=100');
    expect(stripePaging('https://api.stripe.com/v1/invoices?limit=20', '1700000000', 3600).firstUrl).toBe(
      'https://api.stripe.com/v1/invoices?limit=20&created%5Bgt%5D=1699996400',
    );
    expect(() => stripePaging('https://api.stripe.com/v1/invoices', 'c12', 0)).toThrow(/not unix seconds/);
  });

  it('zendesk: start_time (configured or 0) without a watermark, cursor with one', () => {
    const url = 'https://acme.zendesk.com/api/v2/incremental/tickets/cursor.json';
    expect(zendeskPaging(url, undefined).firstUrl).toBe(`${url}?start_time=0`);
    expect(zendeskPaging(`${url}?start_time=1700000000`, undefined).firstUrl).toBe(`${url}?start_time=1700000000`);
    expect(zendeskPaging(`${url}?start_time=1700000000&per_page=500`, 'MTU3NjYxMzUzOS4wfHw0NTF8').firstUrl).toBe(`${url}?per_page=500&cursor=MTU3NjYxMzUzOS4wfHw0NTF8`);
  });

  it('generic: the watermark parameter only when a watermark is stored', () => {
    const source = parse({ entity: 'accounts', url: 'https://crm.example.com/accounts', watermark: { param: 'updated_since', field: 'updated_at' } });
    expect(pagingFor(source, undefined).firstUrl).toBe('https://crm.example.com/accounts');
    expect(pagingFor(source, '2026-01-01T00:00:00Z').firstUrl).toBe('https://crm.example.com/accounts?updated_since=2026-01-01T00%3A00%3A00Z');
  });
});
