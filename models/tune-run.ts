// `radar tune` over the database: the renewals decided in [from, to], each with its indicator values as
// of renewal − leadDays from the training-set builder (the same rows the model trains on), tuned per
// indicator by models/tune.ts. Nothing decided outside the range, and no value known after a lead date,
// reaches a suggestion.
import type { Kysely } from 'kysely';
import type { RadarConfig } from '../config/schema.ts';
import { addDays, configuredIndicators, parseDay } from '../indicators/compute.ts';
import { thresholdsFor } from '../indicators/flag.ts';
import type { IndicatorUnit, RiskDirection } from '../indicators/types.ts';
import { RadarError } from '../pipelines/errors.ts';
import type { DB } from '../sql/schema.ts';
import { accountSegments } from '../sql/tune.ts';
import { buildTrainingSet } from './training-set.ts';
import { tuneIndicator, type IndicatorTuning, type TuneRow } from './tune.ts';

export interface TuneOptions {
  readonly config: RadarConfig;
  /** Renewals decided from the start of this day … */
  readonly from: string;
  /** … to the end of this day. */
  readonly to: string;
  readonly indicator?: string | undefined;
  readonly segment?: string | undefined;
}

export interface TunedIndicator extends IndicatorTuning {
  readonly id: string;
  readonly title: string;
  readonly unit: IndicatorUnit;
  readonly direction: RiskDirection;
  /** Index in indicators.custom for a custom indicator (where --write puts its levels); null for a built-in. */
  readonly customIndex: number | null;
}

export interface TuneResult {
  readonly from: string;
  readonly to: string;
  readonly leadDays: number;
  readonly segment: string | null;
  /** Renewals decided in the range with indicator values as of their lead date (in the segment, if any). */
  readonly renewals: number;
  /** false when a --segment has fewer renewals than tune.minSegmentRenewals: tables shown, nothing suggested. */
  readonly enoughRenewals: boolean;
  readonly indicators: readonly TunedIndicator[];
}

export async function tuneThresholds(db: Kysely<DB>, options: TuneOptions): Promise<TuneResult> {
  const { config } = options;
  const from = parseDay(options.from, '--from');
  const to = parseDay(options.to, '--to');
  if (from > to) throw new RadarError('usage', `--from (${from}) is after --to (${to})`);
  const configured = configuredIndicators(config);
  if (options.indicator !== undefined && !configured.some((item) => item.definition.id === options.indicator)) {
    throw new RadarError('usage', `--indicator: unknown indicator "${options.indicator}" (known: ${configured.map((item) => item.definition.id).join(', ')})`);
  }
  const set = await buildTrainingSet(db, { config, decidedFrom: from, decidedBefore: addDays(to, 1) });
  let rows = set.rows;
  if (options.segment !== undefined) {
    const segments = await accountSegments(db, rows.map((row) => row.accountId));
    if (rows.length > 0 && ![...segments.values()].includes(options.segment)) {
      throw new RadarError('usage', `--segment: no renewal in the range belongs to segment "${options.segment}" (segments: ${[...new Set(segments.values())].sort().join(', ')})`);
    }
    rows = rows.filter((row) => segments.get(row.accountId) === options.segment);
  }
  const enoughRenewals = options.segment === undefined || rows.length >= config.tune.minSegmentRenewals;
  const customIds = config.indicators.custom.map((spec) => spec.id);
  const indicators = configured
    .filter((item) => options.indicator === undefined || item.definition.id === options.indicator)
    .map(({ definition, config: levels }): TunedIndicator => {
      const position = set.indicators.indexOf(definition.id);
      const tuneRows: TuneRow[] = rows.map((row) => ({ value: row.values[position] ?? null, label: row.label, arrCents: row.arrBeforeCents }));
      // The levels in force for this segment (its own when configured) are the "current" ones.
      const applied = thresholdsFor(levels, options.segment);
      const tuning = tuneIndicator(tuneRows, definition.riskDirection, { warning: applied.warning, critical: applied.critical }, config.tune);
      const customIndex = customIds.indexOf(definition.id);
      const base = { id: definition.id, title: definition.title, unit: definition.unit, direction: definition.riskDirection, customIndex: customIndex < 0 ? null : customIndex };
      if (enoughRenewals) return { ...base, ...tuning };
      return { ...base, ...tuning, suggested: null, reason: `segment "${options.segment}" has ${rows.length} decided renewals in the range, fewer than tune.minSegmentRenewals (${config.tune.minSegmentRenewals})` };
    });
  return { from, to, leadDays: set.leadDays, segment: options.segment ?? null, renewals: rows.length, enoughRenewals, indicators };
}
