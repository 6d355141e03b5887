// `radar alert --as-of D`: plan (pure rules), record (one transaction, the outbox), deliver.
import { resolve } from 'node:path';
import type { Kysely } from 'kysely';
import type { RadarConfig } from '../config/schema.ts';
import {
  accountsAlertedOn, budgetUsed, insertAlert, previousRiskAlerts, scoredAccounts, setDigest, setPayload, type ScoredAccountRow,
} from '../sql/alerts.ts';
import type { DB, Json } from '../sql/schema.ts';
import { insertTasks } from '../sql/tasks.ts';
import { recordAlertsCreated } from '../sql/webhooks.ts';
import { weekStart } from './dates.ts';
import { deliverOutbox, type DeliverySummary, type SendingOptions } from './deliver.ts';
import { isHoldout } from './holdout.ts';
import { applyBudget, cooldownDecision, parseDrivers, riskDedupKey, riskReduced, selectPlaybooks, topDrivers, type PreviousAlert } from './plan.ts';

export { parseDrivers };
import { createRenderer, type Renderer } from './render.ts';
import { resolveRoutes, targetOf } from './recipients.ts';
import { meetsThreshold, type Route } from './routing.ts';
import { asTier, isTier, type Tier } from './tiers.ts';
import { buildAlertView, buildDigestView, buildRiskReducedView, type AlertView } from './view.ts';

/** What a sending step (alerts, escalations) needs: the day, the config, and where messages go. */
export interface AlertStepOptions extends SendingOptions {
  readonly asOf: string;
  readonly config: RadarConfig;
  /** The config hash (LoadedConfig.version), shown in messages. */
  readonly configVersion: string;
  /** routing.templatesDir is relative to this. */
  readonly baseDir: string;
}

export interface AlertRunOptions extends AlertStepOptions {
  /** A renderer already built (tests); default: from routing.templatesDir. */
  readonly renderer?: Renderer;
}

export interface AlertRunSummary {
  asOf: string;
  scored: number;
  alreadyPlanned: number;
  belowThreshold: number;
  cooldown: number;
  holdout: number;
  queued: number;
  alerts: number;
  digests: number;
  riskReduced: number;
  delivery: DeliverySummary;
}

/**
 * Splits a digest's accounts into messages within Slack's 50 blocks: the digest template spends 2
 * blocks on the header and footer, and per account one section, one line per task, its buttons, a
 * status line once someone acted on it (counted up front, so a later update still fits) and a divider.
 */
