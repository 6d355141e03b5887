// A failed load's message must not carry the row data Postgres puts into its errors.
import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { RadarError } from '../errors.ts';
import { describeFailure } from './failure.ts';

describe('describeFailure', () => {
  it('keeps the condition and names from a database error, never the values', async () => {
    const db = new PGlite();
    try {
      await db.exec('CREATE TABLE t (n integer, CONSTRAINT n_positive CHECK (n > 0))');
      const overflow = await db.query("COPY t FROM '/dev/blob' WITH (FORMAT csv)", [], { blob: new Blob(['3000000000\n']) }).catch((error: unknown) => error);
      const check = await db.query('INSERT INTO t VALUES ($1)', [-7]).catch((error: unknown) => error);
      expect(describeFailure(overflow)).toBe('the database refused the load: a number is out of range for its column (SQLSTATE 22003); row values are withheld from this message');
      expect(describeFailure(check)).toBe('the database refused the load: a check constraint is violated (SQLSTATE 23514; table t, constraint n_positive); row values are withheld from this message');
      expect(describeFailure(overflow)).not.toContain('3000000000');
    } finally {
      await db.close();
    }
  });

  it('passes our own errors and plain errors through', () => {
    expect(describeFailure(new RadarError('ingest_failed', 'f.csv:3: broken'))).toBe('f.csv:3: broken');
    expect(describeFailure(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))).toBe('write EPIPE');
  });
});
