// HTTP sources through the whole loader: a Stripe-shaped API pages to the end (surviving a 429),
// rows and watermark commit together, and the next run fetches only newer invoices.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sourceSchema } from '../config/sources.ts';
import { ingestSource } from '../pipelines/ingest/run.ts';
import { silentLogger } from '../pipelines/log.ts';
import { makeInvoices, sendJson, startServer, stripeList, type StripeInvoice, type TestServer } from '../pipelines/http/test-servers.ts';
import { describeEachBackend } from './support/database.ts';

let server: TestServer;
let invoices: StripeInvoice[] = makeInvoices(1, 120);
let requests = 0;

beforeAll(async () => {
  server = await startServer((req, res, url) => {
    requests += 1;
    if (req.headers.authorization !== 'Bearer sk_test_ingest') return sendJson(res, { error: { message: 'bad key' } }, 401);
    // The second request of every run is rate limited once.
    if (requests === 2) return sendJson(res, { error: { message: 'slow down' } }, 429, { 'Retry-After': '1' });
    sendJson(res, stripeList(invoices, url));
  });
});
afterAll(async () => server.close());

describeEachBackend('ingest over HTTP', (context) => {
  it('pages a Stripe-shaped API to the end, then resumes from the stored watermark', async () => {
    const { db } = context();
    await db
      .insertInto('accounts')
      .values(Array.from({ length: 17 }, (_, i) => ({ external_id: `cus_${i}`, name: `Customer ${i}`, arr_cents: 100_000, contract_start: '2023-01-01', renewal_date: '2027-01-01' })))
      .execute();
    requests = 0;
    invoices = makeInvoices(1, 120);
    const source = sourceSchema.parse({ kind: 'http', preset: 'stripe-invoices', url: `${server.origin}/v1/invoices`, auth: { env: 'STRIPE_KEY' } });
    const waits: number[] = [];
    const options = {
      logger: silentLogger,
      baseDir: '.',
      secret: (name: string) => (name === 'STRIPE_KEY' ? 'sk_test_ingest' : undefined),
      sleep: async (ms: number) => {
        waits.push(ms);
      },
    };
    const first = await ingestSource(db, { name: 'stripe', source }, options);
    expect(first).toMatchObject({ status: 'succeeded', entity: 'invoices', read: 120, inserted: 120, rejected: 0 });
    expect(waits).toEqual([1000]);
    const watermark = await db.selectFrom('source_watermarks').select('cursor').where('source', '=', 'stripe').executeTakeFirstOrThrow();
    expect(watermark.cursor).toBe(String(invoices.at(-1)!.created));

    // Invoice 3 is paid an hour after creation (every third is paid); 5 is auto-charged: due on creation.
    const paid = await db.selectFrom('invoices').select(['status', 'paid_at', 'amount_cents', 'currency']).where('external_id', '=', 'in_0003').executeTakeFirstOrThrow();
    expect(paid).toEqual({ status: 'paid', paid_at: new Date((invoices[2]!.created + 3600) * 1000), amount_cents: 1003, currency: 'USD' });
    const auto = await db.selectFrom('invoices').select(['issued_on', 'due_on']).where('external_id', '=', 'in_0005').executeTakeFirstOrThrow();
    expect(auto.due_on).toBe(auto.issued_on);

    invoices = makeInvoices(1, 130);
    const second = await ingestSource(db, { name: 'stripe', source }, options);
    expect(second).toMatchObject({ status: 'succeeded', read: 10, inserted: 10, updated: 0 });
    const total = await db.selectFrom('invoices').select(db.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(Number(total.n)).toBe(130);
  });
});
