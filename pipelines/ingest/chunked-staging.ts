// Staging and merging in chunks on the load's own connection (one transaction), queued behind each other
// while the caller keeps reading: JavaScript parses and validates the next rows while Postgres copies and
// merges the previous ones, instead of every merge waiting for the whole file to be read.
//
// A key repeated within a chunk is merged once (last occurrence wins, counted as a duplicate); a key
// repeated in a later chunk updates the row the earlier chunk wrote (counted as updated or unchanged).
// Either way the stored row is the last occurrence.
import type { MergeCounts } from '../../sql/ingest.ts';

export interface ChunkedStagingTimings {
  /** Time the reader waited for Postgres (it only waits when a whole chunk is queued unstaged). */
  waitMs: number;
  /** Time Postgres spent merging (overlapping the reading). */
  mergeMs: number;
}

export class ChunkedStaging {
  private chain: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;
  /** Rows handed over whose COPY has not finished. */
  private queuedRows = 0;
  /** Rows handed over since the last merge was queued. */
  private unmergedRows = 0;
  private readonly merges: MergeCounts[] = [];
  readonly timings: ChunkedStagingTimings = { waitMs: 0, mergeMs: 0 };

  constructor(
    private readonly copy: (csv: Uint8Array) => Promise<void>,
    /** Merges the staged rows and empties the staging table. */
    private readonly mergeChunk: (stagedRows: number) => Promise<MergeCounts>,
    private readonly chunkRows: number,
  ) {}

  /** Queues `rows` CSV lines (UTF-8); waits only while a whole chunk is still queued (bounding memory). */
  async add(csv: Uint8Array, rows: number): Promise<void> {
    this.rethrow();
    if (rows === 0) return;
    if (this.queuedRows >= this.chunkRows) await this.wait();
    this.queuedRows += rows;
    this.unmergedRows += rows;
    this.queue(async () => {
      await this.copy(csv);
      this.queuedRows -= rows;
    });
    if (this.unmergedRows >= this.chunkRows) this.queueMerge();
  }

  /** Merges what is left and returns the counts of all chunks together. */
  async finish(): Promise<MergeCounts> {
    this.rethrow();
    if (this.unmergedRows > 0) this.queueMerge();
    await this.wait();
    return this.merges.reduce(
      (total, merge) => ({ staged: total.staged + merge.staged, distinct: total.distinct + merge.distinct, inserted: total.inserted + merge.inserted, updated: total.updated + merge.updated }),
      { staged: 0, distinct: 0, inserted: 0, updated: 0 },
    );
  }

  /** Waits for whatever is queued, without throwing (for cleanup before a rollback). */
  async settle(): Promise<void> {
    await this.chain.catch(() => undefined);
  }

  private queueMerge(): void {
    const rows = this.unmergedRows;
    this.unmergedRows = 0;
    this.queue(async () => {
      const started = performance.now();
      this.merges.push(await this.mergeChunk(rows));
      this.timings.mergeMs += performance.now() - started;
    });
  }

  private queue(step: () => Promise<void>): void {
    this.chain = this.chain.then(() => (this.failure ? undefined : step())).catch((error: unknown) => {
      this.failure ??= { error };
    });
  }

  private async wait(): Promise<void> {
    const started = performance.now();
    await this.chain;
    this.timings.waitMs += performance.now() - started;
    this.rethrow();
  }

  private rethrow(): void {
    if (this.failure) throw this.failure.error;
  }
}
