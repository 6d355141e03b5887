// CLI: radar webhooks deliver | list | replay — the signed-webhook outbox (docs/api.md#webhooks).
// Secrets are read from the variables config names (never printed); events are recorded by the steps
// that make the facts, and sent by `deliver` or the daily run's webhooks step.
import type { Command } from 'commander';
import { RadarError } from '../../errors.ts';
import type { CliContext } from '../context.ts';

function seconds(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 86_400) throw new RadarError('usage', `${flag} must be a number of seconds from 0 to 86400, got "${value}"`);
  return n;
}

function count(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new RadarError('usage', `${flag} must be a whole number from 1 to 10000, got "${value}"`);
  return n;
}

/** A replay target: an outbox row number (`radar webhooks list` shows it as #N) or an event id. */
function replayTarget(id: string | undefined, allDead: boolean): { outboxId: number } | { eventId: string } | 'all' {
  if (allDead && id !== undefined) throw new RadarError('usage', 'give an ID or --all-dead, not both');
  if (allDead) return 'all';
  if (id === undefined) throw new RadarError('usage', 'give the ID of a dead-lettered event (#N or evt_…, see `radar webhooks list --dead`) or --all-dead');
  const plain = id.replace(/^#/, '');
  if (/^[1-9][0-9]{0,15}$/.test(plain)) return { outboxId: Number(plain) };
  if (/^evt_[0-9a-f]{32}$/.test(id)) return { eventId: id };
  throw new RadarError('usage', `"${id}" is neither an outbox number (#N) nor an event id (evt_ and 32 hex digits)`);
}

export function registerWebhookCommands(program: Command, context: CliContext): void {
  const webhooks = program.command('webhooks').description('Signed webhooks: send the outbox, list events, replay dead-lettered ones');
  webhooks
    .command('deliver')
    .description('Send the events that are due (signed, retried with backoff, dead-lettered after retry.maxAttempts)')
    .option('--wait <seconds>', 'also wait for retries that fall due within this many seconds', '0')
    .action(async (options: { wait: string }) => {
      const waitMs = seconds(options.wait, '--wait') * 1000;
      const { deliverWebhooks } = await import('../../../alerts/webhooks/deliver.ts');
      const { config } = context.config();
      if (config.webhooks.length === 0) {
        context.out.data({ delivered: 0, retrying: 0, dead: 0, withoutSecret: [] }, () => context.out.line('no webhooks configured (webhooks: in the config)'));
        return;
      }
      const db = await context.database();
      const summary = await deliverWebhooks(db, { endpoints: config.webhooks, logger: context.logger, now: () => new Date(), waitMs });
      context.out.data(summary, () => {
        context.out.line(`${summary.delivered} delivered, ${summary.retrying} to retry, ${summary.dead} dead-lettered`);
        if (summary.withoutSecret.length > 0) context.out.line(`not sent (secret variable unset or malformed): ${summary.withoutSecret.join(', ')}`);
      });
      if (summary.withoutSecret.length > 0) throw new RadarError('config_invalid', `no usable secret for webhook endpoint(s) ${summary.withoutSecret.join(', ')}: set the variables their secretEnv names to whsec_ + base64 (see the log)`);
    });
  webhooks
    .command('list')
    .description('Outbox events, newest first: status, attempts, last error')
    .option('--dead', 'only dead-lettered events')
    .option('--endpoint <id>', 'only this endpoint')
    .option('--limit <n>', 'how many', '50')
    .action(async (options: { dead?: boolean; endpoint?: string; limit: string }) => {
      const limit = count(options.limit, '--limit');
      const { listOutbox } = await import('../../../sql/webhooks.ts');
      const rows = await listOutbox(await context.database(), { ...(options.dead ? { status: 'dead' as const } : {}), ...(options.endpoint ? { endpointId: options.endpoint } : {}), limit });
      context.out.data(rows, () => {
        if (rows.length === 0) context.out.line(options.dead ? 'no dead-lettered events' : 'the webhook outbox is empty');
        for (const row of rows) {
          const when = row.status === 'delivered' ? `delivered ${row.deliveredAt?.toISOString()}` : row.status === 'dead' ? `DEAD since ${row.deadAt?.toISOString()}` : `next attempt ${row.nextAttemptAt.toISOString()}`;
          const error = row.lastError ? `, last error: ${row.lastError}` : '';
          context.out.line(`#${row.outboxId} ${row.eventType.padEnd(18)} ${row.eventId} → ${row.endpointId.padEnd(16)} ${row.status.padEnd(9)} ${row.attempts} attempt(s), ${when}${error}`);
        }
      });
    });
  webhooks
    .command('replay')
    .description('Queue dead-lettered events again with fresh attempts (by #N or event id, or all of them)')
    .argument('[id]', 'an outbox number (#N) or an event id (evt_…)')
    .option('--all-dead', 'every dead-lettered event')
    .action(async (id: string | undefined, options: { allDead?: boolean }) => {
      const target = replayTarget(id, options.allDead ?? false);
      const { replayDead } = await import('../../../sql/webhooks.ts');
      const requeued = await replayDead(await context.database(), target, new Date());
      if (requeued === 0 && target !== 'all') throw new RadarError('not_found', `no dead-lettered event ${id}`);
      context.logger.info({ event: 'webhooks_replayed', requeued });
      context.out.data({ requeued }, () => context.out.line(`${requeued} event(s) queued again; \`radar webhooks deliver\` (or the daily run) sends them`));
    });
}
