// The small pure pieces: seeded randomness, calendar maths, CSV quoting and fault planting.
import { describe, expect, it } from 'vitest';
import { centsToDecimal, csvLine, csvLineOf } from './csv.ts';
import { addMonths, addYears, formatDay, formatInstant, instantOf, parseDay, weekdayOf } from './days.ts';
import { badDate, linesWithFaults, missing, type FileSpec, type PlantedFaults } from './faults.ts';
import { randomStream } from './random.ts';

describe('randomStream', () => {
  it('repeats for the same seed and labels and differs otherwise', () => {
    const draw = (seed: number, label: string) => Array.from({ length: 5 }, ((rng) => () => rng.next())(randomStream(seed, label)));
    expect(draw(1, 'usage')).toEqual(draw(1, 'usage'));
    expect(draw(1, 'usage')).not.toEqual(draw(2, 'usage'));
    expect(draw(1, 'usage')).not.toEqual(draw(1, 'support'));
  });

  it('fill gives the draws next() would, in order, and leaves the stream where next() would', () => {
    const one = randomStream(4, 'fill');
    const other = randomStream(4, 'fill');
    const filled = new Float64Array(1000);
    one.fill(filled);
    expect([...filled]).toEqual(Array.from({ length: 1000 }, () => other.next()));
    expect(one.next()).toBe(other.next());
  });

  it('draws within bounds with sensible moments', () => {
    const rng = randomStream(9, 'moments');
    const values = Array.from({ length: 20_000 }, () => rng.normal());
    const average = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.reduce((a, b) => a + (b - average) ** 2, 0) / values.length;
    expect(Math.abs(average)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    const ints = Array.from({ length: 1000 }, () => rng.int(3, 5));
    expect(new Set(ints)).toEqual(new Set([3, 4, 5]));
    const poisson = Array.from({ length: 5000 }, () => rng.poisson(2.5));
    expect(Math.abs(poisson.reduce((a, b) => a + b, 0) / poisson.length - 2.5)).toBeLessThan(0.1);
  });
});

describe('days', () => {
  it('parses only real calendar days', () => {
    expect(parseDay('2024-02-29')).toBe(19782);
    expect(parseDay('2025-02-29')).toBeUndefined();
    expect(parseDay('2026-13-01')).toBeUndefined();
    expect(parseDay('2026-1-01')).toBeUndefined();
  });

  it('keeps anniversaries on the same day, with 29 February falling back to the 28th', () => {
    const leap = parseDay('2024-02-29') as number;
    expect(formatDay(addYears(leap, 1))).toBe('2025-02-28');
    expect(formatDay(addYears(leap, 4))).toBe('2028-02-29');
    expect(formatDay(addMonths(parseDay('2025-01-31') as number, 1))).toBe('2025-02-28');
    expect(formatDay(addYears(parseDay('2026-03-01') as number, -2))).toBe('2024-03-01');
  });

  it('formats instants in UTC with Z and knows the weekday', () => {
    expect(formatInstant(instantOf(parseDay('2026-03-01') as number, 3661))).toBe('2026-03-01T01:01:01Z');
    expect(weekdayOf(parseDay('2026-03-01') as number)).toBe(0); // a Sunday
  });
});

describe('csv', () => {
  it('quotes only fields with commas, quotes or line breaks, and writes empty for null', () => {
    expect(csvLine(['acct-00001', 'Acme, Inc.', 'The "Best" Co', null, 12])).toBe('acct-00001,"Acme, Inc.","The ""Best"" Co",,12');
  });

  it('writes the named columns of a record in the order given, a missing one as empty', () => {
    expect(csvLineOf({ name: 'Acme, Inc.', id: 'acct-00001', n: 12, note: ' padded ' }, ['id', 'name', 'absent', 'n', 'note'])).toBe('acct-00001,"Acme, Inc.",,12," padded "');
  });

  it('writes cents as decimal amounts', () => {
    expect(centsToDecimal(125_000)).toBe('1250.00');
    expect(centsToDecimal(105)).toBe('1.05');
    expect(centsToDecimal(-5)).toBe('-0.05');
  });
});

describe('linesWithFaults', () => {
  const spec: FileSpec<number> = {
    file: 'renewals.csv',
    entity: 'renewals',
    header: 'n,day',
    toRecord: (n) => ({ n, day: '2025-06-01' }),
    encode: (record) => csvLine([record.n, record.day]),
    faultKinds: [badDate('day'), missing('n')],
  };

  it('plants one reject and one duplicate even in a two-row file, at the lines it reports', () => {
    const faults: PlantedFaults = { rejects: [], duplicates: [] };
    const tally = { rows: 0 };
    const lines = [...linesWithFaults([1, 2], spec, randomStream(1, 'test'), faults, tally)];
    expect(tally.rows).toBe(lines.length - 1);
    expect(lines).toHaveLength(5);
    expect(faults.rejects).toHaveLength(1);
    expect(faults.duplicates).toEqual([{ file: 'renewals.csv', line: 5, duplicateOfLine: 3 }]);
    const reject = faults.rejects[0];
    const rejectLine = lines[(reject?.line ?? 0) - 1];
    expect(reject?.reason === 'bad date' ? rejectLine === '2,2025-13-01' : rejectLine === ',2025-06-01').toBe(true);
    expect(lines[4]).toBe(lines[2]);
  });

  it('plants roughly 0.05% rejects in a large file', () => {
    const faults: PlantedFaults = { rejects: [], duplicates: [] };
    const rows = Array.from({ length: 100_000 }, (_, i) => i);
    const tally = { rows: 0 };
    for (const _line of linesWithFaults(rows, spec, randomStream(2, 'test'), faults, tally));
    expect(faults.rejects.length).toBeGreaterThan(25);
    expect(faults.rejects.length).toBeLessThan(80);
    expect(tally.rows).toBe(100_000 + faults.rejects.length + faults.duplicates.length);
  });
});
