// Renderers: view-model → a self-contained HTML page (inline CSS and SVG, no script, no external
// asset, and a CSP that forbids them), Markdown (every value escaped), and JSON (the raw figures plus
// the definitions). Pure.
import { cspMeta } from '../../alerts/html.ts';
import type { WeeklyFigures } from './build.ts';
import { markdownEscape } from './format.ts';
import { escapeXml, renderChart } from './svg.ts';
import { buildReportView, definitions, type ReportView, type ViewTable } from './view.ts';

import type { ReportFormat } from './formats.ts';

export { REPORT_FORMATS, type ReportFormat } from './formats.ts';

const CSS = `
:root { --ink: #1d2433; --muted: #5b6475; --line: #d9dee7; --accent: #2f6fdd; --risk: #c2410c; --bg-flag: #fff4e5; }
* { box-sizing: border-box; }
body { font: 14px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); margin: 0 auto; max-width: 1180px; padding: 24px 28px 48px; background: #fff; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
.subtitle { color: var(--muted); margin: 0 0 16px; }
.headline { display: grid; grid-template-columns: repeat(6, 1fr); gap: 10px; margin: 12px 0 8px; }
.kpi { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.kpi .label { color: var(--muted); font-size: 12px; }
.kpi .value { font-size: 19px; font-weight: 600; font-variant-numeric: tabular-nums; }
details.definitions { color: var(--muted); font-size: 12.5px; margin: 4px 0 10px; }
details.definitions[open] summary { margin-bottom: 4px; }
details.definitions ul { margin: 0; padding-left: 18px; }
table { border-collapse: collapse; margin: 8px 0 16px; width: 100%; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
th { background: #f4f6fa; font-weight: 600; }
tr.flagged td { background: var(--bg-flag); color: var(--risk); font-weight: 600; }
p.empty { color: var(--muted); font-style: italic; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; margin: 8px 0; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 8px; }
figcaption { font-weight: 600; font-size: 13px; margin-bottom: 4px; }
svg.chart { display: block; max-width: 100%; height: auto; }
svg .grid { stroke: #e6e9ef; stroke-width: 1; }
svg .axis, svg .label, svg .value, svg .empty { font-size: 11px; fill: var(--muted); }
svg .label { fill: var(--ink); }
svg .series { stroke: var(--accent); stroke-width: 2.5; }
svg .point { fill: var(--accent); }
svg .bar { fill: var(--accent); }
svg .diagonal { stroke: #9aa3b2; stroke-dasharray: 4 4; }
svg .band { fill: #c9d8f5; }
svg .expected { stroke: var(--accent); stroke-width: 3; }
svg .actual { fill: var(--risk); }
footer { color: var(--muted); font-size: 12px; margin-top: 32px; }
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  body { max-width: none; padding: 0; font-size: 11px; }
  .headline { grid-template-columns: repeat(6, 1fr); }
  section { break-inside: avoid-page; page-break-inside: avoid; }
  table, figure, tr { break-inside: avoid; page-break-inside: avoid; }
  details.definitions > *:not(summary) { display: block; }
  h2 { break-after: avoid; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;

function htmlTable(table: ViewTable): string {
  if (table.rows.length === 0 && table.empty) return `<p class="empty" data-table="${escapeXml(table.id)}">${escapeXml(table.caption)}: ${escapeXml(table.empty)}</p>`;
  const head = `<tr>${table.columns.map((column) => `<th scope="col">${escapeXml(column)}</th>`).join('')}</tr>`;
  const body = table.rows
    .map((row) => `<tr data-key="${escapeXml(row.key)}"${row.flagged ? ' class="flagged"' : ''}>${row.cells.map((cell) => `<td>${escapeXml(cell)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table id="table-${escapeXml(table.id)}"><caption>${escapeXml(table.caption)}</caption><thead>${head}</thead><tbody>\n${body}\n</tbody></table>`;
}

export function renderHtml(view: ReportView): string {
  const sections = view.sections.map((section) => {
    const defs = `<details class="definitions" open><summary>Definitions</summary><ul>${section.definitions.map((text) => `<li>${escapeXml(text)}</li>`).join('')}</ul></details>`;
    const charts = section.charts.length
      ? `<div class="charts">${section.charts.map((chart) => `<figure>${`<figcaption>${escapeXml(chart.title)}</figcaption>`}${renderChart(chart)}</figure>`).join('')}</div>`
      : '';
    return `<section id="${escapeXml(section.id)}"><h2>${escapeXml(section.title)}</h2>${defs}${charts}${section.tables.map(htmlTable).join('\n')}</section>`;
  });
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    cspMeta,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeXml(view.title)}</title>`,
    `<style>${CSS}</style></head><body>`,
    `<header><h1>${escapeXml(view.title)}</h1><p class="subtitle">${escapeXml(view.subtitle)}</p>`,
    `<div class="headline">${view.headline.map((kpi) => `<div class="kpi"><div class="label">${escapeXml(kpi.label)}</div><div class="value">${escapeXml(kpi.value)}</div></div>`).join('')}</div></header>`,
    sections.join('\n'),
    '<footer>Generated by Renewal Radar (radar report weekly). Self-contained: no scripts, no external assets.</footer>',
    '</body></html>',
    '',
  ].join('\n');
}

const md = (text: string): string => markdownEscape(text);

function markdownTable(table: ViewTable): string {
  if (table.rows.length === 0 && table.empty) return `_${md(table.caption)}: ${md(table.empty)}_`;
  const lines = [`**${md(table.caption)}**`, '', `| ${table.columns.map(md).join(' | ')} |`, `|${table.columns.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const row of table.rows) lines.push(`| ${row.cells.map(md).join(' | ')} |`);
  return lines.join('\n');
}

export function renderMarkdown(view: ReportView): string {
  const parts = [`# ${md(view.title)}`, '', `_${md(view.subtitle)}_`, '', view.headline.map((kpi) => `- **${md(kpi.label)}:** ${md(kpi.value)}`).join('\n')];
  for (const section of view.sections) {
    parts.push('', `## ${md(section.title)}`, '', ...section.definitions.map((text) => `> ${markdownEscape(text, { lineStart: true })}`), '');
    parts.push(section.tables.map(markdownTable).join('\n\n'));
  }
  parts.push('', '_Charts are in the HTML report (`--format html`)._', '');
  return parts.join('\n');
}

export function renderJson(figures: WeeklyFigures): string {
  return `${JSON.stringify({ ...figures, definitions: definitions(figures) }, null, 2)}\n`;
}

export function renderReport(figures: WeeklyFigures, format: ReportFormat): string {
  if (format === 'json') return renderJson(figures);
  const view = buildReportView(figures);
  return format === 'html' ? renderHtml(view) : renderMarkdown(view);
}
