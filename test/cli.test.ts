// `radar` as users run it: help everywhere, exit codes 0 / 1 / 2, data on stdout with --json,
// structured JSON logs on stderr.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMigrations } from '../sql/migrate.ts';
import { runRadar } from './support/cli.ts';

/** Command names listed under "Commands:" in a help text (help itself excluded). */
function listedCommands(help: string): string[] {
  const section = help.split(/^Commands:$/m)[1] ?? '';
  return [...section.matchAll(/^ {2}(\S+)/gm)].map((match) => match[1]!).filter((name) => name !== 'help');
}

/** stderr lines parsed as JSON; throws on the first line that is not JSON. */
function jsonLines(stderr: string): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'radar-cli-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('help', () => {
  it('prints help and exits 0 for radar and every command and subcommand', async () => {
    const top = await runRadar(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('Usage: radar');
    const commands = listedCommands(top.stdout);
    // Subcommands (config check, config schema…) are listed by their parent's help.
    const paths: string[][] = [];
    await Promise.all(
      commands.map(async (command) => {
        const help = await runRadar([command, '--help']);
        expect({ command, code: help.code, usage: help.stdout.includes(`Usage: radar ${command}`) }).toEqual({ command, code: 0, usage: true });
        paths.push([command]);
        for (const sub of listedCommands(help.stdout)) paths.push([command, sub]);
      }),
    );
    const names = paths.map((path) => path.join(' '));
    expect(names).toEqual(expect.arrayContaining(['migrate', 'config', 'config check', 'config schema']));
    const nested = paths.filter((path) => path.length === 2);
    const results = await Promise.all(nested.map(async (path) => ({ path: path.join(' '), ...(await runRadar([...path, '--help'])) })));
    for (const result of results) {
      expect({ path: result.path, code: result.code, usage: result.stdout.includes(`Usage: radar ${result.path}`) }).toEqual({ path: result.path, code: 0, usage: true });
    }
  });
});

describe('bad usage exits 2', () => {
  it('on an unknown command', async () => {
    const result = await runRadar(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown command 'frobnicate'");
    expect(result.stdout).toBe('');
  });

  it('on an unknown option, top-level or on a command', async () => {
    const top = await runRadar(['--frobnicate', 'migrate']);
    expect(top.code).toBe(2);
    expect(top.stderr).toContain("unknown option '--frobnicate'");
    const onCommand = await runRadar(['migrate', '--frobnicate'], { RADAR_DATA_DIR: dataDir });
    expect(onCommand.code).toBe(2);
    expect(onCommand.stderr).toContain("unknown option '--frobnicate'");
  });

  it('on too many arguments', async () => {
    const result = await runRadar(['config', 'check', 'a.yaml', 'b.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('too many arguments');
  });

  it('on a malformed environment variable, naming it without echoing the value', async () => {
    const result = await runRadar(['migrate'], { LOG_LEVEL: 'chatty-value' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('LOG_LEVEL');
    expect(result.stderr).not.toContain('chatty-value');
  });
});

describe('migrate --json and logs', () => {
  it('prints the migration report as JSON on stdout and JSON log lines on stderr', async () => {
    const first = await runRadar(['--json', 'migrate'], { RADAR_DATA_DIR: dataDir });
    expect(first.code).toBe(0);
    const shipped = (await readMigrations()).map((file) => file.name);
    expect(JSON.parse(first.stdout)).toEqual({ applied: shipped, upToDate: false });
    const logs = jsonLines(first.stderr);
    expect(logs).toEqual(shipped.map((migration) => expect.objectContaining({ level: 30, event: 'migration_applied', migration })));
    expect(new Date(logs[0]!.time as string).toISOString()).toBe(logs[0]!.time);

    // The option also works after the command name.
    const second = await runRadar(['migrate', '--json'], { RADAR_DATA_DIR: dataDir });
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual({ applied: [], upToDate: true });
    expect(second.stderr).toBe('');
  });

  it('exits 1 on a runtime failure, logging it as JSON without leaking the password', async () => {
    const result = await runRadar(['migrate'], { DATABASE_URL: 'postgres://radar:Pa55-secret-word@127.0.0.1:1/radar' });
    expect(result.code).toBe(1);
    expect(result.stderr).not.toContain('Pa55-secret-word');
    expect(result.stdout).toBe('');
    // One human line for the reader, then the structured event.
    const [human, ...rest] = result.stderr.split('\n').filter((line) => line !== '');
    expect(human).toMatch(/^radar: cannot open the Postgres server at DATABASE_URL: .*ECONNREFUSED/);
    expect(jsonLines(rest.join('\n'))).toEqual([expect.objectContaining({ level: 50, event: 'command_failed', code: 'database_unavailable' })]);
  });
});
