// Hand-written inline SVG charts: no library, no external asset, no script. Each chart is one <svg>
// with an id, a <title> for screen readers, and only finite coordinates. A chart with no data, or only
// zeros, draws its zero line with one label and a "no data" note, never NaN or a column of "$0"; a
// missing point (null) is a gap in the line, not a zero.
import type { CalibrationBin } from '../../models/metrics.ts';
import type { ChartDatum, IntervalDatum, ViewChart } from './view.ts';

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const n = (value: number): string => {
  if (!Number.isFinite(value)) throw new RangeError(`chart coordinate ${value} is not finite`);
  return (Math.round(value * 10) / 10).toString();
};

/** A round axis maximum ≥ value: 1, 2, 2.5 or 5 × 10^k; 1 when value ≤ 0. */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}

function open(id: string, title: string, width: number, height: number): string {
  return `<svg id="${escapeXml(id)}" class="chart" role="img" aria-labelledby="${escapeXml(id)}-title" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg"><title id="${escapeXml(id)}-title">${escapeXml(title)}</title>`;
}

/** The note on a chart whose data cannot be drawn as a line or bars, or undefined when it can. */
function emptyNote(values: readonly (number | null)[]): string | undefined {
  const known = values.filter((value): value is number => value !== null);
  if (known.length === 0) return 'no data';
  return known.every((value) => value === 0) ? 'no data: every value is 0' : undefined;
}

/** Intervals between axis ticks on a niceMax scale, so every tick is a round number (5 → 1, 2, 3, 4, 5; 2 → 0.5, 1, 1.5, 2). */
function intervals(max: number): number {
  const mantissa = max / 10 ** Math.floor(Math.log10(max));
  return Math.abs(mantissa - 2) < 1e-9 ? 4 : 5;
}

/** Axis ticks from 0 to max, each labelled once: a label equal to the one below it is left off. */
function ticks(max: number, axisLabel: (value: number) => string): { value: number; label: string | undefined }[] {
  const count = intervals(max);
  let previous: string | undefined;
  return Array.from({ length: count + 1 }, (_, k) => {
    const value = (max * k) / count;
    const label = axisLabel(value);
    const shown = label === previous ? undefined : label;
    previous = label;
    return { value, label: shown };
  });
}

function lineChart(id: string, title: string, points: readonly ChartDatum[], axisLabel: (value: number) => string): string {
  const width = 520;
  const height = 240;
  const left = 70;
  const right = 20;
  const top = 20;
  const bottom = 40;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const note = emptyNote(points.map((p) => p.value));
  const max = niceMax(Math.max(0, ...points.map((p) => p.value ?? 0)));
  const x = (i: number) => left + (points.length <= 1 ? plotW / 2 : (i * plotW) / (points.length - 1));
  const y = (value: number) => top + plotH - (value / max) * plotH;
  const parts = [open(id, title, width, height)];
  // With nothing to scale, only the zero line is labelled: four more "$0" labels would say nothing.
  for (const tick of note ? ticks(max, axisLabel).slice(0, 1) : ticks(max, axisLabel)) {
    parts.push(`<line class="grid" x1="${left}" x2="${width - right}" y1="${n(y(tick.value))}" y2="${n(y(tick.value))}"/>`);
    if (tick.label !== undefined) parts.push(`<text class="axis" x="${left - 6}" y="${n(y(tick.value) + 4)}" text-anchor="end">${escapeXml(tick.label)}</text>`);
  }
  // A gap (null) splits the line: a week with no data is not drawn as 0.
  const runs: { i: number; value: number }[][] = [[]];
  points.forEach((p, i) => {
    if (p.value === null) runs.push([]);
    else runs[runs.length - 1]!.push({ i, value: p.value });
  });
  for (const run of runs.filter((r) => r.length > 1)) parts.push(`<polyline class="series" fill="none" points="${run.map((p) => `${n(x(p.i))},${n(y(p.value))}`).join(' ')}"/>`);
  points.forEach((p, i) => {
    if (p.value !== null) parts.push(`<circle class="point" cx="${n(x(i))}" cy="${n(y(p.value))}" r="3.5"><title>${escapeXml(`${p.label}: ${p.display}`)}</title></circle>`);
    parts.push(`<text class="axis" x="${n(x(i))}" y="${height - bottom + 16}" text-anchor="middle">${escapeXml(p.label)}</text>`);
  });
  if (note) parts.push(`<text class="empty" x="${left + plotW / 2}" y="${top + plotH / 2}" text-anchor="middle">${escapeXml(note)}</text>`);
  else if (points.some((p) => p.value === null)) parts.push(`<text class="empty" x="${left}" y="${height - 4}">gaps: no data that week</text>`);
  parts.push('</svg>');
  return parts.join('');
}

