// Every indicator, in display order. Adding an indicator: one file in indicators/, one line here.
import type { IndicatorDefinition } from './types.ts';

export const indicatorRegistry: readonly IndicatorDefinition[] = [];
