// The loader: validates every record, quarantines the bad ones with their reason, stages the good ones
// with COPY and merges them on their natural key — all in one transaction together with the source's
// new watermark and the run's rejects. A crash or an injected failure leaves the previous state intact;
// a run whose reject share exceeds the source's maxRejectShare commits none of its rows.
import type { Kysely } from 'kysely';
import type { Entity } from '../../config/sources.ts';
import { sql } from 'kysely';
import type { DB } from '../../sql/schema.ts';
import {
  accountIndex,
  copyIntoStaging,
  createStaging,
  finishRun,
  insertRejects,
  mergeStaging,
  refreshStatistics,
  startRun,
  writeWatermark,
  type RejectRecord,
  type RunCounts,
} from '../../sql/ingest.ts';
import { RadarError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { csvField } from '../csv.ts';
import { createRowValidator, entitySpecs, stagedColumns, type ParseSettings } from './entities.ts';
import type { RecordSource } from './records.ts';
import { DuplicateKeyTracker } from './duplicate-keys.ts';

export interface LoadOptions {
  readonly source: string;
  readonly entity: Entity;
  readonly settings: ParseSettings;
  readonly maxRejectShare: number;
  readonly logger: Logger;
  /** Called after each staged batch with the rows read so far (progress bars, failure injection in tests). */
  readonly onBatch?: (rowsRead: number, fractionDone: number | undefined) => void | Promise<void>;
  /** Extra work in the same transaction, just before commit (retry-rejects resolves the old rejects here). */
  readonly beforeCommit?: (trx: Kysely<DB>) => Promise<void>;
}

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

/** Loads one source's records. Returns the summary; throws only when even recording the failure fails. */
export async function loadRecords(db: Kysely<DB>, recordSource: RecordSource, options: LoadOptions): Promise<LoadSummary> {
  const spec = entitySpecs[options.entity];
  const columns = stagedColumns(spec);
  const validate = createRowValidator(spec, options.settings);
  const started = performance.now();
  const runId = await startRun(db, options.source, options.entity);
  const tally: Tally = { read: 0, staged: 0, rejects: [] };
  const log = options.logger.child({ source: options.source, entity: options.entity, runId });
  log.info({ event: 'ingest_started' });

  try {
    const summary = await db.transaction().execute(async (trx) => {
      // Sorting for DISTINCT ON and the merge's hash joins want memory; SET LOCAL ends with the transaction.
      await sql`SET LOCAL work_mem = '256MB'`.execute(trx);
      const accounts = spec.referencesAccount ? await accountIndex(trx) : undefined;
      await createStaging(trx, spec.table, columns);
      const duplicateKeys = new DuplicateKeyTracker();
      let inFlight: Promise<void> = Promise.resolve();
      // Where the time goes, reported with the run: reading+validating, waiting on COPY, merging.
      const phases = { readMs: 0, copyWaitMs: 0, mergeMs: 0 };
      let phaseStart = performance.now();

      for await (const batch of recordSource.batches) {
        tally.read += batch.rows.length + batch.unreadable.length;
        tally.rejects.push(...batch.unreadable);
        let csv = '';
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
          tally.staged += 1;
          // Plain loops: this runs once per row of multi-million-row loads.
          let key = '';
          for (const column of spec.naturalKey) key += `${row[column]}\u0001`;
          duplicateKeys.add(key);
          let line = '';
          for (const column of columns) line += `${csvField(row[column])},`;
          csv += `${line}${tally.staged}\n`;
        }
        // One COPY in flight while the next batch is parsed: JS and Postgres work side by side.
        phases.readMs += performance.now() - phaseStart;
        phaseStart = performance.now();
        await inFlight;
        phases.copyWaitMs += performance.now() - phaseStart;
        inFlight = csv ? copyIntoStaging(trx, columns, csv) : Promise.resolve();
        // Handled here so a failure injected below cannot leave an unhandled rejection; awaited again later.
        inFlight.catch(() => undefined);
        await options.onBatch?.(tally.read, recordSource.fractionDone?.());
        phaseStart = performance.now();
      }
      phases.readMs += performance.now() - phaseStart;
      phaseStart = performance.now();
      await inFlight;
      phases.copyWaitMs += performance.now() - phaseStart;

      const rejectShare = tally.read === 0 ? 0 : tally.rejects.length / tally.read;
      if (rejectShare > options.maxRejectShare) {
        throw new RadarError(
          'ingest_reject_share_exceeded',
          `${options.source}: ${tally.rejects.length} of ${tally.read} rows rejected (${(rejectShare * 100).toFixed(1)}% > maxRejectShare ${(options.maxRejectShare * 100).toFixed(1)}%); nothing was loaded — first reason: ${tally.rejects[0]?.reason}`,
          { source: options.source, rejected: tally.rejects.length, read: tally.read },
        );
      }

      phaseStart = performance.now();
      const merged = tally.staged > 0 ? await mergeStaging(trx, spec.table, columns, spec.naturalKey, { touchUpdatedAt: options.entity === 'accounts', mayRepeatKeys: duplicateKeys.repeated, referencesAccount: spec.referencesAccount, stagedRows: tally.staged }) : { staged: 0, distinct: 0, inserted: 0, updated: 0 };
      phases.mergeMs = performance.now() - phaseStart;
      const result = recordSource.result();
      if (result.watermark !== undefined) await writeWatermark(trx, options.source, result.watermark, runId);
      await insertRejects(trx, runId, options.source, options.entity, tally.rejects);
      await options.beforeCommit?.(trx);
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
      const timings = { readMs: Math.round(phases.readMs), copyWaitMs: Math.round(phases.copyWaitMs), mergeMs: Math.round(phases.mergeMs) };
      return { ...counts, runId, source: options.source, entity: options.entity, status: 'succeeded' as const, duplicates, durationMs, detail: { ...result.detail, timings } };
    });
    log.info({ event: 'ingest_succeeded', ...summary, detail: undefined });
    // The rows are committed: a failed ANALYZE only costs plan quality until autovacuum's, so it warns.
    await refreshStatistics(db, spec.table, summary.inserted + summary.updated).then(
      (refreshed) => refreshed && log.info({ event: 'ingest_statistics_refreshed', table: spec.table }),
      (error: unknown) => log.warn({ event: 'ingest_statistics_refresh_failed', table: spec.table, error: (error as Error).message }),
    );
    return summary;
  } catch (error) {
    const durationMs = performance.now() - started;
    const message = (error as Error).message;
    // The data transaction rolled back; record the failure (and the rejects, so people see why) on their own.
    await db.transaction().execute(async (trx) => {
      if (error instanceof RadarError && error.code === 'ingest_reject_share_exceeded') await insertRejects(trx, runId, options.source, options.entity, tally.rejects);
      await finishRun(trx, runId, 'failed', emptyCounts(tally), durationMs, message);
    });
    log.error({ event: 'ingest_failed', error: message, read: tally.read, rejected: tally.rejects.length });
    return { ...emptyCounts(tally), runId, source: options.source, entity: options.entity, status: 'failed', duplicates: 0, durationMs, error: message };
  }
}
