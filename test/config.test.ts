// radar.yaml validation: errors name the key and the rule, typos are errors, the result is frozen,
// and the committed JSON Schema is the one the code generates.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../config/errors.ts';
import { configJsonSchema, DEFAULT_CONFIG_PATH, loadConfig, parseConfig } from '../config/load.ts';
import { REPO_ROOT, runRadar } from './support/cli.ts';

/** The problems a config raises, or [] when it is valid. */
function problemsOf(raw: unknown): readonly string[] {
  try {
    parseConfig(raw);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

const UNKNOWN_KEY = 'unknown key (check the spelling; see config/radar.schema.json)';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'radar-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeYaml(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

describe('the shipped config/radar.yaml', () => {
  // Needs the indicator registry: the default playbooks name indicators (usageDecline, paymentDelay…).
  it('parses, with the default playbooks resolving to registered indicators', () => {
    const { config, file } = loadConfig(DEFAULT_CONFIG_PATH);
    expect(file).toBe(DEFAULT_CONFIG_PATH);
    expect(config.horizonDays).toBe(90);
    expect(Object.keys(config.playbooks).sort()).toEqual(['adoption', 'competition', 'engagement', 'payment']);
  });
});

describe('parseConfig', () => {
  it('fills every default from an empty document', () => {
    const { config } = parseConfig({ playbooks: {} });
    expect(config.horizonDays).toBe(90);
    expect(config.leadDays).toBe(90);
    expect(config.model.tiers).toEqual({ medium: 0.15, high: 0.3, critical: 0.5 });
    expect(config.routing.cooldownDays).toBe(14);
    expect(config.schedules.daily).toBe('0 6 * * *');
  });

  it('gives the same version to the same effective config, and another to a different one', () => {
    expect(parseConfig({ playbooks: {} }).version).toBe(parseConfig({ playbooks: {}, horizonDays: 90 }).version);
    expect(parseConfig({ playbooks: {} }).version).not.toBe(parseConfig({ playbooks: {}, horizonDays: 60 }).version);
  });

  it('rejects an unknown top-level key, naming it', () => {
    expect(problemsOf({ playbooks: {}, horizonDayz: 30 })).toEqual([`horizonDayz: ${UNKNOWN_KEY}`]);
  });

  it('rejects an unknown nested key with its full path', () => {
    expect(problemsOf({ playbooks: {}, routing: { cooldwonDays: 3 } })).toEqual([`routing.cooldwonDays: ${UNKNOWN_KEY}`]);
    expect(problemsOf({ playbooks: {}, model: { tiers: { medum: 0.1 } } })).toEqual([`model.tiers.medum: ${UNKNOWN_KEY}`]);
  });

  it('names the tier that breaks the order, with the bound it must exceed', () => {
    expect(problemsOf({ playbooks: {}, model: { tiers: { medium: 0.15, high: 0.1, critical: 0.5 } } })).toEqual([
      'model.tiers.high: must be greater than medium (0.15)',
    ]);
    // Omitted tiers take their defaults, and the rule still applies against them.
    expect(problemsOf({ playbooks: {}, model: { tiers: { critical: 0.2 } } })).toEqual(['model.tiers.critical: must be greater than high (0.3)']);
  });

  it('names the key of a wrong type', () => {
    expect(problemsOf({ playbooks: {}, horizonDays: 'ninety' })).toEqual(['horizonDays: Invalid input: expected number, received string']);
    expect(problemsOf({ playbooks: {}, routing: { cooldownDays: 2.5 } })).toEqual(['routing.cooldownDays: Invalid input: expected int, received number']);
    expect(problemsOf({ playbooks: {}, schedules: { daily: 'every morning' } })).toEqual([
      'schedules.daily: must be a five-field cron expression, e.g. "0 6 * * *"',
    ]);
    expect(problemsOf('horizonDays')).toEqual(['(root): Invalid input: expected object, received string']);
  });

  it('rejects out-of-range values, naming the key', () => {
    const [problem, ...rest] = problemsOf({ playbooks: {}, horizonDays: 3 });
    expect(rest).toEqual([]);
    expect(problem).toMatch(/^horizonDays: .*7/);
  });

  it('rejects a model feature or playbook driver that is not a registered indicator', () => {
    expect(problemsOf({ playbooks: {}, model: { features: ['noSuchIndicator'] } })).toEqual([
      expect.stringMatching(/^model\.features\.0: unknown indicator "noSuchIndicator"/),
    ]);
    const playbooks = { rescue: { title: 'Rescue', drivers: ['noSuchIndicator'], tasks: [{ title: 'Call', dueDays: 1 }] } };
    expect(problemsOf({ playbooks })).toEqual(['playbooks.rescue.drivers.0: unknown indicator "noSuchIndicator"']);
  });

  it('returns a deeply frozen object', () => {
    const loaded = parseConfig({ playbooks: {}, routing: { fallbackChannels: { smb: '#smb' } } });
    const unfrozen: string[] = [];
    const walk = (value: unknown, path: string): void => {
      if (value === null || typeof value !== 'object') return;
      if (!Object.isFrozen(value)) unfrozen.push(path);
      for (const [key, child] of Object.entries(value)) walk(child, `${path}.${key}`);
    };
    walk(loaded, 'loaded');
    expect(unfrozen).toEqual([]);
    expect(() => {
      (loaded.config.model.tiers as { high: number }).high = 0.9;
    }).toThrow(TypeError);
    expect(() => {
      (loaded.config.routing.fallbackChannels as Record<string, string>).enterprise = '#ent';
    }).toThrow(TypeError);
    expect(loaded.config.model.tiers.high).toBe(0.3);
  });
});

describe('loadConfig', () => {
  it('reads a YAML file', async () => {
    const file = await writeYaml('ok.yaml', 'horizonDays: 60\nplaybooks: {}\nrouting:\n  cooldownDays: 3\n');
    const { config, file: loadedFrom, baseDir } = loadConfig(file);
    expect({ horizonDays: config.horizonDays, cooldownDays: config.routing.cooldownDays, loadedFrom, baseDir }).toEqual({
      horizonDays: 60,
      cooldownDays: 3,
      loadedFrom: file,
      baseDir: dir,
    });
  });

  it('reports YAML syntax errors with their line', async () => {
    const file = await writeYaml('syntax.yaml', 'playbooks: {}\nrouting: [1,\n');
    expect(() => loadConfig(file)).toThrow(ConfigError);
    try {
      loadConfig(file);
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([expect.stringMatching(/^YAML: .*line \d+/s)]);
      expect((error as ConfigError).message).toContain(file);
    }
  });

  it('rejects a key written twice instead of silently keeping one', async () => {
    const file = await writeYaml('duplicate.yaml', 'playbooks: {}\nhorizonDays: 60\nhorizonDays: 30\n');
    expect(() => loadConfig(file)).toThrow(/YAML: .*horizonDays|YAML: .*unique/i);
  });

  it('reports a missing file as a config error', () => {
    expect(() => loadConfig(join(dir, 'missing.yaml'))).toThrow(expect.objectContaining({ code: 'config_invalid', problems: [expect.stringMatching(/^cannot read the file/)] }));
  });
});

describe('JSON Schema', () => {
  it('describes every key and rejects unknown ones, for the editor', () => {
    const schema = configJsonSchema() as {
      properties: Record<string, { description?: string; additionalProperties?: unknown }>;
      additionalProperties?: unknown;
    };
    expect(schema.properties.horizonDays?.description).toBe('Accounts renewing within this many days are in scope.');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.routing?.additionalProperties).toBe(false);
  });

  it('is committed as config/radar.schema.json, exactly as generated (regenerate: radar config schema --out config/radar.schema.json)', async () => {
    const committed = await readFile(join(REPO_ROOT, 'config/radar.schema.json'), 'utf8');
    expect(committed).toBe(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
  });
});

describe('radar config (as a process)', () => {
  it('config check exits 2 and names the bad key on stderr', async () => {
    const file = await writeYaml('typo.yaml', 'playbooks: {}\nrouting:\n  cooldwonDays: 3\n');
    const result = await runRadar(['config', 'check', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`routing.cooldwonDays: ${UNKNOWN_KEY}`);
    expect(result.stdout).toBe('');
  });

  it('config check exits 0 on a valid file, and --config picks the file', async () => {
    const file = await writeYaml('valid.yaml', 'playbooks: {}\nhorizonDays: 45\n');
    const direct = await runRadar(['config', 'check', file]);
    expect(direct.code).toBe(0);
    expect(direct.stdout).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ok \\(version [0-9a-f]{12}\\)\\n$`));
    const viaOption = await runRadar(['--json', '--config', file, 'config', 'check']);
    expect(viaOption.code).toBe(0);
    expect(JSON.parse(viaOption.stdout)).toEqual({ ok: true, file, version: expect.stringMatching(/^[0-9a-f]{12}$/) });
  });

  it('config schema prints the JSON Schema with described keys', async () => {
    const result = await runRadar(['config', 'schema']);
    expect(result.code).toBe(0);
    const schema = JSON.parse(result.stdout) as { properties: { horizonDays: { description: string } } };
    expect(schema.properties.horizonDays.description).toBe('Accounts renewing within this many days are in scope.');
  });

  it('config schema --out writes the same schema to a file', async () => {
    const out = join(dir, 'radar.schema.json');
    const result = await runRadar(['config', 'schema', '--out', out]);
    expect({ code: result.code, stdout: result.stdout }).toEqual({ code: 0, stdout: '' });
    expect(await readFile(out, 'utf8')).toBe(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
  });
});