function barChart(id: string, title: string, bars: readonly ChartDatum[], axisLabel: (value: number) => string): string {
  const width = 520;
  const row = 28;
  const left = 110;
  const right = 120;
  const top = 10;
  const height = top + Math.max(1, bars.length) * row + 24;
  const plotW = width - left - right;
  const note = emptyNote(bars.map((b) => b.value));
  const max = niceMax(Math.max(0, ...bars.map((b) => b.value ?? 0)));
  const parts = [open(id, title, width, height)];
  bars.forEach((bar, i) => {
    const yTop = top + i * row;
    const w = (Math.max(0, bar.value ?? 0) / max) * plotW;
    parts.push(`<text class="label" x="${left - 8}" y="${n(yTop + row / 2 + 4)}" text-anchor="end">${escapeXml(bar.label)}</text>`);
    parts.push(`<rect class="bar" x="${left}" y="${n(yTop + 4)}" width="${n(w)}" height="${row - 8}"><title>${escapeXml(`${bar.label}: ${bar.display}`)}</title></rect>`);
    parts.push(`<text class="value" x="${n(left + w + 6)}" y="${n(yTop + row / 2 + 4)}">${escapeXml(bar.display)}</text>`);
  });
  const axisY = top + Math.max(1, bars.length) * row;
  if (note) parts.push(`<text class="empty" x="${left + plotW / 2 + 40}" y="${n(top + (axisY - top) / 2 + 4)}" text-anchor="middle">${escapeXml(note)}</text>`);
  parts.push(`<line class="grid" x1="${left}" x2="${left + plotW}" y1="${axisY}" y2="${axisY}"/>`);
  parts.push(`<text class="axis" x="${left}" y="${axisY + 16}" text-anchor="start">${escapeXml(axisLabel(0))}</text>`);
  // The far end is labelled only when the bars have a scale (else it would repeat the zero label).
  if (!note) parts.push(`<text class="axis" x="${left + plotW}" y="${axisY + 16}" text-anchor="end">${escapeXml(axisLabel(max))}</text>`);
  parts.push('</svg>');
  return parts.join('');
}

