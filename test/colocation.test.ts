// The Citus colocation rule holds for the SQL the app really issues (docs/scaling.md, "Past one server").
// A representative day on the Postgres server — ingest of a sample company, training, the daily run in two
// shards (indicators, score, alerts, escalations, forecast) and the weekly report — runs with every
// statement captured at the pg driver (pg_stat_statements is not loaded on the server). Each statement that
// names a per-account table (every table with an account_id column, read from information_schema) is then
// explained with its parameters and its plan checked by test/support/colocation.ts: every join of two
// per-account tables equates account_id. Hand-written bad queries prove the check fails.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { sql } from 'kysely';
import { runDaily } from '../pipelines/jobs/daily.ts';
import { silentLogger } from '../pipelines/log.ts';
import { buildWeeklyFigures } from '../pipelines/report/build.ts';
import type { NewModelRow } from '../sql/models.ts';
import { freshServerSchema, installModel, SAMPLE_END, sampleSetup, trainOnce, type SampleSetup, type ServerSchema } from './jobs-fixtures.ts';
import { startupBudgetMs } from './support/budget.ts';
import { IN_CI, postgresUnavailable } from './support/database.ts';
import { namedTables, planViolations, textViolations, type PlanNode, type Violation } from './support/colocation.ts';

/** Tables without account_id, each a Citus reference table (or coordinator-only bookkeeping). A new table must be classified. */
const REFERENCE_TABLES = [
  'api_tokens',
  'forecasts',
  'indicator_detail_fields',
  'ingest_rejects',
  'ingestion_runs',
  'market_events',
  'models',
  'schema_migrations',
  'slack_users',
  'source_watermarks',
  'usage_metric_names',
];

/**
 * Statements that break the rule today, each with what changes under Citus (docs/scaling.md). The test fails
 * on any other violation, and on a listed one that no longer occurs (so the list stays true).
 */
