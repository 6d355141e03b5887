// The stripe-subscriptions preset through the whole loader, against a local server shaped like Stripe's
// GET /v1/subscriptions: paging with starting_after/has_more, a 429 with Retry-After, a connection dropped
// mid-body; periods accumulate across loads and the renewals follow (issue 15).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sourceSchema } from '../config/sources.ts';
import { ingestSource } from '../pipelines/ingest/run.ts';
import { silentLogger } from '../pipelines/log.ts';
import { sendHalfThenDrop, sendJson, startServer, stripeList, type TestServer } from '../pipelines/http/test-servers.ts';
import { describeEachBackend } from './support/database.ts';

const JAN_1 = Date.UTC(2026, 0, 1) / 1000;
const FEB_1 = Date.UTC(2026, 1, 1) / 1000;
const MAR_1 = Date.UTC(2026, 2, 1) / 1000;
const COUNT = 120;

interface Item {
  readonly price: { readonly unit_amount: number | null; readonly currency: string; readonly recurring: { readonly interval: string; readonly interval_count: number } };
  readonly quantity: number;
  readonly current_period_start?: number;
  readonly current_period_end?: number;
}

const item = (unitAmount: number, quantity: number, extra: Partial<Item> = {}): Item => ({
  price: { unit_amount: unitAmount, currency: 'usd', recurring: { interval: 'month', interval_count: 1 } },
  quantity,
  ...extra,
});

/**
 * Subscription i (customer cus_i) as Stripe lists it in January or in February: $10 a seat, i % 3 + 1
 * seats. In February subscriptions 1–10 have been cancelled at the end of January (Stripe keeps their last
 * period and sets ended_at), 11–20 have one seat more, the rest renewed as they were.
 */
function subscription(i: number, month: 'jan' | 'feb') {
  const seats = (i % 3) + 1;
  const cancelled = month === 'feb' && i <= 10;
  const [start, end] = month === 'jan' || cancelled ? [JAN_1, FEB_1] : [FEB_1, MAR_1];
  return {
    id: `sub_${String(i).padStart(4, '0')}`,
    object: 'subscription',
    customer: `cus_${i}`,
    created: JAN_1 - i * 60,
    currency: 'usd',
    status: cancelled ? 'canceled' : 'active',
    current_period_start: start,
    current_period_end: end,
    cancel_at_period_end: false,
    canceled_at: cancelled ? FEB_1 - 86_400 : null,
    ended_at: cancelled ? FEB_1 : null,
    items: { object: 'list', data: [item(1000, month === 'feb' && i > 10 && i <= 20 ? seats + 1 : seats)] },
  };
}

/** Two items ($10 × 2 + $5 × 1), and the newer API shape with the period on the items only. */
const MULTI_ITEM = {
  id: 'sub_multi',
  object: 'subscription',
  customer: 'cus_multi',
  created: JAN_1 - 86_400,
  currency: 'eur',
  status: 'active',
  cancel_at_period_end: false,
  canceled_at: null,
  ended_at: null,
  items: { object: 'list', data: [item(1000, 2, { current_period_start: JAN_1, current_period_end: FEB_1 }), item(500, 1, { current_period_start: JAN_1, current_period_end: FEB_1 })] },
};

let server: TestServer;
let month: 'jan' | 'feb' = 'jan';
let faults: Array<'429' | 'drop'> = [];

beforeAll(async () => {
  server = await startServer((req, res, url) => {
    if (req.headers.authorization !== 'Bearer sk_test_subs') return sendJson(res, { error: { message: 'bad key' } }, 401);
    const list = [...Array.from({ length: COUNT }, (_, index) => subscription(index + 1, month)), MULTI_ITEM];
    const fault = url.searchParams.has('starting_after') ? faults.shift() : undefined;
    if (fault === '429') return sendJson(res, { error: { message: 'Too many requests' } }, 429, { 'retry-after': '1' });
    if (fault === 'drop') return sendHalfThenDrop(res, stripeList(list, url));
    sendJson(res, stripeList(list, url));
  });
});
afterAll(async () => server.close());

