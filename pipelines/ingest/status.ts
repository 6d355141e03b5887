// Last run per source and data freshness (newest fact per source), flagging stale sources.
import type { Kysely } from 'kysely';
import type { RadarConfig } from '../../config/schema.ts';
import { durationMs } from '../../config/sources.ts';
import { lastRunPerSource, newestFact, type LastRun } from '../../sql/ingest.ts';
import type { DB } from '../../sql/schema.ts';
import { entitySpecs } from './entities.ts';
import { effectiveSource } from './run.ts';

export interface SourceStatus {
  readonly source: string;
  readonly entity: string;
  readonly lastRun: LastRun | undefined;
  /** Newest fact date of the source's entity (ISO). */
  readonly newestFact: string | null;
  readonly maxStaleness: string | null;
  readonly stale: boolean;
}

function toIso(value: Date | string | null): string | null {
  if (value === null) return null;
  return value instanceof Date ? value.toISOString() : value;
}

/** `now` is a parameter so staleness is testable. */
export async function ingestStatus(db: Kysely<DB>, config: RadarConfig, now: Date): Promise<SourceStatus[]> {
  const runs = new Map((await lastRunPerSource(db)).map((run) => [run.source, run]));
  const names = new Set([...Object.keys(config.sources), ...runs.keys()]);
  const freshness = new Map<string, string | null>();
  const statuses: SourceStatus[] = [];
  for (const name of [...names].sort()) {
    const configured = config.sources[name];
    const entity = configured ? effectiveSource(configured).entity : (runs.get(name)!.entity as keyof typeof entitySpecs);
    const spec = entitySpecs[entity];
    if (!freshness.has(entity)) freshness.set(entity, toIso(await newestFact(db, spec.table, spec.factColumn)));
    const newest = freshness.get(entity) ?? null;
    const maxStaleness = configured?.maxStaleness ?? null;
    const newestMillis = newest === null ? null : Date.parse(newest.length === 10 ? `${newest}T23:59:59Z` : newest);
    const stale = maxStaleness !== null && (newestMillis === null || now.getTime() - newestMillis > durationMs(maxStaleness));
    statuses.push({ source: name, entity, lastRun: runs.get(name), newestFact: newest, maxStaleness, stale });
  }
  return statuses;
}
