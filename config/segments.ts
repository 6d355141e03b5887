// Segment names in the config (per-segment indicator levels and tier cut-offs) checked against the
// segments accounts actually have: a misspelt segment would otherwise match no account, silently.
// Pure; `radar config check --data` reads the segments and reports what this returns.
import type { RadarConfig } from './schema.ts';

export interface SegmentKey {
  /** The config key of the entry, e.g. 'indicators.usageDecline.segments.smb'. */
  readonly key: string;
  readonly segment: string;
}

/** Every per-segment entry of the config: built-in and custom indicators' levels, then the model's tier cut-offs. */
export function segmentKeys(config: RadarConfig): SegmentKey[] {
  const keys: SegmentKey[] = [];
  const add = (base: string, segments: Readonly<Record<string, unknown>> | undefined) => {
    for (const segment of Object.keys(segments ?? {})) keys.push({ key: `${base}.segments.${segment}`, segment });
  };
  for (const [id, section] of Object.entries(config.indicators)) {
    if (id === 'custom' || id === 'coverageStart') continue;
    add(`indicators.${id}`, (section as { segments?: Readonly<Record<string, unknown>> }).segments);
  }
  config.indicators.custom.forEach((spec, index) => add(`indicators.custom.${index}`, spec.segments));
  add('model.tiers', config.model.tiers.segments);
  return keys;
}

/** One message per entry whose segment no account has, naming the key and the segments that exist. */
export function unknownSegmentProblems(config: RadarConfig, known: readonly string[]): string[] {
  const have = new Set(known);
  const list = [...have].sort().join(', ') || 'none: no accounts yet';
  return segmentKeys(config)
    .filter((entry) => !have.has(entry.segment))
    .map((entry) => `${entry.key}: no account has segment "${entry.segment}" (segments in the data: ${list})`);
}
