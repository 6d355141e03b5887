// What every indicator file exports. One file per indicator; indicators/registry.ts collects them.
import type { z } from 'zod';

export type RiskDirection = 'higher' | 'lower';

export interface IndicatorDefinition<Config extends z.ZodType = z.ZodType> {
  /** Stable id, used as the config key and in indicator_values.indicator (camelCase). */
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** The zod schema of this indicator's section under `indicators:` in config, with defaults. */
  readonly configSchema: Config;
}
