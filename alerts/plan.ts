// The decisions of one alert run, as pure functions of the scores, the alert history and the config.
import type { PlaybooksConfig } from '../config/playbooks.ts';
import type { Json } from '../sql/schema.ts';
import { daysBetween, addDays } from './dates.ts';
import { tierRank, type Tier } from './tiers.ts';

/** One entry of risk_scores.drivers. */
export interface Driver {
  readonly indicator: string;
  readonly contribution: number;
  readonly sentence: string;
}

/** The latest earlier risk alert of an account (holdout rows included: they are decisions too). */
export interface PreviousAlert {
  readonly alertId: number;
  readonly asOf: string;
  readonly tier: Tier;
  readonly status: string;
  readonly isHoldout: boolean;
  readonly slackTs: string | null;
  readonly channel: string | null;
}

export type CooldownDecision = 'first' | 'cooldown_over' | 'tier_rose' | 'cooldown';

/**
 * Whether an account at `tier` on `asOf` may be alerted, given its last alert: not again within
 * `cooldownDays` of it unless the tier is higher than the one alerted then.
 */
export function cooldownDecision(tier: Tier, last: Pick<PreviousAlert, 'asOf' | 'tier'> | undefined, asOf: string, cooldownDays: number): CooldownDecision {
  if (!last) return 'first';
  if (daysBetween(last.asOf, asOf) >= cooldownDays) return 'cooldown_over';
  return tierRank(tier) > tierRank(last.tier) ? 'tier_rose' : 'cooldown';
}

/**
 * Whether a "risk reduced" reply belongs in the thread of `last`: the account was alerted (a real
 * message, not a holdout), and its tier is now lower than the tier of that alert.
 */
export function riskReduced(tier: Tier, last: PreviousAlert | undefined): boolean {
  if (!last || last.isHoldout) return false;
  const delivered = last.slackTs !== null || last.status === 'dry_run';
  return delivered && tierRank(tier) < tierRank(last.tier);
}

export interface BudgetCandidate {
  readonly accountId: number;
  readonly recipient: string;
  readonly arrCents: number;
  readonly probability: number;
}

/** Expected ARR at risk: the ranking key of the weekly budget. */
export function priority(candidate: Pick<BudgetCandidate, 'arrCents' | 'probability'>): number {
  return candidate.arrCents * candidate.probability;
}

/**
 * Splits candidates into those sent now and those queued: per recipient, the `budget − used` with
 * the highest ARR × probability (ties: lower account id) go out, the rest wait for next week's budget.
 */
export function applyBudget<T extends BudgetCandidate>(candidates: readonly T[], usedThisWeek: ReadonlyMap<string, number>, budget: number): { send: T[]; queued: T[] } {
  const byRecipient = new Map<string, T[]>();
  for (const candidate of candidates) {
    const list = byRecipient.get(candidate.recipient) ?? [];
    list.push(candidate);
    byRecipient.set(candidate.recipient, list);
  }
  const send: T[] = [];
  const queued: T[] = [];
  for (const [recipient, list] of byRecipient) {
    const ranked = [...list].sort((a, b) => priority(b) - priority(a) || a.accountId - b.accountId);
    const room = Math.max(0, budget - (usedThisWeek.get(recipient) ?? 0));
    send.push(...ranked.slice(0, room));
    queued.push(...ranked.slice(room));
  }
  return { send, queued };
}

/** Parses risk_scores.drivers defensively: the scorer writes it, we only read it. */
export function parseDrivers(value: Json): Driver[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry) => {
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) return [];
    const { indicator, contribution, sentence } = entry as Record<string, Json>;
    if (typeof indicator !== 'string' || typeof contribution !== 'number') return [];
    return [{ indicator, contribution, sentence: typeof sentence === 'string' ? sentence : indicator }];
  });
}

/** Drivers that push risk up, largest first, at most `top`. */
export function topDrivers(drivers: readonly Driver[], top: number): Driver[] {
  return drivers
    .filter((driver) => Number.isFinite(driver.contribution) && driver.contribution > 0)
    .sort((a, b) => b.contribution - a.contribution || a.indicator.localeCompare(b.indicator))
    .slice(0, top);
}

export interface SelectedPlaybook {
  readonly key: string;
  readonly title: string;
  readonly matchedDrivers: readonly string[];
  readonly tasks: readonly PlannedTask[];
}

export interface PlannedTask {
  readonly playbook: string;
  readonly title: string;
  readonly ownerRole: string;
  /** The CSM's email for 'csm' tasks; other roles are assigned by role only. */
  readonly owner: string | null;
  readonly dueOn: string;
}

/**
 * Playbooks whose drivers appear among the top drivers, in the order of the strongest matching
 * driver; each task due `dueDays` after `asOf`.
 */
export function selectPlaybooks(top: readonly Driver[], playbooks: PlaybooksConfig, asOf: string, csmEmail: string | null): SelectedPlaybook[] {
  const rank = new Map(top.map((driver, index) => [driver.indicator, index]));
  return Object.entries(playbooks)
    .map(([key, playbook]) => {
      const matched = playbook.drivers.filter((driver) => rank.has(driver));
      const best = Math.min(...matched.map((driver) => rank.get(driver)!));
      return { key, playbook, matched, best };
    })
    .filter((entry) => entry.matched.length > 0)
    .sort((a, b) => a.best - b.best || a.key.localeCompare(b.key))
    .map(({ key, playbook, matched }) => ({
      key,
      title: playbook.title,
      matchedDrivers: matched,
      tasks: playbook.tasks.map((task) => ({
        playbook: key,
        title: task.title,
        ownerRole: task.ownerRole,
        owner: task.ownerRole === 'csm' ? csmEmail : null,
        dueOn: addDays(asOf, task.dueDays),
      })),
    }));
}

/** The day an open or snoozed task is due now. */
export function effectiveDue(task: { dueOn: string; status: string; snoozedUntil: string | null }): string {
  return task.status === 'snoozed' && task.snoozedUntil && task.snoozedUntil > task.dueOn ? task.snoozedUntil : task.dueOn;
}

/** A task still open `escalateAfterDays` or more past its (snoozed) due day, not yet escalated. */
export function needsEscalation(task: { dueOn: string; status: string; snoozedUntil: string | null; escalated: boolean }, asOf: string, escalateAfterDays: number): boolean {
  if (task.escalated || (task.status !== 'open' && task.status !== 'snoozed')) return false;
  return daysBetween(effectiveDue(task), asOf) >= escalateAfterDays;
}

export function riskDedupKey(accountId: number, asOf: string, tier: Tier): string {
  return `risk:${accountId}:${asOf}:${tier}`;
}
