// Errors of the job machinery.
/** A payload that does not match the job's schema: final, never retried. */
export class BadPayloadError extends Error {
  readonly code = 'bad_payload' as const;
  constructor(readonly job: string, problems: readonly string[]) {
    super(`bad payload for job ${job}: ${problems.join('; ')}`);
    this.name = 'BadPayloadError';
  }
}