export function chunkDigest<T extends { view: AlertView }>(members: readonly T[], maxBlocks = 50): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let used = 2;
  for (const member of members) {
    const cost = 4 + member.view.playbooks.reduce((sum, playbook) => sum + playbook.tasks.length, 0);
    if (current.length > 0 && used + cost > maxBlocks) {
      chunks.push(current);
      current = [];
      used = 2;
    }
    current.push(member);
    used += cost;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

interface Candidate {
  readonly row: ScoredAccountRow;
  readonly tier: Tier;
  readonly route: Route;
  readonly accountId: number;
  readonly recipient: string;
  readonly arrCents: number;
  readonly probability: number;
}

export function rendererFor(config: RadarConfig, baseDir: string): Renderer {
  return createRenderer(config.routing.templatesDir ? resolve(baseDir, config.routing.templatesDir) : '');
}

export async function runAlerts(db: Kysely<DB>, options: AlertRunOptions): Promise<AlertRunSummary> {
  const { asOf, config, logger } = options;
  const routing = config.routing;
  const renderer = options.renderer ?? rendererFor(config, options.baseDir);
  const summary: AlertRunSummary = {
    asOf, scored: 0, alreadyPlanned: 0, belowThreshold: 0, cooldown: 0, holdout: 0, queued: 0, alerts: 0, digests: 0, riskReduced: 0,
    delivery: { sent: 0, recovered: 0, dryRun: 0, failed: 0, deferred: 0 },
  };

  const scored = await scoredAccounts(db, asOf);
  const previous = await previousRiskAlerts(db, asOf);
  const planned = await accountsAlertedOn(db, asOf);
  summary.scored = scored.length;

  const eligible: { row: ScoredAccountRow; tier: Tier }[] = [];
  const holdouts: { row: ScoredAccountRow; tier: Tier }[] = [];
  const reduced: { row: ScoredAccountRow; tier: Tier; parent: PreviousAlert }[] = [];
  for (const row of scored) {
    if (!isTier(row.tier)) throw new Error(`risk_scores row of account ${row.accountId} has unknown tier "${row.tier}"`);
    const tier = row.tier;
    if (planned.has(row.accountId)) {
      summary.alreadyPlanned += 1;
      continue;
    }
    const stored = previous.get(row.accountId);
    const last: PreviousAlert | undefined = stored ? { ...stored, tier: asTier(stored.tier) } : undefined;
    if (riskReduced(tier, last)) reduced.push({ row, tier, parent: last! });
    if (!meetsThreshold(tier, row.arrCents, routing)) {
      summary.belowThreshold += 1;
      continue;
    }
    if (cooldownDecision(tier, last, asOf, routing.cooldownDays) === 'cooldown') {
      summary.cooldown += 1;
      continue;
    }
    if (isHoldout(row.externalId, routing.holdoutShare, routing.holdoutSalt)) holdouts.push({ row, tier });
    else eligible.push({ row, tier });
  }

  // Resolve CSM emails to Slack ids once; the answer (or Slack's "no such user") is cached.
  const routes = await resolveRoutes(db, eligible.map(({ row }) => row), { routing, slack: options.slack, now: options.now });
  const candidates: Candidate[] = eligible.map(({ row, tier }, index) => {
    const route = routes[index]!;
    return { row, tier, route, accountId: row.accountId, recipient: route.recipient, arrCents: row.arrCents, probability: row.probability };
  });
  const used = await budgetUsed(db, weekStart(asOf), asOf, config.calendar.countInAlertBudget ? ['risk', 'milestone'] : ['risk']);
  const { send, queued } = applyBudget(candidates, used, routing.weeklyBudgetPerCsm);

  await db.transaction().execute(async (trx) => {
    const base = { asOf, configVersion: options.configVersion } as const;
    for (const { row, tier } of holdouts) {
      const id = await insertAlert(trx, { ...base, dedupKey: riskDedupKey(row.accountId, asOf, tier), kind: 'risk', accountId: row.accountId, tier, modelVersion: row.modelVersion, probability: row.probability, channel: null, recipient: null, status: 'holdout', isHoldout: true });
      if (id !== undefined) summary.holdout += 1;
    }
    for (const candidate of queued) {
      const { row, tier } = candidate;
      const id = await insertAlert(trx, { ...base, dedupKey: riskDedupKey(row.accountId, asOf, tier), kind: 'risk', accountId: row.accountId, tier, modelVersion: row.modelVersion, probability: row.probability, channel: targetOf(candidate.route), recipient: candidate.recipient, status: 'queued', lastError: `over the weekly budget of ${routing.weeklyBudgetPerCsm} for this recipient` });
      if (id !== undefined) summary.queued += 1;
    }
    const views = new Map<string, { alertId: number; view: AlertView }[]>();
    for (const candidate of send) {
      const { row, tier } = candidate;
      const dedupKey = riskDedupKey(row.accountId, asOf, tier);
      const alertId = await insertAlert(trx, { ...base, dedupKey, kind: 'risk', accountId: row.accountId, tier, modelVersion: row.modelVersion, probability: row.probability, channel: targetOf(candidate.route), recipient: candidate.recipient, status: 'pending' });
      if (alertId === undefined) continue;
      const drivers = topDrivers(parseDrivers(row.drivers), routing.topDrivers);
      const playbooks = selectPlaybooks(drivers, config.playbooks, asOf, candidate.route.csmEmail);
      const tasks = await insertTasks(trx, alertId, row.accountId, playbooks.flatMap((playbook) => playbook.tasks.map((task) => ({ playbook: task.playbook, step: task.title, ownerRole: task.ownerRole, owner: task.owner, dueOn: task.dueOn }))));
      const view = buildAlertView({
        alertId,
        dedupKey,
        account: row,
        score: { asOf, probability: row.probability, tier, modelVersion: row.modelVersion, previous: row.previous && isTier(row.previous.tier) ? { ...row.previous, tier: row.previous.tier } : null },
        drivers,
        playbooks,
        tasks: tasks.map((task) => ({ ...task, title: task.step })),
        crmUrlTemplate: routing.crmUrlTemplate,
        configVersion: options.configVersion,
      });
      await setPayload(trx, alertId, { view, message: renderer.alert(view) } as unknown as Json);
      summary.alerts += 1;
      const list = views.get(candidate.recipient) ?? [];
      list.push({ alertId, view });
      views.set(candidate.recipient, list);
    }
    if (routing.digest) {
      for (const [recipient, members] of views) {
        const route = send.find((candidate) => candidate.recipient === recipient)!.route;
        const chunks = chunkDigest(members);
        for (const [part, chunk] of chunks.entries()) {
          const dedupKey = `digest:${recipient}:${asOf}${part === 0 ? '' : `:${part + 1}`}`;
          const digestId = await insertAlert(trx, { ...base, dedupKey, kind: 'digest', accountId: null, tier: null, modelVersion: null, probability: null, channel: targetOf(route), recipient, status: 'pending' });
          if (digestId === undefined) continue;
          const view = buildDigestView({ digestAlertId: digestId, asOf, alerts: chunk.map((member) => member.view) });
          await setPayload(trx, digestId, { view, message: renderer.digest(view) } as unknown as Json);
          await setDigest(trx, chunk.map((member) => member.alertId), digestId);
          summary.digests += 1;
        }
      }
    }
    for (const { row, tier, parent } of reduced) {
      const dedupKey = `risk_reduced:${parent.alertId}:${tier}`;
      const alertId = await insertAlert(trx, { ...base, dedupKey, kind: 'risk_reduced', accountId: row.accountId, tier, modelVersion: row.modelVersion, probability: row.probability, channel: parent.channel, recipient: null, status: 'pending', threadTs: parent.slackTs, parentAlertId: parent.alertId });
      if (alertId === undefined) continue;
      const view = buildRiskReducedView({ parentAlertId: parent.alertId, accountName: row.name, asOf, tier, probability: row.probability, previousTier: parent.tier, previousAsOf: parent.asOf });
      await setPayload(trx, alertId, { view, message: renderer.riskReduced(view) } as unknown as Json);
      summary.riskReduced += 1;
    }
    // alert.created webhook events commit with the alerts (docs/api.md#webhooks).
    await recordAlertsCreated(trx, config.webhooks, asOf);
  });
  logger.info({ event: 'alerts_planned', ...summary, delivery: undefined });

  summary.delivery = await deliverOutbox(db, {
    slack: options.slack,
    outboxDir: options.outboxDir,
    print: options.print,
    logger,
    now: options.now,
    sleep: options.sleep,
    retry: routing.delivery,
    retryFailed: options.retryFailed,
    hooks: options.hooks,
  });
  return summary;
}
