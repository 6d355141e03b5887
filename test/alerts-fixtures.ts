// Fixture builders for the alert tests: accounts, a model, risk scores and renewals inserted directly.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { parseConfig, type LoadedConfig } from '../config/load.ts';
import { silentLogger } from '../pipelines/log.ts';
import type { AlertRunOptions } from '../alerts/run.ts';
import { createSlackApi, type SlackApi } from '../alerts/slack.ts';
import type { DB } from '../sql/schema.ts';
import type { FakeSlack } from './support/slack-api.ts';

export const MODEL = 'm-2026-01';

/** Empties the alert tables, scores and models (and, unless `keepAccounts`, accounts and renewals); adds the fixture model. */
export async function resetAlertTables(db: Kysely<DB>, { keepAccounts = false } = {}): Promise<void> {
  await db.deleteFrom('alerts').execute();
  await db.deleteFrom('tasks').execute();
  await db.deleteFrom('risk_scores').execute();
  await db.deleteFrom('slack_users').execute();
  if (!keepAccounts) {
    await db.deleteFrom('renewals').execute();
    await db.deleteFrom('accounts').execute();
  }
  await db.deleteFrom('models').execute();
  await db
    .insertInto('models')
    .values({
      version: MODEL, engine: 'irls', features: '[]', coefficients: '{}', intercept: 0, scaling: '{}', lead_days: 90,
      training_from: '2024-01-01', training_to: '2025-06-30', class_balance: '{}', metrics: '{}', config_hash: 'cfg', is_promoted: true,
    })
    .execute();
}

export interface AccountFixture {
  externalId: string;
  name?: string;
  segment?: string;
  arrCents?: number;
  csmEmail?: string | null;
  csmSlackId?: string | null;
  renewalDate?: string;
}

export async function addAccount(db: Kysely<DB>, fixture: AccountFixture): Promise<number> {
  const row = await db
    .insertInto('accounts')
    .values({
      external_id: fixture.externalId,
      name: fixture.name ?? `${fixture.externalId} Inc`,
      segment: fixture.segment ?? 'mid-market',
      arr_cents: fixture.arrCents ?? 12_000_000,
      csm_email: fixture.csmEmail === undefined ? 'dana@vendor.example' : fixture.csmEmail,
      csm_slack_id: fixture.csmSlackId === undefined ? 'UDANA' : fixture.csmSlackId,
      contract_start: '2024-03-01',
      renewal_date: fixture.renewalDate ?? '2026-03-01',
    })
    .returning('account_id')
    .executeTakeFirstOrThrow();
  return row.account_id;
}

export const DRIVERS = {
  usage: { indicator: 'usageDecline', contribution: 0.9, sentence: 'Active users fell 45% over the last 30 days' },
  payment: { indicator: 'paymentDelay', contribution: 0.6, sentence: 'The latest invoice is 21 days overdue' },
  support: { indicator: 'supportChange', contribution: 0.4, sentence: 'No support contact in 60 days after a busy quarter' },
  competition: { indicator: 'competitorReleases', contribution: 0.3, sentence: 'Two competitor launches in this segment this quarter' },
  protective: { indicator: 'tenure', contribution: -0.5, sentence: 'Customer for 6 years' },
} as const;

export async function addScore(db: Kysely<DB>, accountId: number, asOf: string, probability: number, tier: string, drivers: readonly object[] = [DRIVERS.usage]): Promise<void> {
  await db.insertInto('risk_scores').values({ account_id: accountId, as_of: asOf, model_version: MODEL, probability, tier, drivers: JSON.stringify(drivers) }).execute();
}

export function testConfig(routing: Record<string, unknown> = {}): LoadedConfig {
  return parseConfig({ routing: { holdoutShare: 0, delivery: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 2000 }, ...routing } });
}

export function slackFor(fake: FakeSlack, token = fake.token): SlackApi {
  return createSlackApi({ token, slackApiUrl: fake.url, retryConfig: { retries: 2, factor: 1, minTimeout: 5, maxTimeout: 10 } });
}

export interface Recorder {
  sleeps: number[];
  printed: string[];
}

export function runOptions(loaded: LoadedConfig, asOf: string, slack: SlackApi | null, extra: Partial<AlertRunOptions> = {}): AlertRunOptions & { recorder: Recorder } {
  const recorder: Recorder = { sleeps: [], printed: [] };
  return {
    asOf,
    config: loaded.config,
    configVersion: loaded.version,
    baseDir: loaded.baseDir,
    slack,
    outboxDir: mkdtempSync(join(tmpdir(), 'radar-outbox-')),
    print: (line) => recorder.printed.push(line),
    logger: silentLogger,
    now: () => new Date(),
    sleep: async (ms) => {
      recorder.sleeps.push(ms);
    },
    ...extra,
    recorder,
  };
}
