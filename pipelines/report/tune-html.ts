// `radar tune --html FILE`: one self-contained page (inline SVG and CSS, no script, no external asset),
// per indicator the churn rate by value band with the base rate and the current and suggested thresholds
// drawn as lines, then its threshold table. Pure: TuneResult in, HTML out.
import { escapeXml, niceMax } from './svg.ts';
import type { TunedIndicator, TuneResult } from '../../models/tune-run.ts';
import type { ValueBand } from '../../models/tune.ts';

const pct = (value: number | null) => (value === null ? '—' : `${(value * 100).toFixed(1)}%`);
const num = (value: number | null) => (value === null ? '—' : Number(value.toPrecision(6)).toString());
/** Band edges are data values: three significant digits say enough. */
const edge = (value: number) => Number(value.toPrecision(3)).toString();
const c = (value: number) => {
  if (!Number.isFinite(value)) throw new RangeError(`chart coordinate ${value} is not finite`);
  return (Math.round(value * 10) / 10).toString();
};

const WIDTH = 640;
const HEIGHT = 290;
const LEFT = 56;
const RIGHT = 16;
const TOP = 28;
const BOTTOM = 80;

/**
 * x of a value on an axis where every band has the same width (the bands are equal-count, so this is a
 * rank-like scale that keeps skewed values such as cents readable); linear inside a band, a value
 * between two bands sits on their boundary.
 */
function valueAxis(bands: readonly ValueBand[], left: number, width: number): (value: number) => number {
  const w = width / Math.max(1, bands.length);
  return (value) => {
    for (let i = 0; i < bands.length; i++) {
      const { from, to } = bands[i] as { from: number; to: number };
      if (value < from) return left + i * w;
      if (value <= to) return left + i * w + (to === from ? 0.5 : (value - from) / (to - from)) * w;
    }
    return left + bands.length * w;
  };
}

export function tuneChart(tuned: TunedIndicator): string {
  const valued = tuned.bands.filter((band) => band.from !== null);
  const noData = tuned.bands.find((band) => band.from === null);
  const columns = [...valued, ...(noData ? [noData] : [])];
  const plotW = WIDTH - LEFT - RIGHT;
  const plotH = HEIGHT - TOP - BOTTOM;
  const columnW = plotW / Math.max(1, columns.length);
  const max = niceMax(Math.max(tuned.baseRate ?? 0, ...columns.map((band) => band.churnRate)));
  const y = (rate: number) => TOP + plotH - (rate / max) * plotH;
  const id = `tune-${tuned.id}`;
  const parts = [
    `<svg id="${escapeXml(id)}" class="chart" role="img" aria-labelledby="${escapeXml(id)}-title" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="${escapeXml(id)}-title">${escapeXml(`${tuned.title}: churn rate by value band`)}</title>`,
  ];
  for (let k = 0; k <= 4; k++) {
    const rate = (max * k) / 4;
    parts.push(`<line class="grid" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${c(y(rate))}" y2="${c(y(rate))}"/>`);
    parts.push(`<text class="axis" x="${LEFT - 6}" y="${c(y(rate) + 4)}" text-anchor="end">${escapeXml(pct(rate))}</text>`);
  }
  if (columns.length === 0) parts.push(`<text class="empty" x="${LEFT + plotW / 2}" y="${TOP + plotH / 2}" text-anchor="middle">no renewals in the range</text>`);
  columns.forEach((band, i) => {
    const x = LEFT + i * columnW;
    const label = band.from === null ? 'no data' : band.from === band.to ? edge(band.from) : `${edge(band.from)}–${edge(band.to!)}`;
    parts.push(
      `<rect class="${band.from === null ? 'bar nodata' : 'bar'}" x="${c(x + 6)}" y="${c(y(band.churnRate))}" width="${c(columnW - 12)}" height="${c(TOP + plotH - y(band.churnRate))}"><title>${escapeXml(`${label}: ${band.churned} of ${band.renewals} churned (${pct(band.churnRate)})`)}</title></rect>`,
    );
    parts.push(`<text class="value" x="${c(x + columnW / 2)}" y="${c(y(band.churnRate) - 4)}" text-anchor="middle">${escapeXml(`${pct(band.churnRate)} of ${band.renewals}`)}</text>`);
    parts.push(`<text class="axis" x="${c(x + columnW / 2)}" y="${TOP + plotH + 16}" text-anchor="middle">${escapeXml(label)}</text>`);
  });
  if (tuned.baseRate !== null && columns.length > 0) {
    parts.push(`<line class="base" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${c(y(tuned.baseRate))}" y2="${c(y(tuned.baseRate))}"/>`);
    parts.push(`<text class="base-label" x="${WIDTH - RIGHT}" y="${c(y(tuned.baseRate) - 4)}" text-anchor="end">${escapeXml(`base rate ${pct(tuned.baseRate)}`)}</text>`);
  }
  // Thresholds: current solid, suggested dashed; one label row each, so lines close together stay legible.
  const x = valueAxis(valued, LEFT, columnW * valued.length);
  const lines = [
    { kind: 'current', level: 'warning', value: tuned.current.warning },
    { kind: 'current', level: 'critical', value: tuned.current.critical },
    { kind: 'suggested', level: 'warning', value: tuned.suggested?.warning ?? null },
    { kind: 'suggested', level: 'critical', value: tuned.suggested?.critical ?? null },
  ] as const;
  if (valued.length > 0) {
    lines.forEach((line, i) => {
      if (line.value === null) return;
      const at = x(line.value);
      parts.push(`<line class="threshold ${line.kind} ${line.level}" x1="${c(at)}" x2="${c(at)}" y1="${TOP - 6}" y2="${TOP + plotH}"><title>${escapeXml(`${line.kind} ${line.level}: ${num(line.value)}`)}</title></line>`);
      parts.push(`<text class="threshold-label ${line.level}" x="${c(at + 3)}" y="${TOP + plotH + 30 + i * 12}">${escapeXml(`${line.kind === 'current' ? 'now' : 'suggested'} ${line.level} ${num(line.value)}`)}</text>`);
    });
  }
  parts.push('</svg>');
  return parts.join('');
}

