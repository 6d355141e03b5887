import type { Json } from '../../sql/schema.ts';

export type { Json };

/** The fields of an outbox row a body is built from. */
export interface OutboxRowLike {
  readonly eventType: string;
  readonly occurredAt: Date;
  readonly data: Json;
}
