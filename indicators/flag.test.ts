// Unit tests: the flag rule, config validation messages, and the CLI's date/step parsing.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.ts';
import { ConfigError } from '../config/errors.ts';
import { addDays, dayRange, parseDay } from './compute.ts';
import { flagFor } from './flag.ts';
import { indicatorRegistry } from './registry.ts';

describe('flagFor', () => {
  const higher = { warning: 10, critical: 30 };
  const lower = { warning: -0.3, critical: -0.5 };

  it('flags higher-is-worse values, thresholds inclusive', () => {
    expect(flagFor(9.99, higher, 'higher')).toBe('ok');
    expect(flagFor(10, higher, 'higher')).toBe('warning');
    expect(flagFor(29, higher, 'higher')).toBe('warning');
    expect(flagFor(30, higher, 'higher')).toBe('critical');
    expect(flagFor(1e9, higher, 'higher')).toBe('critical');
    expect(flagFor(-5, higher, 'higher')).toBe('ok');
  });

  it('flags lower-is-worse values, thresholds inclusive', () => {
    expect(flagFor(0.2, lower, 'lower')).toBe('ok');
    expect(flagFor(-0.29, lower, 'lower')).toBe('ok');
    expect(flagFor(-0.3, lower, 'lower')).toBe('warning');
    expect(flagFor(-0.5, lower, 'lower')).toBe('critical');
    expect(flagFor(-1, lower, 'lower')).toBe('critical');
  });

  it('is no-data for null, undefined, NaN and infinities — never a crash', () => {
    for (const value of [null, undefined, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(flagFor(value, higher, 'higher')).toBe('no-data');
    }
  });

  it('skips disabled levels', () => {
    expect(flagFor(1, { warning: 1, critical: null }, 'higher')).toBe('warning');
    expect(flagFor(100, { warning: null, critical: null }, 'higher')).toBe('ok');
    expect(flagFor(100, { warning: null, critical: 50 }, 'higher')).toBe('critical');
  });
});

describe('indicator config', () => {
  const problemsOf = (raw: unknown): string[] => {
    try {
      parseConfig(raw);
    } catch (error) {
      if (error instanceof ConfigError) return [...error.problems];
      throw error;
    }
    return [];
  };

  it('has a section with defaults for every registered indicator', () => {
    const { config } = parseConfig({});
    const sections = config.indicators as unknown as Record<string, { warning: number | null; critical: number | null; recentDays?: number }>;
    expect(Object.keys(sections).sort()).toEqual([...indicatorRegistry.map((indicator) => indicator.id), 'coverageStart', 'custom'].sort());
    expect(sections.usageDecline).toEqual({ recentDays: 30, baselineDays: 90, warning: -0.3, critical: -0.5 });
    expect(sections.paymentDelay).toEqual({ invoices: 6, warning: 10, critical: 30 });
  });

  it('names the key when critical is not beyond warning in the risk direction', () => {
    expect(problemsOf({ indicators: { paymentDelay: { warning: 30, critical: 10 } } })).toEqual([
      'indicators.paymentDelay.critical: must be greater than warning (30)',
    ]);
    expect(problemsOf({ indicators: { usageDecline: { warning: -0.5, critical: -0.3 } } })).toEqual([
      'indicators.usageDecline.critical: must be less than warning (-0.5): lower values are riskier here',
    ]);
    // Only one side given: the other keeps its default and the rule still applies.
    expect(problemsOf({ indicators: { supportEscalations: { critical: 1 } } })).toEqual(['indicators.supportEscalations.critical: must be greater than warning (1)']);
  });

  it('rejects misspelt keys, bad windows and unknown indicators by name', () => {
    expect(problemsOf({ indicators: { usageDecline: { recentDay: 14 } } })[0]).toMatch(/^indicators\.usageDecline\.recentDay: unknown key/);
    expect(problemsOf({ indicators: { activeDays: { recentDays: 0 } } })[0]).toMatch(/^indicators\.activeDays\.recentDays: /);
    expect(problemsOf({ indicators: { usageTrend: { days: 10, minDays: 20 } } })).toEqual(['indicators.usageTrend.minDays: must be at most days (10)']);
    expect(problemsOf({ indicators: { usageDeclines: {} } })[0]).toMatch(/^indicators\.usageDeclines: unknown key/);
  });

  it('describes every key of every indicator section', () => {
    for (const indicator of indicatorRegistry) {
      const shape = (indicator.configSchema as unknown as { shape: Record<string, { description?: string }> }).shape;
      for (const [key, schema] of Object.entries(shape)) expect({ indicator: indicator.id, key, described: Boolean(schema.description) }).toEqual({ indicator: indicator.id, key, described: true });
    }
  });
});

describe('days and steps', () => {
  it('accepts real calendar days only', () => {
    expect(parseDay('2024-02-29')).toBe('2024-02-29');
    expect(() => parseDay('2025-02-29')).toThrow(/calendar day/);
    expect(() => parseDay('2024-2-1')).toThrow(/calendar day/);
  });

  it('steps across month ends and leap days', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-02-29', 1)).toBe('2024-03-01');
    expect(addDays('2024-03-31', -31)).toBe('2024-02-29');
    expect(dayRange('2024-01-31', '2024-03-01', 14)).toEqual(['2024-01-31', '2024-02-14', '2024-02-28']);
    expect(() => dayRange('2024-03-01', '2024-01-01', 7)).toThrow(/after/);
  });
});
