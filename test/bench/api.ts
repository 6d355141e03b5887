// npm run bench:api — the REST API under load: requests/s and p99 latency of the account list page and
// of one account's page, served by the real `radar serve` handler on 127.0.0.1 against 10,000 scored
// accounts on the Postgres server, each beside the physical limit measured in the same run: a bare
// SELECT of the same rows through `pg` at the same concurrency (no HTTP, no validation, no JSON).
// The load generator is autocannon (the Node.js HTTP benchmarking library: keep-alive connections,
// HDR-histogram latencies) in its own worker thread, so it does not share the server's event loop.
// Then `radar export scores` of every account, beside one bare SELECT of the same rows.
//   BENCH_ACCOUNTS (10000), BENCH_CONNECTIONS (10), BENCH_SECONDS (10 per measurement)
import { Writable } from 'node:stream';
import autocannon from 'autocannon';
import pg from 'pg';
import { sql, type Kysely } from 'kysely';
import { createRenderer } from '../../alerts/render.ts';
import { startServer } from '../../alerts/serve/server.ts';
import { createApiHandler } from '../../pipelines/api/handler.ts';
import { scoreExportLines } from '../../pipelines/export/scores.ts';
import { encodeCursor } from '../../pipelines/api/routes.ts';
import { createToken } from '../../pipelines/api/tokens.ts';
import { createLogger } from '../../pipelines/log.ts';
import { parseConfig } from '../../config/load.ts';
import type { DB } from '../../sql/schema.ts';
import { BENCH_DATABASE_URL, freshServerSchema, printTable } from './support.ts';

const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 10_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const PAGE = 50;
const AS_OF = '2026-01-14';

const INDICATORS = ['usageDecline', 'paymentDelay', 'supportChange', 'seatUtilisation'];

/** 10k accounts, two scores each (the later one after AS_OF, so asOf has to choose), four indicator values on the scored day. */
async function seed(db: Kysely<DB>): Promise<void> {
  await sql`
    INSERT INTO models (version, engine, features, coefficients, intercept, scaling, lead_days, training_from, training_to, class_balance, metrics, config_hash, is_promoted)
    VALUES ('bench-1', 'irls', '[]', '{}', 0, '{}', 90, '2024-01-01', '2025-06-30', '{}', '{}', 'bench', true)`.execute(db);
  await sql`
    INSERT INTO accounts (external_id, name, segment, arr_cents, csm_email, contract_start, renewal_date)
    SELECT 'ACC-' || lpad(i::text, 6, '0'), 'Account ' || i, (ARRAY['smb', 'mid-market', 'enterprise'])[1 + i % 3], 1000000 + i * 37,
           'csm' || (i % 40) || '@vendor.example', '2024-01-01', DATE '2026-02-01' + (i % 300)
    FROM generate_series(1, ${ACCOUNTS}) AS i`.execute(db);
  const drivers = JSON.stringify([
    { indicator: 'usageDecline', contribution: 0.9, sentence: 'Active users fell 45% over the last 30 days' },
    { indicator: 'paymentDelay', contribution: 0.4, sentence: 'The latest invoice is 21 days overdue' },
  ]);
  for (const [day, shift] of [['2026-01-10', 0.0], ['2026-01-14', 0.1], ['2026-01-20', 0.2]] as const) {
    await sql`
      INSERT INTO risk_scores (account_id, as_of, model_version, probability, tier, drivers)
      SELECT account_id, ${day}::date, 'bench-1', p, CASE WHEN p > 0.8 THEN 'critical' WHEN p > 0.6 THEN 'high' WHEN p > 0.3 THEN 'medium' ELSE 'low' END, ${drivers}::jsonb
      FROM (SELECT account_id, least(0.99, ((account_id * 7919) % 1000) / 1000.0 + ${shift}) AS p FROM accounts) s`.execute(db);
  }
  await sql`
    INSERT INTO indicator_values (account_id, as_of, indicator, value, flag)
    SELECT a.account_id, ${AS_OF}::date, i.name, (a.account_id % 97) / 97.0, 'ok'
    FROM accounts a CROSS JOIN unnest(${INDICATORS}::text[]) AS i(name)`.execute(db);
  await sql`ANALYZE`.execute(db);
}

interface Measured {
  readonly requests: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
}

