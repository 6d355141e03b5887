// The weekly report's Slack summary, sent through the same outbox as alerts: one alerts row per
// recipient (unique per week and recipient, so a re-run never posts twice), the same dry-run rule
// (no SLACK_BOT_TOKEN → .radar/outbox/), the same retries and duplicate check.
import type { Kysely } from 'kysely';
import { insertAlert, setPayload } from '../sql/alerts.ts';
import type { DB, Json } from '../sql/schema.ts';
import { deliverOutbox, type DeliverySummary } from './deliver.ts';
import type { SlackMessage } from './render.ts';
import type { AlertStepOptions } from './run.ts';

export interface WeeklySummaryOptions extends Omit<AlertStepOptions, 'baseDir' | 'retryFailed'> {
  /** ISO week, e.g. 2026-W47. */
  readonly week: string;
  readonly message: SlackMessage;
}

export async function sendWeeklySummary(db: Kysely<DB>, options: WeeklySummaryOptions): Promise<{ queued: number; delivery: DeliverySummary }> {
  const { config, week } = options;
  const recipients = [...new Set([config.report.leadershipChannel, ...config.report.recipients])];
  let queued = 0;
  await db.transaction().execute(async (trx) => {
    for (const recipient of recipients) {
      const alertId = await insertAlert(trx, {
        dedupKey: `report:weekly:${week}:${recipient}`,
        kind: 'report',
        accountId: null,
        asOf: options.asOf,
        tier: null,
        modelVersion: null,
        probability: null,
        channel: recipient,
        recipient,
        status: 'pending',
        configVersion: options.configVersion,
      });
      if (alertId === undefined) continue;
      await setPayload(trx, alertId, { week, message: options.message } as unknown as Json);
      queued += 1;
    }
  });
  const delivery = await deliverOutbox(db, {
    slack: options.slack,
    outboxDir: options.outboxDir,
    print: options.print,
    logger: options.logger,
    now: options.now,
    sleep: options.sleep,
    retry: config.routing.delivery,
    hooks: options.hooks,
  });
  return { queued, delivery };
}
