// Keeps the monthly partitions of the history tables in shape for a day's run (docs/scaling.md,
// "Partitioned history"), before the day's writes: every table has a partition for the as-of month and
// the next AHEAD_MONTHS, any month that landed in the default partition (an ingest of old history, a
// backfill) is moved into its own partition, and with a retention setting the months before the cutoff
// are detached (and dropped when configured). Idempotent: a second run for the same day does nothing.
import type { Kysely } from 'kysely';
import type { RetentionConfig } from '../../config/retention.ts';
import { detachMonthPartition, ensureMonthPartition, listMonthPartitions, monthsInDefault, PARTITIONED_TABLES, type PartitionedTable } from '../../sql/partitions.ts';
import type { DB } from '../../sql/schema.ts';

/** Months ahead of the as-of month that get their partition before any row needs it. */
export const AHEAD_MONTHS = 3;

export interface PartitionMaintenance {
  readonly created: readonly string[];
  /** Detached partitions, as `<table>_YYYY_MM`. */
  readonly detached: readonly string[];
}

/** The first day ('YYYY-MM-01') of the month `offset` months after the month of `day` ('YYYY-MM-DD'). */
export function monthStart(day: string, offset = 0): string {
  const year = Number(day.slice(0, 4));
  const month = Number(day.slice(5, 7)) - 1 + offset;
  const shifted = new Date(Date.UTC(year, month, 1));
  return shifted.toISOString().slice(0, 10);
}

/** The first month kept with `months` of retention as of `asOf`: partitions of earlier months are detached. */
export function retentionCutoff(asOf: string, months: number | null): string | undefined {
  return months === null ? undefined : monthStart(asOf, -months);
}

function retentionMonths(table: PartitionedTable, retention: RetentionConfig): number | null {
  return table === 'indicator_values' ? retention.indicatorMonths : retention.usageMonths;
}

export async function maintainPartitions(db: Kysely<DB>, options: { asOf: string; retention: RetentionConfig }): Promise<PartitionMaintenance> {
  const created: string[] = [];
  const detached: string[] = [];
  const ahead = Array.from({ length: AHEAD_MONTHS + 1 }, (_, offset) => monthStart(options.asOf, offset));
  for (const table of Object.keys(PARTITIONED_TABLES) as PartitionedTable[]) {
    const months = [...new Set([...(await monthsInDefault(db, table)), ...ahead])].sort();
    for (const month of months) {
      if (await ensureMonthPartition(db, table, month)) created.push(`${table}_${month.slice(0, 7).replace('-', '_')}`);
    }
    const cutoff = retentionCutoff(options.asOf, retentionMonths(table, options.retention));
    if (cutoff === undefined) continue;
    for (const partition of await listMonthPartitions(db, table)) {
      if (partition.month >= cutoff) continue;
      await detachMonthPartition(db, table, partition.name, { drop: options.retention.dropDetached });
      detached.push(partition.name);
    }
  }
  return { created, detached };
}
