// HTTP JSON API sources: fetching (paging, retries, watermarks) and the presets' default mappings.
export { fetchHttpSource, type FetchedPage, type FetchHttpSourceOptions } from './fetch-source.ts';
export { mergeWithPreset, presetDefaults, type EffectiveMapping, type PresetDefaults, type Preset } from './presets.ts';
