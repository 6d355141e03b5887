// What a job needs from the outside world, passed in once: the CLI builds it from its context, a
// worker builds it once per process, tests build it directly. Nothing here reads the environment.
import type { Kysely } from 'kysely';
import type { DeliveryHooks } from '../../alerts/deliver.ts';
import type { SlackApi } from '../../alerts/slack.ts';
import type { LoadedConfig } from '../../config/load.ts';
import type { DB } from '../../sql/schema.ts';
import type { Logger } from '../log.ts';
import type { ShardRef } from './shards.ts';

export const DAILY_STEPS = ['ingest', 'indicators', 'score', 'outcomes', 'alerts', 'escalations', 'calendar', 'forecast', 'webhooks'] as const;
export type DailyStep = (typeof DAILY_STEPS)[number];

export interface JobDeps {
  readonly db: Kysely<DB>;
  readonly loaded: LoadedConfig;
  readonly logger: Logger;
  /** null = dry run: alerts go to `outboxDir`. */
  readonly slack: SlackApi | null;
  readonly outboxDir: string;
  /** Where a dry run prints each message (stdout in `radar run`, the log in a worker). */
  readonly print: (line: string) => void;
  /** The clock, for delivery timestamps only; the as-of day is always a parameter. */
  readonly now: () => Date;
  /** Test seams: called before each daily step, and around Slack delivery. */
  readonly hooks?: {
    readonly beforeStep?: (step: DailyStep, asOf: string, shard?: ShardRef) => void | Promise<void>;
    readonly delivery?: DeliveryHooks;
  };
}
