import { describe, expect, it } from 'vitest';
import { RadarError } from '../pipelines/errors.ts';
import { parseId, tryParseId } from './ids.ts';

describe('parseId', () => {
  it('accepts plain decimal digits', () => {
    expect(parseId('5', 'task id')).toBe(5);
    expect(parseId('9007199254740991', 'task id')).toBe(9_007_199_254_740_991);
    expect(parseId(42, 'alertId')).toBe(42);
  });

  it.each(['0x5', '5e0', ' 5', '5 ', '+5', '5.0', '05', '0', '-5', '', '0b101', '1_000', '٥', '9007199254740993'])('refuses %j, naming the field', (value) => {
    expect(() => parseId(value, 'task id')).toThrow(RadarError);
    expect(() => parseId(value, 'task id')).toThrow(`task id must be a positive whole number written with the digits 0-9 only, got ${JSON.stringify(value)}`);
  });

  it('refuses non-strings and unsafe numbers', () => {
    expect(() => parseId(5.5, 'alertId')).toThrow('alertId must be a positive whole number written with the digits 0-9 only, got number');
    expect(() => parseId(undefined, 'button value')).toThrow('got undefined');
    expect(tryParseId('0x5', 'button value')).toEqual({ error: 'button value must be a positive whole number written with the digits 0-9 only, got "0x5"' });
    expect(tryParseId('7', 'button value')).toEqual({ id: 7 });
  });
});
