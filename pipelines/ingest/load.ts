// The loader: validates every record, quarantines the bad ones with their reason, stages the good ones
// with COPY and merges them on their natural key — all in one transaction together with the source's
// new watermark and the run's rejects. A crash or an injected failure leaves the previous state intact;
// a run whose reject share exceeds the source's maxRejectShare commits none of its rows. Every failure
// still records the rejects found so far and closes the run as failed; a run left `running` by a process
// that died is closed by the next run of its source (see lockSource in sql/ingest.ts).
import type { Kysely } from 'kysely';
import type { Entity } from '../../config/sources.ts';
import { sql } from 'kysely';
import type { DB } from '../../sql/schema.ts';
import {
  accountIndex,
  canCheckReferencesOnce,
  clearStaging,
  closeDeadRuns,
  copyIntoStaging,
  createStaging,
  finishRun,
  insertRejects,
  lockSource,
  mergeStaging,
  refreshStatistics,
  startRun,
  unlockSource,
  writeWatermark,
  type RejectRecord,
  type RunCounts,
} from '../../sql/ingest.ts';
import { RadarError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { csvLineOf } from '../csv.ts';
import { createRowValidator, entitySpecs, stagedColumns, type EntitySpec, type ParseSettings, type StagedRow } from './entities.ts';
import type { RecordSource } from './records.ts';
import { ChunkedStaging } from './chunked-staging.ts';
import { DuplicateKeyTracker } from './duplicate-keys.ts';
import { describeFailure } from './failure.ts';
import type { Stager } from './stager.ts';

/** Rows per merge: big enough that each merge is one efficient statement, small enough to overlap the reading. */
const MERGE_CHUNK_ROWS = 100_000;

export interface LoadOptions {
  readonly source: string;
  readonly entity: Entity;
  readonly settings: ParseSettings;
  readonly maxRejectShare: number;
  readonly logger: Logger;
  /** Called after each staged batch with the rows read so far (progress bars, failure injection in tests). */
  readonly onBatch?: (rowsRead: number, fractionDone: number | undefined) => void | Promise<void>;
  /** Rows per merge chunk (default MERGE_CHUNK_ROWS). */
  readonly mergeChunkRows?: number | undefined;
  /** Extra work in the same transaction, just before commit (retry-rejects resolves the old rejects here). */
  readonly beforeCommit?: (trx: Kysely<DB>) => Promise<void>;
  /** The source's own field spec (wide metric files add fields); defaults to the entity's. */
  readonly spec?: EntitySpec | undefined;
  /** For entities that are not stored row for row (events, wide metrics, signals): see stager.ts. */
  readonly createStager?: (() => Stager) | undefined;
  /** Rows derived from this entity, rewritten in the same transaction after the merge (subscriptions → renewals); the result joins the run's detail. */
  readonly derive?: (trx: Kysely<DB>) => Promise<Record<string, unknown>>;
}

const NOTHING_MERGED = { staged: 0, distinct: 0, inserted: 0, updated: 0 };

export interface LoadSummary extends RunCounts {
  readonly runId: number;
  readonly source: string;
  readonly entity: Entity;
  readonly status: 'succeeded' | 'failed';
  readonly duplicates: number;
  readonly durationMs: number;
  readonly error?: string;
  readonly detail?: Record<string, unknown>;
}

interface Tally {
  read: number;
  staged: number;
  rejects: RejectRecord[];
}

const emptyCounts = (tally: Tally): RunCounts => ({ read: tally.read, inserted: 0, updated: 0, unchanged: 0, rejected: tally.rejects.length });

/**
 * Loads one source's records. Returns the summary; throws only when even recording the failure fails.
 * The whole run happens on one connection holding the source's lock (so the next run can tell a dead run
 * from a live one); statistics are refreshed after it is released.
 */
export async function loadRecords(db: Kysely<DB>, recordSource: RecordSource, options: LoadOptions): Promise<LoadSummary> {
  const spec = options.spec ?? entitySpecs[options.entity];
  const summary = await db.connection().execute(async (connection) => {
    await lockSource(connection, options.source);
    try {
      return await loadLocked(connection, recordSource, options);
    } finally {
      await unlockSource(connection, options.source);
    }
  });
  if (summary.status === 'succeeded') {
    const log = options.logger.child({ source: options.source, entity: options.entity, runId: summary.runId });
    // The rows are committed: a failed ANALYZE only costs plan quality until autovacuum's, so it warns.
    await refreshStatistics(db, spec.table, summary.inserted + summary.updated).then(
      (refreshed) => refreshed && log.info({ event: 'ingest_statistics_refreshed', table: spec.table }),
      (error: unknown) => log.warn({ event: 'ingest_statistics_refresh_failed', table: spec.table, error: describeFailure(error) }),
    );
  }
  return summary;
}

async function loadLocked(db: Kysely<DB>, recordSource: RecordSource, options: LoadOptions): Promise<LoadSummary> {
  const spec = options.spec ?? entitySpecs[options.entity];
  const stager = options.createStager?.();
  const columns = stager ? [...stager.columns] : stagedColumns(spec);
  const stagerRows: StagedRow[] = [];
  const validate = createRowValidator(spec, options.settings);
  const started = performance.now();
  // Holding the source's lock, no other run of it is alive: any still `running` belonged to a dead process.
  const dead = await closeDeadRuns(db, options.source);
  const runId = await startRun(db, options.source, options.entity);
  const tally: Tally = { read: 0, staged: 0, rejects: [] };
  const log = options.logger.child({ source: options.source, entity: options.entity, runId });
  if (dead.length > 0) log.warn({ event: 'ingest_dead_runs_closed', runs: dead });
  log.info({ event: 'ingest_started' });

  try {
    const summary = await db.transaction().execute(async (trx) => {
      // Sorting for DISTINCT ON and the merge's hash joins want memory; SET LOCAL ends with the transaction.
      await sql`SET LOCAL work_mem = '256MB'`.execute(trx);
      const accounts = spec.referencesAccount ? await accountIndex(trx) : undefined;
      await (stager ? stager.createStaging(trx) : createStaging(trx, spec.table, columns));
      const duplicateKeys = new DuplicateKeyTracker();
      // Asked at the first merge, so loads that stage nothing never query the catalog.
      let referencesCheckableOnce: Promise<boolean> | undefined;
      const staging = new ChunkedStaging(
        (csv) => copyIntoStaging(trx, columns, csv),
        async (stagedRows) => {
          // A stager merges the whole load at the end (an event export split across files must add up).
          if (stager) return NOTHING_MERGED;
          referencesCheckableOnce ??= spec.referencesAccount ? canCheckReferencesOnce(trx, spec.table) : Promise.resolve(false);
          const counts = await mergeStaging(trx, spec.table, columns, spec.naturalKey, {
            touchUpdatedAt: options.entity === 'accounts',
            mayRepeatKeys: duplicateKeys.repeated,
            stagedRows,
            referencesCheckableOnce: await referencesCheckableOnce,
          });
          await clearStaging(trx);
          return counts;
        },
        options.mergeChunkRows ?? MERGE_CHUNK_ROWS,
      );
      // Where the time goes, reported with the run: reading+validating, waiting on Postgres, merging (overlapping the reading).
      const readingStarted = performance.now();

      try {
        for await (const batch of recordSource.batches) {
          tally.read += batch.rows.length + batch.unreadable.length;
          tally.rejects.push(...batch.unreadable);
          let csv = '';
          let rows = 0;
          const writeStagerRows = () => {
            for (const staged of stagerRows) {
              tally.staged += 1;
              rows += 1;
              csv += `${csvLineOf(staged, columns)},${tally.staged}\n`;
            }
          };
          for (let index = 0; index < batch.rows.length; index += 1) {
            const result = validate(batch.rows[index]!);
            if (!result.ok) {
              tally.rejects.push({ ...batch.origin(index), reason: result.reason });
              continue;
            }
            const row = result.row;
            if (accounts) {
              const externalId = String(row.account_id);
              const accountId = accounts.get(externalId);
              if (accountId === undefined) {
                tally.rejects.push({ ...batch.origin(index), reason: `unknown account ${externalId}` });
                continue;
              }
              row.account_id = accountId;
            }
            if (stager) {
              stagerRows.length = 0;
              stager.stage(row, stagerRows);
              writeStagerRows();
              continue;
            }
            tally.staged += 1;
            rows += 1;
            // Plain loops: this runs once per row of multi-million-row loads.
            let key = '';
            for (const column of spec.naturalKey) key += `${row[column]}\u0001`;
            duplicateKeys.add(key);
            csv += `${csvLineOf(row, columns)},${tally.staged}\n`;
          }
          stager?.endBatch?.((record) => {
            tally.staged += 1;
            rows += 1;
            csv += `${record},${tally.staged}\n`;
          });
          // As bytes at once: a batch's string is a rope of ~10 pieces per row, and kept queued as such it
          // would survive into the old generation (the garbage collector was the largest cost of big loads).
          await staging.add(Buffer.from(csv), rows);
          await options.onBatch?.(tally.read, recordSource.fractionDone?.());
        }

        const rejectShare = tally.read === 0 ? 0 : tally.rejects.length / tally.read;
        if (rejectShare > options.maxRejectShare) {
          throw new RadarError(
            'ingest_reject_share_exceeded',
            `${options.source}: ${tally.rejects.length} of ${tally.read} rows rejected (${(rejectShare * 100).toFixed(1)}% > maxRejectShare ${(options.maxRejectShare * 100).toFixed(1)}%); nothing was loaded — first reason: ${tally.rejects[0]?.reason.slice(0, 500)}`,
            { source: options.source, rejected: tally.rejects.length, read: tally.read },
          );
        }
      } catch (error) {
        // Let queued COPYs and merges finish (or fail) before the rollback runs on this connection.
        await staging.settle();
        throw error;
      }
      const readMs = performance.now() - readingStarted - staging.timings.waitMs;
      const chunked = await staging.finish();
      const stagerStarted = performance.now();
      const merged = stager ? await stager.merge(trx, tally.staged) : chunked;
      const mergeMs = staging.timings.mergeMs + (performance.now() - stagerStarted);
      const timings = { readMs: Math.round(readMs), waitMs: Math.round(staging.timings.waitMs), mergeMs: Math.round(mergeMs) };
      const result = recordSource.result();
      if (result.watermark !== undefined) await writeWatermark(trx, options.source, result.watermark, runId);
      // beforeCommit first: retry-rejects resolves the rejects it retried, so the ones that fail again are
      // recorded as open rejects of their own instead of updating (and then resolving) the old ones.
      await options.beforeCommit?.(trx);
      await insertRejects(trx, runId, options.source, options.entity, tally.rejects);
      const derived = await options.derive?.(trx);
      const duplicates = merged.staged - merged.distinct;
      const counts: RunCounts = {
        read: tally.read,
        inserted: merged.inserted,
        updated: merged.updated,
        unchanged: merged.distinct - merged.inserted - merged.updated + duplicates,
        rejected: tally.rejects.length,
      };
      const durationMs = performance.now() - started;
      await finishRun(trx, runId, 'succeeded', counts, durationMs);
      return { ...counts, runId, source: options.source, entity: options.entity, status: 'succeeded' as const, duplicates, durationMs, detail: { ...result.detail, ...stager?.detail(), ...derived, timings } };
    });
    log.info({ event: 'ingest_succeeded', ...summary, detail: undefined });
    return summary;
  } catch (error) {
    const durationMs = performance.now() - started;
    const message = describeFailure(error);
    await recordFailure(db, runId, options, tally, durationMs, message);
    log.error({ event: 'ingest_failed', error: message, read: tally.read, rejected: tally.rejects.length });
    return { ...emptyCounts(tally), runId, source: options.source, entity: options.entity, status: 'failed', duplicates: 0, durationMs, error: message };
  }
}

/**
 * The data transaction rolled back; the failure and the rejects found so far (so people see why) are
 * recorded on their own. Should the rejects themselves not store, the run is still closed as failed.
 */
async function recordFailure(db: Kysely<DB>, runId: number, options: LoadOptions, tally: Tally, durationMs: number, message: string): Promise<void> {
  try {
    await db.transaction().execute(async (trx) => {
      await insertRejects(trx, runId, options.source, options.entity, tally.rejects);
      await finishRun(trx, runId, 'failed', emptyCounts(tally), durationMs, message);
    });
  } catch (error) {
    await finishRun(db, runId, 'failed', emptyCounts(tally), durationMs, `${message}; its ${tally.rejects.length} reject(s) could not be stored: ${describeFailure(error)}`);
  }
}