const KNOWN_EXCEPTIONS: ReadonlyArray<{ readonly pattern: RegExp; readonly why: string }> = [
  {
    pattern: /INSERT INTO accounts \(external_id,/,
    why: 'ingest upserts accounts by external_id (ON CONFLICT (external_id)): under Citus a unique key must include account_id, so ingest resolves external ids through a reference table of keys first',
  },
];

/** A single query or data change (DDL, ANALYZE, scripts of several statements and transaction control are not queries). */
const isQuery = (text: string) => {
  const body = text.replace(/--[^\n]*\n/g, ' ').trim().replace(/;\s*$/, '');
  return /^(WITH|SELECT|INSERT|UPDATE|DELETE)\b/i.test(body) && !body.includes(';');
};

interface Captured {
  readonly text: string;
  readonly values: readonly unknown[];
}

// Postgres server only: the capture and EXPLAIN need it (PGlite runs the same SQL). Skipped without a server, failed under CI.
const skip = Boolean(postgresUnavailable) && !IN_CI;

describe.skipIf(skip)('every per-account query joins on account_id (the Citus colocation rule)', () => {
  let setup: SampleSetup;
  let model: NewModelRow;
  let target: ServerSchema;
  let perAccount: Set<string>;
  let perAccountRelations: Set<string>;
  let allTables: string[];
  const captured = new Map<string, Captured>();
  let explain: (statement: Captured) => Promise<PlanNode | undefined>;
  let client: pg.Client | undefined;

  beforeAll(async () => {
    setup = await sampleSetup({ accounts: 120, seed: 21, prefix: 'colocation', extra: { jobs: { shards: 2 } } });
    const original = pg.Client.prototype.query;
    // Every statement the app sends through node-postgres (Kysely's driver), with its parameters.
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const [first, second] = args;
      const text = typeof first === 'string' ? first : typeof (first as { text?: unknown })?.text === 'string' ? (first as { text: string }).text : undefined;
      if (text !== undefined && !captured.has(text)) captured.set(text, { text, values: Array.isArray(second) ? second : ((first as { values?: unknown[] }).values ?? []) });
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
    try {
      model = await trainOnce(setup);
      target = await freshServerSchema();
      await installModel(target.db, model);
      const deps = { db: target.db, loaded: setup.loaded, logger: silentLogger, slack: null, outboxDir: `${target.dataDir}/outbox`, print: () => undefined, now: () => new Date(`${SAMPLE_END}T07:00:00Z`) };
      await runDaily(deps, SAMPLE_END);
      await buildWeeklyFigures(target.db, { week: '2026-W26', config: setup.loaded.config, now: new Date(`${SAMPLE_END}T07:00:00Z`) });
    } finally {
      pg.Client.prototype.query = original;
    }
    const columns = await sql<{ table_name: string; has_account: boolean; is_partition: boolean }>`
      SELECT c.relname AS table_name, bool_or(a.attname = 'account_id') AS has_account, c.relispartition AS is_partition
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE n.nspname = ${target.schema} AND c.relkind IN ('r', 'p')
      GROUP BY c.relname, c.relispartition ORDER BY 1`.execute(target.db);
    const tables = columns.rows.filter((row) => !row.is_partition);
    allTables = tables.map((row) => row.table_name);
    perAccount = new Set(tables.filter((row) => row.has_account).map((row) => row.table_name));
    // Plans of partitioned tables scan their month partitions (usage_daily_2026_06 …): those are per-account rows too.
    perAccountRelations = new Set(columns.rows.filter((row) => row.has_account).map((row) => row.table_name));
    const explainer = new pg.Client({ connectionString: target.url });
    client = explainer;
    await explainer.connect();
    explain = async ({ text, values }) => {
      try {
        const result = await explainer.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (VERBOSE, FORMAT JSON) ${text}`, [...values]);
        return result.rows[0]!['QUERY PLAN'][0]!.Plan;
      } catch {
        // e.g. it reads a temp staging table that is gone by now: the text heuristic decides.
        return undefined;
      }
    };
  }, 8 * startupBudgetMs());

  afterAll(async () => {
    await client?.end();
    await target?.dispose();
    rmSync(setup.dir, { recursive: true, force: true });
  });

  /** Checks one statement: its plan when it can be explained, else the text heuristic. */
  async function check(statement: Captured): Promise<{ explained: boolean; violations: Violation[] }> {
    const plan = await explain(statement);
    return plan ? { explained: true, violations: planViolations(plan, perAccountRelations) } : { explained: false, violations: textViolations(statement.text, perAccount) };
  }

  it('classifies every table: per-account (has account_id) or a listed reference table', () => {
    expect([...perAccount].sort()).toEqual(
      ['account_signals', 'accounts', 'alert_feedback', 'alerts', 'indicator_values', 'invoices', 'renewal_milestones', 'renewals', 'risk_scores', 'slack_interactions', 'subscription_periods', 'support_contacts', 'tasks', 'usage_daily', 'usage_metrics_daily', 'webhook_outbox'].sort(),
    );
    expect(allTables.filter((table) => !perAccount.has(table)).sort()).toEqual([...REFERENCE_TABLES].sort());
  });

  it('fails a join of per-account tables on anything but account_id, and passes the same join on account_id', async () => {
    const bad = await check({ text: 'SELECT t.task_id, al.kind FROM tasks t JOIN alerts al ON al.alert_id = t.alert_id', values: [] });
    expect(bad.explained).toBe(true);
    expect(bad.violations).toHaveLength(1);
    expect(bad.violations[0]!.reason).toMatch(/no account_id equality/);
    const byDay = await check({ text: 'SELECT s.probability, v.value FROM risk_scores s JOIN indicator_values v ON v.as_of = s.as_of WHERE s.as_of = $1', values: [SAMPLE_END] });
    expect(byDay.violations).toHaveLength(1);
    const good = await check({ text: 'SELECT t.task_id, al.kind FROM tasks t JOIN alerts al ON al.alert_id = t.alert_id AND al.account_id = t.account_id', values: [] });
    expect(good).toEqual({ explained: true, violations: [] });
    // A per-account table joined with a reference table on anything is fine: reference tables are on every node.
    expect(await check({ text: 'SELECT s.probability FROM risk_scores s JOIN models m ON m.version = s.model_version', values: [] })).toEqual({ explained: true, violations: [] });
  });

  it('fails a correlated subquery over a per-account table that is not tied by account_id', async () => {
    const bad = await check({ text: 'SELECT a.name FROM accounts a WHERE a.arr_cents > (SELECT max(i.amount_cents) FROM invoices i WHERE i.issued_on = a.contract_start)', values: [] });
    expect(bad.violations.length).toBeGreaterThan(0);
    const good = await check({ text: 'SELECT a.name FROM accounts a WHERE a.arr_cents > (SELECT max(i.amount_cents) FROM invoices i WHERE i.account_id = a.account_id)', values: [] });
    expect(good.violations).toEqual([]);
  });

  it('falls back to the text for statements that cannot be explained, and fails one without account_id', async () => {
    expect(await check({ text: 'INSERT INTO usage_daily SELECT * FROM gone_staging_table', values: [] })).toEqual({ explained: false, violations: [expect.objectContaining({ node: 'text naming usage_daily' })] });
    expect((await check({ text: 'INSERT INTO usage_daily (account_id, day) SELECT s.account_id, s.day FROM gone_staging_table s', values: [] })).violations).toEqual([]);
  });

  it('holds for every statement of a representative day (ingest, training, daily run in 2 shards, weekly report)', async () => {
    const relevant = [...captured.values()].filter((statement) => isQuery(statement.text) && namedTables(statement.text, perAccount).length > 0);
    const results: Array<{ statement: Captured; explained: boolean; violations: Violation[] }> = [];
    for (const statement of relevant) results.push({ statement, ...(await check(statement)) });
    const violating = results.filter((result) => result.violations.length > 0);
    const known = (text: string) => KNOWN_EXCEPTIONS.find((exception) => exception.pattern.test(text));
    const failed = violating.filter((result) => !known(result.statement.text)).map((result) => ({ sql: result.statement.text.replace(/\s+/g, ' ').slice(0, 400), violations: result.violations }));
    expect(failed).toEqual([]);
    expect(KNOWN_EXCEPTIONS.filter((exception) => !violating.some((result) => exception.pattern.test(result.statement.text))).map((e) => e.why)).toEqual([]);
    // The check must have seen the real work: most statements explained, the main stages present.
    const explained = results.filter((result) => result.explained).length;
    expect(relevant.length).toBeGreaterThan(30);
    expect(explained / relevant.length).toBeGreaterThan(0.6);
    for (const table of ['usage_daily', 'indicator_values', 'risk_scores', 'alerts', 'renewals']) expect(relevant.some((statement) => namedTables(statement.text, [table]).length > 0)).toBe(true);
    console.log(`[colocation] ${relevant.length} distinct statements name per-account tables; ${explained} checked on their plans, ${relevant.length - explained} by text`);
  });
});
