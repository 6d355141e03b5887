// What a person reads about a custom indicator: the explain sentence (the config's template or the
// kind's default, placeholders filled in) and the alert driver in a CSM's words. Pure.
import { fmt, pct, plural, priorWindow } from '../format.ts';
import type { IndicatorDetail } from '../types.ts';
import { detailKeys } from './detail.ts';
import type { CustomIndicatorSpec, CustomKind } from './schema.ts';

/** Placeholders every template may use besides the detail fields: the value, the label and the spec's names. */
export const SPEC_PLACEHOLDERS = ['value', 'label', 'metric', 'signal', 'numerator', 'denominator', 'per'] as const;

export const DEFAULT_TEMPLATES: Readonly<Record<CustomKind, string>> = {
  level: '{value} {metric} per {per} over the last {windowDays} days ({total} in all over {coveredDays} covered days)',
  change: '{recent} {metric} per {per} in the last {recentDays} days vs {baseline} in the {baselineDays} before: {value}',
  trend: 'least-squares trend over {coveredDays} covered days of the last {windowDays}: {slopePer30Days} {metric}/day per 30 days against a mean of {mean}/day: {value} per month',
  ratio: '{numeratorTotal} {numerator} ÷ {denominatorTotal} {denominator} (floor {floor}) over the last {windowDays} days: {value}',
  share: '{metric} on {activeDays} of {coveredDays} covered days in the last {windowDays}: {value}',
  daysSince: '{value} days since the last {metric}{signal} (last seen {lastSeen}; looked back {windowDays} days)',
  latest: '{signal} is {value} (observed {observedAt})',
  latestChange: '{signal} {latest} vs {previous} before: {value} (observed {observedAt} and {previousObservedAt})',
  average: 'average {signal} over the last {windowDays} days: {value} ({observations} observations, the latest {observedAt})',
};

const PLACEHOLDER = /\{([A-Za-z]+)\}/g;

/** Placeholders in a template that the kind cannot fill (for config check). */
export function unknownPlaceholders(kind: CustomKind, template: string): string[] {
  const known = new Set<string>([...SPEC_PLACEHOLDERS, ...detailKeys(kind)]);
  return [...template.matchAll(PLACEHOLDER)].map((match) => match[1]!).filter((name) => !known.has(name));
}

function formatValue(spec: CustomIndicatorSpec, value: number): string {
  if (spec.kind === 'change' || spec.kind === 'trend') return pct(value);
  if (spec.kind === 'share') return `${fmt(value * 100)}%`;
  return fmt(value);
}

function formatField(value: IndicatorDetail[string] | undefined): string {
  if (typeof value === 'number') return fmt(value);
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (value === null || value === undefined) return 'n/a';
  return String(value);
}

const PER_WORDS = { day: 'day', activeUser: 'active user', seat: 'seat' } as const;

function specFields(spec: CustomIndicatorSpec): Record<string, string> {
  return {
    label: spec.label,
    metric: 'metric' in spec ? (spec.metric ?? '') : '',
    signal: 'signal' in spec ? (spec.signal ?? '') : '',
    numerator: spec.kind === 'ratio' ? spec.numerator : '',
    denominator: spec.kind === 'ratio' ? spec.denominator : '',
    per: 'per' in spec ? PER_WORDS[spec.per] : '',
  };
}

/** Why there is no value, from the detail the kind stored. */
function noDataReason(spec: CustomIndicatorSpec, detail: IndicatorDetail): string {
  if (detail.coveredDays === 0) return 'the account has no coverage of the window';
  switch (spec.kind) {
    case 'change':
      return detail.enoughHistory === false ? `covered for less than ${spec.recentDays + spec.baselineDays} days` : `no ${spec.metric} in the baseline window`;
    case 'trend':
      return typeof detail.coveredDays === 'number' && detail.coveredDays < spec.minDays
        ? `only ${detail.coveredDays} covered days (need ${spec.minDays})`
        : `no ${spec.metric} in the window`;
    case 'ratio':
      return `no ${spec.denominator} in the window (denominator 0)`;
    case 'level':
      return spec.per === 'activeUser' ? 'no active users in the window' : 'no licensed seats reported in the window';
    case 'latest':
      return `no ${spec.signal} observed by the as-of day`;
    case 'latestChange':
      return `fewer than two ${spec.signal} observations by the as-of day`;
    case 'average':
      return `no ${spec.signal} observed in the last ${plural(spec.windowDays, 'day')}`;
    default:
      return 'no data';
  }
}

export function explainCustom(spec: CustomIndicatorSpec, value: number | null, detail: IndicatorDetail): string {
  if (value === null) return `no data: ${noDataReason(spec, detail)}`;
  const fields: Record<string, string> = { ...specFields(spec), value: formatValue(spec, value) };
  for (const key of detailKeys(spec.kind)) fields[key] = formatField(detail[key]);
  return (spec.explain ?? DEFAULT_TEMPLATES[spec.kind]).replace(PLACEHOLDER, (whole, name: string) => fields[name] ?? whole);
}

const upDown = (value: number) => (value < 0 ? 'down' : 'up');

/** The alert driver: "Reports per active user down 64% vs the prior quarter". */
export function driverCustom(spec: CustomIndicatorSpec, value: number | null, detail: IndicatorDetail): string {
  if (value === null) return `${spec.label} unknown: ${noDataReason(spec, detail)}`;
  const percent = `${Math.round(Math.abs(value) * 100)}%`;
  switch (spec.kind) {
    case 'change':
      return `${spec.label} ${upDown(value)} ${percent} vs ${priorWindow(spec.baselineDays)}`;
    case 'trend':
      return `${spec.label} trending ${upDown(value)} ${percent} a month over the last ${spec.windowDays} days`;
    case 'share':
      return `${spec.label}: ${Math.round(value * 100)}% of the last ${spec.windowDays} days`;
    case 'daysSince':
      return detail.lastSeen === null ? `${spec.label}: none in the last ${plural(value, 'day')}` : `${spec.label}: ${plural(value, 'day')} ago`;
    case 'latest':
      return `${spec.label}: ${fmt(value)}`;
    case 'latestChange':
      return `${spec.label} ${upDown(value)} ${fmt(Math.abs(value))} since the previous observation`;
    default:
      return `${spec.label}: ${fmt(value)} over the last ${spec.windowDays} days`;
  }
}
