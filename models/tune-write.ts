// `radar tune --write FILE`: a copy of the config with the suggested thresholds, ready for
// `radar backtest --compare FILE`. The YAML document is edited in place, so comments and every other
// key survive; the result is validated before anything is written.
import { parseConfig } from '../config/load.ts';
import { RadarError } from '../pipelines/errors.ts';
import { Document, parseDocument } from 'yaml';
import type { TuneResult } from './tune-run.ts';

export interface WrittenChange {
  readonly indicator: string;
  /** The config path of the level, e.g. indicators.usageDecline.warning. */
  readonly key: string;
  readonly from: number | null;
  readonly to: number | null;
}

/**
 * The config text with both levels of every indicator that has a suggestion (a critical no candidate met
 * the rule for is written as null: disabled). An indicator without one (it does not separate churn, or
 * no candidate met the warning rule) keeps its levels, and so does one with both levels off (a feature, not a flag).
 * With a segment, the suggestion becomes that segment's levels (indicators.<id>.segments.<segment>).
 */
export function tunedConfigText(sourceText: string, result: TuneResult): { text: string; changes: WrittenChange[] } {
  // No file (built-in defaults) or an empty one: start from an empty block mapping.
  const document: Document = sourceText.trim() === '' ? new Document({}) : parseDocument(sourceText);
  if (document.errors.length > 0) throw new RadarError('config_invalid', `cannot edit the config: ${document.errors[0]!.message}`);
  const changes: WrittenChange[] = [];
  for (const tuned of result.indicators) {
    // Both levels off means the analyst keeps this indicator as a model feature only, not a flag.
    if (tuned.suggested === null || (tuned.current.warning === null && tuned.current.critical === null)) continue;
    const section = tuned.customIndex === null ? ['indicators', tuned.id] : ['indicators', 'custom', tuned.customIndex];
    // With --segment the levels go under segments.<segment> (both keys: a segment entry names both levels).
    const base = result.segment === null ? section : [...section, 'segments', result.segment];
    for (const level of ['warning', 'critical'] as const) {
      const to = tuned.suggested[level];
      if (result.segment === null && to === tuned.current[level]) continue;
      document.setIn([...base, level], to);
      changes.push({ indicator: tuned.id, key: [...base, level].join('.'), from: tuned.current[level], to });
    }
  }
  // lineWidth 0: a one-line flow mapping (a custom indicator) stays on one line.
  const text = document.toString({ lineWidth: 0 });
  // A config that radar itself would reject must never reach the file.
  parseConfig(document.toJS(), '(tuned config)');
  return { text, changes };
}
