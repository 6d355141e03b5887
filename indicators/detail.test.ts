import { describe, expect, it } from 'vitest';
import { detailFields } from './detail.ts';

describe('detailFields', () => {
  const fields = detailFields(
    { count: 'number', ok: 'boolean', due: 'date', at: 'timestamp', source: ['contract', 'decided'] },
    { extras: ['names'] },
  );

  it('unpacks each kind in declared order', () => {
    expect(fields.unpack([3.5, 1, 19_782, 1_709_294_400, 1], { names: ['A'] })).toEqual({
      count: 3.5, ok: true, due: '2024-02-29', at: '2024-03-01T12:00:00.000Z', source: 'decided', names: ['A'],
    });
    expect(fields.unpack([0, 0, 0, 0, 0])).toEqual({ count: 0, ok: false, due: '1970-01-01', at: '1970-01-01T00:00:00.000Z', source: 'contract' });
  });

  it('keeps NULLs as null, an unknown word position as null, and ignores extras it did not declare', () => {
    expect(fields.unpack([null, null, null, null, 7], { names: null, other: 1 })).toEqual({ count: null, ok: null, due: null, at: null, source: null, names: null });
  });

  it('gives an empty detail when the indicator returned no row', () => {
    expect(fields.unpack(null)).toEqual({});
  });
});