describeEachBackend('stripe-subscriptions over HTTP', (context) => {
  const source = () => sourceSchema.parse({ kind: 'http', preset: 'stripe-subscriptions', url: `${server.origin}/v1/subscriptions`, auth: { env: 'STRIPE_KEY' } });
  const waits: number[] = [];
  const options = (now: string) => ({
    logger: silentLogger,
    baseDir: '.',
    now: new Date(now),
    secret: (name: string) => (name === 'STRIPE_KEY' ? 'sk_test_subs' : undefined),
    sleep: async (ms: number) => {
      waits.push(ms);
    },
  });

  it('pages the whole list (status=all), through a 429 and a dropped connection, storing each current period', async () => {
    const { db } = context();
    await db
      .insertInto('accounts')
      .values(['multi', ...Array.from({ length: COUNT }, (_, i) => String(i + 1))].map((id) => ({ external_id: `cus_${id}`, name: `Customer ${id}`, arr_cents: 1, contract_start: '2025-01-01', renewal_date: '2026-12-31' })))
      .execute();
    month = 'jan';
    faults = ['429', 'drop'];
    const requestsBefore = server.requests.length;
    const summary = await ingestSource(db, { name: 'stripe-subs', source: source() }, options('2026-01-15T00:00:00Z'));
    expect(summary).toMatchObject({ status: 'succeeded', entity: 'subscriptions', read: COUNT + 1, inserted: COUNT + 1, rejected: 0 });
    // Nothing has ended yet: no renewals.
    expect(summary.detail?.derivedRenewals).toMatchObject({ derived: 0, inserted: 0 });
    expect(waits[0]).toBe(1000);
    expect(waits).toHaveLength(2);
    const requests = server.requests.slice(requestsBefore).map((r) => [r.url.searchParams.get('status'), r.url.searchParams.get('limit'), r.url.searchParams.get('starting_after')]);
    // Newest first: sub_multi (created a day earlier than all) is last; page 2 starts after sub_0100.
    expect(requests).toEqual([
      ['all', '100', null],
      ['all', '100', 'sub_0100'],
      ['all', '100', 'sub_0100'],
      ['all', '100', 'sub_0100'],
    ]);
    const multi = await db
      .selectFrom('subscription_periods')
      .select(['period_start', 'period_end', 'billing_interval', 'amount_cents', 'quantity', 'currency'])
      .where('subscription_id', '=', 'sub_multi')
      .executeTakeFirstOrThrow();
    expect(multi).toEqual({ period_start: '2026-01-01', period_end: '2026-02-01', billing_interval: 'month', amount_cents: 2500, quantity: 1, currency: 'EUR' });
    const seven = await db.selectFrom('accounts').select(['arr_cents', 'renewal_date', 'status']).where('external_id', '=', 'cus_7').executeTakeFirstOrThrow();
    // 7 % 3 + 1 = 2 seats × $10 × 12 = $240.
    expect(seven).toEqual({ arr_cents: 24_000, renewal_date: '2026-02-01', status: 'active' });
  });

  it('accumulates the next periods a month later and derives churned, expanded and renewed outcomes', async () => {
    const { db } = context();
    month = 'feb';
    faults = [];
    const summary = await ingestSource(db, { name: 'stripe-subs', source: source() }, options('2026-02-10T00:00:00Z'));
    // 110 new February periods; the 10 cancelled subscriptions update their January period.
    expect(summary).toMatchObject({ status: 'succeeded', inserted: COUNT - 10, updated: 10, unchanged: 1 });
    // sub_multi's January period ended 9 days ago with nothing after it: churned after the 3-day grace.
    expect(summary.detail?.derivedRenewals).toMatchObject({ derived: COUNT + 1, inserted: COUNT + 1 });
    const outcomes = await db.selectFrom('renewals').select(['outcome']).select((eb) => eb.fn.countAll().as('n')).groupBy('outcome').orderBy('outcome').execute();
    expect(outcomes.map((row) => [row.outcome, Number(row.n)])).toEqual([
      ['churned', 11],
      ['expanded', 10],
      ['renewed', 100],
    ]);
    const cancelled = await db
      .selectFrom('renewals')
      .innerJoin('accounts', 'accounts.account_id', 'renewals.account_id')
      .select(['renewals.renewal_date', 'arr_before_cents', 'arr_after_cents', 'decided_at', 'accounts.status'])
      .where('external_id', '=', 'cus_4')
      .executeTakeFirstOrThrow();
    // cus_4: 2 seats, cancelled on 31 January.
    expect(cancelled).toEqual({ renewal_date: '2026-02-01', arr_before_cents: 24_000, arr_after_cents: 0, decided_at: new Date((FEB_1 - 86_400) * 1000), status: 'churned' });
  });
});
