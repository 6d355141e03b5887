// Typed errors carry a stable code and the context needed to act on them. The CLI maps codes to exit codes.
export type RadarErrorCode =
  | 'config_invalid'
  | 'usage'
  | 'migration_checksum_mismatch'
  | 'migration_failed'
  | 'partition_failed'
  | 'database_unavailable'
  | 'ingest_failed'
  | 'ingest_reject_share_exceeded'
  | 'source_unavailable'
  | 'not_found'
  | 'delivery_failed'
  | 'delivery_deferred';

export class RadarError extends Error {
  readonly code: RadarErrorCode;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: RadarErrorCode, message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RadarError';
    this.code = code;
    this.context = Object.freeze({ ...context });
  }
}

/** Exit code for the CLI: 2 for what the user must fix in their invocation or config, 1 for everything else. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof RadarError && (error.code === 'config_invalid' || error.code === 'usage')) return 2;
  return 1;
}