function calibrationPlot(id: string, title: string, bins: readonly CalibrationBin[]): string {
  const size = 320;
  const pad = 44;
  const plot = size - 2 * pad;
  const x = (p: number) => pad + p * plot;
  const y = (p: number) => size - pad - p * plot;
  const parts = [open(id, title, size, size)];
  for (let k = 0; k <= 4; k++) {
    const v = k / 4;
    parts.push(`<line class="grid" x1="${n(x(0))}" x2="${n(x(1))}" y1="${n(y(v))}" y2="${n(y(v))}"/>`);
    parts.push(`<text class="axis" x="${pad - 6}" y="${n(y(v) + 4)}" text-anchor="end">${v * 100}%</text>`);
    parts.push(`<text class="axis" x="${n(x(v))}" y="${size - pad + 16}" text-anchor="middle">${v * 100}%</text>`);
  }
  parts.push(`<line class="diagonal" x1="${n(x(0))}" y1="${n(y(0))}" x2="${n(x(1))}" y2="${n(y(1))}"/>`);
  parts.push(`<text class="axis" x="${size / 2}" y="${size - 6}" text-anchor="middle">mean predicted probability</text>`);
  parts.push(`<text class="axis" transform="translate(12 ${size / 2}) rotate(-90)" text-anchor="middle">observed churn rate</text>`);
  if (bins.length > 0) {
    parts.push(`<polyline class="series" fill="none" points="${bins.map((b) => `${n(x(b.meanPredicted))},${n(y(b.observedRate))}`).join(' ')}"/>`);
    for (const b of bins) {
      parts.push(`<circle class="point" cx="${n(x(b.meanPredicted))}" cy="${n(y(b.observedRate))}" r="4.5"><title>${escapeXml(`bin ${b.bin}: ${b.count} renewals, mean ${(b.meanPredicted * 100).toFixed(1)}%, observed ${(b.observedRate * 100).toFixed(1)}%`)}</title></circle>`);
    }
  } else {
    parts.push(`<text class="empty" x="${size / 2}" y="${size / 2}" text-anchor="middle">n/a — no scored renewals</text>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

/** Per period: the 80% interval as a band, the expected value as a tick, the actual (once known) as a dot. */
function intervalChart(id: string, title: string, rows: readonly IntervalDatum[], axisLabel: (value: number) => string): string {
  const width = 520;
  const height = 260;
  const left = 70;
  const right = 20;
  const top = 20;
  const bottom = 58;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const note = emptyNote(rows.flatMap((row) => [row.high, row.actual]));
  const max = niceMax(Math.max(0, ...rows.flatMap((row) => [row.high, row.actual ?? 0])));
  const slot = plotW / Math.max(1, rows.length);
  const x = (i: number) => left + slot * (i + 0.5);
  const y = (value: number) => top + plotH - (value / max) * plotH;
  const band = Math.min(36, slot * 0.5);
  const parts = [open(id, title, width, height)];
  for (const tick of note ? ticks(max, axisLabel).slice(0, 1) : ticks(max, axisLabel)) {
    parts.push(`<line class="grid" x1="${left}" x2="${width - right}" y1="${n(y(tick.value))}" y2="${n(y(tick.value))}"/>`);
    if (tick.label !== undefined) parts.push(`<text class="axis" x="${left - 6}" y="${n(y(tick.value) + 4)}" text-anchor="end">${escapeXml(tick.label)}</text>`);
  }
  rows.forEach((row, i) => {
    const cx = x(i);
    parts.push(`<g><title>${escapeXml(`${row.label}: ${row.display}`)}</title>`);
    parts.push(`<rect class="band" x="${n(cx - band / 2)}" y="${n(y(row.high))}" width="${n(band)}" height="${n(Math.max(1, y(row.low) - y(row.high)))}"/>`);
    parts.push(`<line class="expected" x1="${n(cx - band / 2)}" x2="${n(cx + band / 2)}" y1="${n(y(row.expected))}" y2="${n(y(row.expected))}"/>`);
    if (row.actual !== null) parts.push(`<circle class="actual" cx="${n(cx)}" cy="${n(y(row.actual))}" r="5"/>`);
    parts.push('</g>');
    parts.push(`<text class="axis" x="${n(cx)}" y="${height - bottom + 16}" text-anchor="middle">${escapeXml(row.label)}</text>`);
  });
  const legendY = height - 12;
  parts.push(`<rect class="band" x="${left}" y="${legendY - 9}" width="14" height="10"/><text class="axis" x="${left + 18}" y="${legendY}">80% interval</text>`);
  parts.push(`<line class="expected" x1="${left + 110}" x2="${left + 124}" y1="${legendY - 4}" y2="${legendY - 4}"/><text class="axis" x="${left + 128}" y="${legendY}">expected</text>`);
  parts.push(`<circle class="actual" cx="${left + 200}" cy="${legendY - 4}" r="4.5"/><text class="axis" x="${left + 208}" y="${legendY}">actual</text>`);
  if (note) parts.push(`<text class="empty" x="${left + plotW / 2}" y="${top + plotH / 2}" text-anchor="middle">${escapeXml(note)}</text>`);
  parts.push('</svg>');
  return parts.join('');
}

export function renderChart(chart: ViewChart): string {
  switch (chart.kind) {
    case 'line':
      return lineChart(chart.id, chart.title, chart.points, chart.axisLabel);
    case 'bars':
      return barChart(chart.id, chart.title, chart.bars, chart.axisLabel);
    case 'calibration':
      return calibrationPlot(chart.id, chart.title, chart.bins);
    case 'intervals':
      return intervalChart(chart.id, chart.title, chart.rows, chart.axisLabel);
  }
}
