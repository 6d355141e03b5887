// Webhooks from the real call sites, end to end on the embedded database: a sample company ingested
// with webhooks configured (renewal.decided from the renewals load), a trained model, then the daily run
// (tier.changed from scoring, alert.created from the alerts step, forecast.published from the forecast
// step) whose last step delivers everything to a receiver on 127.0.0.1. A second run of the same day
// records and sends nothing. The SQL itself runs on both backends in test/webhooks.test.ts.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainModel } from '../models/registry.ts';
import { ingestConfigured } from '../pipelines/ingest/run.ts';
import { runDaily, type DailyStepResults } from '../pipelines/jobs/daily.ts';
import type { JobDeps } from '../pipelines/jobs/deps.ts';
import { silentLogger } from '../pipelines/log.ts';
import { promoteModel } from '../sql/models.ts';
import { SAMPLE_END, sampleSetup, type SampleSetup } from './jobs-fixtures.ts';
import { startupBudgetMs } from './support/budget.ts';
import { backends, openTestDatabase, type TestDatabase } from './support/database.ts';
import { SECRETS, startReceiver, type Receiver } from './webhooks-fixtures.ts';

describe('webhooks from the daily run [pglite]', () => {
  let receiver: Receiver;
  let setup: SampleSetup;
  let database: TestDatabase & { dispose(): Promise<void> };

  beforeAll(async () => {
    receiver = await startReceiver();
    // The daily step reads secrets from the environment, as in production (config/environment.ts readSecret).
    for (const [name, value] of Object.entries(SECRETS)) process.env[name] = value;
    const retry = { maxAttempts: 5, firstDelaySeconds: 0.02, maxDelaySeconds: 0.1 };
    setup = await sampleSetup({
      accounts: 150,
      seed: 7,
      prefix: 'wh-daily',
      extra: {
        webhooks: [
          { id: 'ops', url: `${receiver.url}/ops`, secretEnv: 'WH_OPS_SECRET', timeoutMs: 5000, retry },
          { id: 'crm', url: `${receiver.url}/crm`, secretEnv: 'WH_CRM_SECRET', preset: 'crm', timeoutMs: 5000, retry },
        ],
      },
    });
    database = await openTestDatabase(backends[0]!);
  }, 4 * startupBudgetMs());
  afterAll(async () => {
    for (const name of Object.keys(SECRETS)) delete process.env[name];
    await database?.dispose();
    await receiver?.close();
  });

  it('records each event where its fact is written and delivers all of them in the daily run', async () => {
    const { db } = database;
    const { config } = setup.loaded;
    await ingestConfigured(db, config, { logger: silentLogger, baseDir: setup.loaded.baseDir });
    const decided = await db.selectFrom('renewals').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const byType = async () => {
      const rows = await db.selectFrom('webhook_outbox').select(['endpoint_id', 'event_type']).execute();
      return rows.reduce<Record<string, number>>((all, row) => ({ ...all, [`${row.endpoint_id} ${row.event_type}`]: (all[`${row.endpoint_id} ${row.event_type}`] ?? 0) + 1 }), {});
    };
    // Every renewal the load wrote is decided: one renewal.decided each, to ops only.
    expect(await byType()).toEqual({ 'ops renewal.decided': Number(decided.n) });

    const { stored } = await trainModel(db, { config, configVersion: setup.loaded.version, asOf: SAMPLE_END });
    await promoteModel(db, stored.version, `${SAMPLE_END}T00:00:00Z`);
    const deps: JobDeps = {
      db,
      loaded: setup.loaded,
      logger: silentLogger,
      slack: null,
      outboxDir: join(setup.dir, 'outbox'),
      print: () => undefined,
      now: () => new Date(),
    };
    const first = await runDaily(deps, SAMPLE_END);
    const result = <S extends keyof DailyStepResults>(run: typeof first, step: S) => run.steps.find((record) => record.step === step)!.result as DailyStepResults[S];
    const scored = result(first, 'score').accounts;
    const riskAlerts = await db.selectFrom('alerts').select((eb) => eb.fn.countAll<number>().as('n')).where('kind', '=', 'risk').where('is_holdout', '=', false).executeTakeFirstOrThrow();
    const forecasts = result(first, 'forecast').made;
    expect(scored).toBeGreaterThan(10);
    expect(Number(riskAlerts.n)).toBeGreaterThan(0);
    // First scores are tier changes (from none) for every scored account, to ops and to crm.
    const expected = {
      'ops renewal.decided': Number(decided.n),
      'ops tier.changed': scored,
      'crm tier.changed': scored,
      'ops alert.created': Number(riskAlerts.n),
      'ops forecast.published': forecasts,
    };
    expect(await byType()).toEqual(expected);
    const total = Object.values(expected).reduce((sum, n) => sum + n, 0);
    expect(result(first, 'webhooks')).toEqual({ delivered: total, retrying: 0, dead: 0, withoutSecret: [] });
    expect(receiver.requests).toHaveLength(total);
    expect(receiver.requests.every((request) => request.verified && request.behaviour === 'ok')).toBe(true);
    const ids = await db.selectFrom('webhook_outbox').select(['endpoint_id', 'event_id', 'status']).execute();
    expect(ids.every((row) => row.status === 'delivered')).toBe(true);
    expect(receiver.requests.map((request) => `${request.path.slice(1)} ${request.id}`).sort()).toEqual(ids.map((row) => `${row.endpoint_id} ${row.event_id}`).sort());

    // The same day again: nothing new is recorded, nothing is sent.
    const again = await runDaily(deps, SAMPLE_END);
    expect(result(again, 'webhooks')).toEqual({ delivered: 0, retrying: 0, dead: 0, withoutSecret: [] });
    expect(await byType()).toEqual(expected);
    expect(receiver.requests).toHaveLength(total);
  }, 6 * startupBudgetMs());
});
