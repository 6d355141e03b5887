// Errors of the job machinery. A JobNotAvailableError is final: retrying cannot make the code exist.
export class JobNotAvailableError extends Error {
  readonly code = 'job_not_available' as const;
  constructor(readonly job: string, reason: string) {
    super(`job ${job} is not available yet: ${reason}`);
    this.name = 'JobNotAvailableError';
  }
}

/** A payload that does not match the job's schema: final, never retried. */
export class BadPayloadError extends Error {
  readonly code = 'bad_payload' as const;
  constructor(readonly job: string, problems: readonly string[]) {
    super(`bad payload for job ${job}: ${problems.join('; ')}`);
    this.name = 'BadPayloadError';
  }
}
