// Reads radar.yaml once into a frozen, typed object. Errors name the key and the rule it broke.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError, formatIssues } from './errors.ts';
import { radarConfigSchema, type RadarConfig } from './schema.ts';

export const DEFAULT_CONFIG_PATH = fileURLToPath(new URL('./radar.yaml', import.meta.url));

export interface LoadedConfig {
  readonly config: RadarConfig;
  /** Absolute path of the file, or '(defaults)'. */
  readonly file: string;
  /** Directory relative source paths resolve against. */
  readonly baseDir: string;
  /** Short hash of the effective config, recorded with models and alerts. */
  readonly version: string;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Validates an already-parsed object; `file` only labels errors. */
export function parseConfig(raw: unknown, file = '(inline)', baseDir = process.cwd()): LoadedConfig {
  const parsed = radarConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new ConfigError(file, formatIssues(parsed.error.issues));
  const version = createHash('sha256').update(JSON.stringify(parsed.data)).digest('hex').slice(0, 12);
  return deepFreeze({ config: parsed.data, file, baseDir, version });
}

export function loadConfig(path: string = DEFAULT_CONFIG_PATH): LoadedConfig {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [`cannot read the file: ${(error as Error).message}`]);
  }
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) throw new ConfigError(file, document.errors.map((error) => `YAML: ${error.message}`));
  return parseConfig(document.toJS(), file, dirname(file));
}

/** JSON Schema for editors (yaml-language-server) to autocomplete and check radar.yaml. */
export function configJsonSchema(): object {
  return z.toJSONSchema(radarConfigSchema, { io: 'input', unrepresentable: 'any' });
}