function tableOf(tuned: TunedIndicator): string {
  const word = tuned.direction === 'higher' ? '≥' : '≤';
  const rows = tuned.thresholds.map((row) => {
    const marks = [...row.current.map((level) => `now ${level}`), ...row.suggested.map((level) => `suggested ${level}`)].join(', ');
    return `<tr${marks ? ' class="marked"' : ''}><td>${escapeXml(`${word} ${num(row.threshold)}`)}</td><td>${row.flagged}</td><td>${pct(row.flaggedShare)}</td><td>${pct(row.precision)}</td><td>${pct(row.recall)}</td><td>${row.lift === null ? '—' : row.lift.toFixed(2)}</td><td>${pct(row.arrRecall)}</td><td>${escapeXml(marks)}</td></tr>`;
  });
  return `<table><thead><tr><th>flag when</th><th>flagged</th><th>share</th><th>precision</th><th>recall</th><th>lift</th><th>ARR recall</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function renderTuneHtml(result: TuneResult): string {
  const scope = result.segment === null ? 'all segments' : `segment ${result.segment}`;
  const sections = result.indicators.map((tuned) => {
    const suggestion = tuned.suggested === null ? 'no suggestion' : `suggested warning ${num(tuned.suggested.warning)}, critical ${tuned.suggested.critical === null ? 'off' : num(tuned.suggested.critical)}`;
    return `<section id="${escapeXml(tuned.id)}"><h2>${escapeXml(tuned.title)} <code>${escapeXml(tuned.id)}</code></h2>
<p class="summary">${escapeXml(`${tuned.renewals} renewals, ${tuned.churned} churned (base rate ${pct(tuned.baseRate)}); AUC of the value alone ${tuned.auc === null ? '—' : tuned.auc.toFixed(3)}; ${suggestion}.`)}</p>
<p class="reason">${escapeXml(tuned.reason)}</p>
${tuneChart(tuned)}
${tableOf(tuned)}</section>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(`Threshold tuning ${result.from} – ${result.to}`)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2933;margin:24px auto;max-width:760px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 4px}code{font-size:12px;color:#52606d}
.summary,.reason{margin:2px 0}.reason{color:#52606d;font-size:13px}
.chart{display:block;margin:8px 0}.grid{stroke:#e4e7eb}.axis,.value,.base-label,.threshold-label{font-size:11px;fill:#52606d}
.bar{fill:#6c8ebf}.bar.nodata{fill:#cbd2d9}.base{stroke:#52606d;stroke-dasharray:2 3}
.threshold{stroke-width:2}.threshold.warning{stroke:#de911d}.threshold.critical{stroke:#ba2525}.threshold.suggested{stroke-dasharray:6 4}
.threshold-label.warning{fill:#b44d12}.threshold-label.critical{fill:#ba2525}.empty{fill:#7b8794}
table{border-collapse:collapse;font-size:12px;margin:6px 0}td,th{padding:2px 8px;text-align:right;border-bottom:1px solid #e4e7eb}td:first-child,th:first-child{text-align:left}
tr.marked td{background:#fff8e6;font-weight:600}
</style></head><body>
<h1>${escapeXml(`Threshold tuning: renewals decided ${result.from} to ${result.to}`)}</h1>
<p>${escapeXml(`${result.renewals} renewals (${scope}), each with its indicator values as of ${result.leadDays} days before the renewal. Bars: churn rate by equal-count value band; dotted: base rate; solid lines: current thresholds; dashed: suggested.`)}</p>
${sections.join('\n')}
</body></html>
`;
}
