// Option parsing of `radar indicators` and `radar backtest` (moved here with the command, from indicators/flag.test.ts).
import { describe, expect, it } from 'vitest';
import { parseStep } from './indicators.ts';

describe('--step', () => {
  it('reads days and weeks, and names the option when it cannot', () => {
    expect(parseStep('7d')).toBe(7);
    expect(parseStep('2w')).toBe(14);
    expect(() => parseStep('0d')).toThrow(/--step/);
    expect(() => parseStep('weekly')).toThrow(/--step/);
  });
});
