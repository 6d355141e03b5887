// The report's hand-written charts on data that cannot be scaled: no data, only zeros, gaps, and
// values so small that rounded axis labels repeat. Read as text, the way the report shows it.
import { describe, expect, it } from 'vitest';
import { moneyShort } from './format.ts';
import { renderChart } from './svg.ts';
import type { ChartDatum } from './view.ts';

const axis = (value: number) => moneyShort(Math.round(value));
const texts = (svg: string) => [...svg.matchAll(/<text class="(axis|empty)"[^>]*>([^<]*)<\/text>/g)].map((match) => `${match[1]}:${match[2]}`);
const week = (label: string, value: number | null): ChartDatum => ({ label, value, display: value === null ? 'not scored' : `$${value / 100}` });

describe('report charts', () => {
  it('a line with no data: one $0 label, a "no data" note, no line', () => {
    const svg = renderChart({ kind: 'line', id: 'trend', title: 'Trend', points: [week('W01', null), week('W02', null)], axisLabel: axis });
    expect(texts(svg)).toEqual(['axis:$0', 'axis:W01', 'axis:W02', 'empty:no data']);
    expect(svg).not.toContain('<polyline');
    expect(svg).not.toContain('<circle');
  });

  it('a line of zeros: one $0 label and a note, not "$0 $0 $0 $0 $0"', () => {
    const svg = renderChart({ kind: 'line', id: 'trend', title: 'Trend', points: [week('W01', 0), week('W02', 0), week('W03', 0)], axisLabel: axis });
    expect(texts(svg).filter((text) => text.startsWith('axis:$'))).toEqual(['axis:$0']);
    expect(texts(svg)).toContain('empty:no data: every value is 0');
  });

  it('a gap splits the line and is named; the points either side are drawn', () => {
    const svg = renderChart({ kind: 'line', id: 'trend', title: 'Trend', points: [week('W01', 100_000), week('W02', 300_000), week('W03', null), week('W04', 200_000), week('W05', 400_000)], axisLabel: axis });
    // Max 400,000 cents ($4,000) → axis to $5,000 in steps of $1,000.
    expect(texts(svg).filter((text) => text.startsWith('axis:$'))).toEqual(['axis:$0', 'axis:$1k', 'axis:$2k', 'axis:$3k', 'axis:$4k', 'axis:$5k']);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg.match(/<circle/g)).toHaveLength(4);
    expect(texts(svg)).toContain('empty:gaps: no data that week');
  });

  it('tiny values do not repeat a rounded label', () => {
    // Max 150 cents → axis to 200 cents in steps of 50: $0, $1 ($0.50 rounds up), $1, $2, $2 → each label once.
    const svg = renderChart({ kind: 'line', id: 'trend', title: 'Trend', points: [week('W01', 100), week('W02', 150)], axisLabel: axis });
    const labels = texts(svg).filter((text) => text.startsWith('axis:$'));
    expect(new Set(labels).size).toBe(labels.length);
    expect(labels[0]).toBe('axis:$0');
    expect(labels.at(-1)).toBe('axis:$2');
  });

  it('bars of zeros: the $0 end of the axis only, and a note', () => {
    const svg = renderChart({ kind: 'bars', id: 'tiers', title: 'Tiers', bars: [week('low', 0), week('high', 0)], axisLabel: axis });
    expect(texts(svg)).toEqual(['empty:no data: every value is 0', 'axis:$0']);
    const scaled = renderChart({ kind: 'bars', id: 'tiers', title: 'Tiers', bars: [week('low', 0), week('high', 250_000)], axisLabel: axis });
    expect(texts(scaled)).toEqual(['axis:$0', 'axis:$3k']); // $2,500 is its own nice max; moneyShort rounds it to "$3k"
  });

  it('bars without data say "no data"', () => {
    const svg = renderChart({ kind: 'bars', id: 'segments', title: 'Segments', bars: [week('smb', null)], axisLabel: axis });
    expect(texts(svg)).toEqual(['empty:no data', 'axis:$0']);
  });
});