async function loadApi(url: string, token: string): Promise<Measured> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, workers: 1, headers: { authorization: `Bearer ${token}` } });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors, ${result.timeouts} timeouts`);
  return { requests: result.requests.total, perSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

/** The same rows as the API page, straight from Postgres: `CONNECTIONS` clients each running the SELECT back to back for SECONDS. */
async function loadPg(pool: pg.Pool, text: string, values: readonly unknown[]): Promise<Measured> {
  const latencies: number[] = [];
  const until = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < until) {
        const started = performance.now();
        const result = await pool.query(text, values as unknown[]);
        if (result.rowCount === 0) throw new Error('the baseline SELECT returned no row');
        latencies.push(performance.now() - started);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { requests: latencies.length, perSecond: latencies.length / SECONDS, p50: at(0.5), p99: at(0.99) };
}

// The rows of the API's account page: each account, its latest score on or before the day (the promoted
// model's first) and that day's indicator values — the same data sql/api.ts apiAccounts reads, in one SELECT.
const bareSelect = (withIndicators: boolean) => `
  SELECT a.account_id, a.external_id, a.name, a.segment, a.arr_cents, a.currency, a.csm_email, a.renewal_date, a.status,
         s.as_of, s.probability, s.tier, s.model_version, s.drivers${withIndicators ? ', iv.values' : ''}
  FROM accounts a
  LEFT JOIN LATERAL (
    SELECT rs.as_of, rs.probability, rs.tier, rs.model_version, rs.drivers
    FROM risk_scores rs LEFT JOIN models m ON m.version = rs.model_version
    WHERE rs.account_id = a.account_id AND rs.as_of <= $1::date
    ORDER BY rs.as_of DESC, m.is_promoted DESC NULLS LAST, rs.scored_at DESC LIMIT 1) s ON true
  ${withIndicators ? `LEFT JOIN LATERAL (
    SELECT json_agg(json_build_object('indicator', v.indicator, 'value', v.value, 'flag', v.flag) ORDER BY v.indicator) AS values
    FROM indicator_values v WHERE v.account_id = a.account_id AND v.as_of = s.as_of) iv ON true` : ''}
  WHERE a.account_id > $2 AND ($3::text IS NULL OR a.external_id = $3)
  ORDER BY a.account_id LIMIT $4`;
const BARE_SELECT = bareSelect(true);

const fmt = (value: number, digits = 1) => value.toFixed(digits);

const schema = await freshServerSchema('bench_api', CONNECTIONS);
const { db } = schema;
const pool = new pg.Pool({ connectionString: BENCH_DATABASE_URL, max: CONNECTIONS, options: `-c search_path=${schema.schema}` });
try {
  const seeding = performance.now();
  await seed(db);
  console.log(`seeded ${ACCOUNTS} accounts (3 scores and ${INDICATORS.length} indicator values each) in ${fmt((performance.now() - seeding) / 1000)} s`);
  const config = parseConfig({}).config;
  const serverConfig = { ...config.server, port: 0, host: '127.0.0.1', api: { ...config.server.api, rateLimitPerMinute: 100_000_000, burst: 1_000_000, maxPageSize: 200 } };
  // Every request is logged as `radar serve` logs it, into a sink: its cost is part of the answer.
  const logger = createLogger({ level: 'info', destination: new Writable({ write: (_chunk, _encoding, callback) => callback() }) });
  const server = await startServer({
    db, server: serverConfig, signingSecret: null, slack: null, renderer: createRenderer(), logger,
    api: ({ refresh }) => createApiHandler({ db, server: serverConfig, config, logger, changed: refresh }),
  });
  const { token } = await createToken(db, { name: 'bench', scopes: ['read'], now: new Date() });
  const middle = Math.floor(ACCOUNTS / 2);
  const middleId = Number((await sql<{ account_id: number }>`SELECT account_id FROM accounts ORDER BY account_id OFFSET ${middle} LIMIT 1`.execute(db)).rows[0]!.account_id);
  const external = `ACC-${String(middle).padStart(6, '0')}`;
  try {
    const cases = [
      { name: `account list, ${PAGE} a page (mid-table cursor)`, path: `/api/v1/accounts?asOf=${AS_OF}&limit=${PAGE}&cursor=${encodeCursor(middleId)}`, values: [AS_OF, middleId, null, PAGE] },
      { name: 'one account', path: `/api/v1/accounts/${external}?asOf=${AS_OF}`, values: [AS_OF, 0, external, 1] },
    ];
    const rows: Record<string, string | number>[] = [];
    for (const bench of cases) {
      const check = await fetch(`${server.url}${bench.path}`, { headers: { authorization: `Bearer ${token}` } });
      if (check.status !== 200) throw new Error(`${bench.path}: ${check.status} ${await check.text()}`);
      const api = await loadApi(`${server.url}${bench.path}`, token);
      const bare = await loadPg(pool, BARE_SELECT, bench.values);
      rows.push({
        route: bench.name,
        'API req/s': fmt(api.perSecond),
        'API p50 ms': fmt(api.p50),
        'API p99 ms': fmt(api.p99),
        'pg SELECT/s': fmt(bare.perSecond),
        'pg p99 ms': fmt(bare.p99),
        'API ÷ pg (req/s)': fmt(api.perSecond / bare.perSecond, 2),
      });
    }
    console.log(`\n${ACCOUNTS} accounts, ${CONNECTIONS} connections, ${SECONDS} s each; Postgres at ${BENCH_DATABASE_URL.replace(/\/\/[^@]*@/, '//***@')}`);
    printTable(rows);
    console.log('\nAPI ÷ pg: the share of the bare SELECT\'s throughput the API reaches (1.00 = HTTP, auth, validation and JSON cost nothing).');

    // radar export scores as of the day, every account, CSV into a sink; beside one bare SELECT of the same rows (without indicator values).
    let bytes = 0;
    const exportStarted = performance.now();
    for await (const chunk of scoreExportLines(db, { asOf: AS_OF, format: 'csv' })) bytes += chunk.length;
    const exportSeconds = (performance.now() - exportStarted) / 1000;
    const selectStarted = performance.now();
    const all = await pool.query(bareSelect(false), [AS_OF, 0, null, ACCOUNTS + 1]);
    const selectSeconds = (performance.now() - selectStarted) / 1000;
    console.log(`\nradar export scores (csv, ${ACCOUNTS} accounts, ${Math.round(bytes / 1024)} KiB): ${fmt(exportSeconds, 2)} s, ${Math.round(ACCOUNTS / exportSeconds)} accounts/s; one bare SELECT of the ${all.rowCount} rows: ${fmt(selectSeconds, 2)} s (export ÷ SELECT time ${fmt(exportSeconds / selectSeconds, 2)})`);
  } finally {
    await server.close();
  }
} finally {
  await pool.end();
  await schema.dispose();
}
