// `radar` as users run it: help everywhere, --version, exit codes 0 / 1 / 2, data on stdout with
// --json, structured JSON logs on stderr without a terminal and human lines on one.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../pipelines/cli/main.ts';
import { readMigrations } from '../sql/migrate.ts';
import { startupBudgetMs } from './support/budget.ts';
import { radarEnvironment, REPO_ROOT, runRadar } from './support/cli.ts';

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

/** Runs the CLI in this process (for help texts: no process start per command), capturing both streams. */
async function inProcess(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const stream = (append: (text: string) => void) => ({ isTTY: false, write: (text: string) => (append(text), true) }) as unknown as NodeJS.WriteStream;
  const code = await main(['node', 'radar', ...args], { stdout: stream((text) => (stdout += text)), stderr: stream((text) => (stderr += text)) });
  return { code, stdout, stderr };
}

describe('help and version', () => {
  it('prints help and exits 0 for radar and every command and subcommand', async () => {
    const top = await inProcess(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('Usage: radar');
    const paths: string[][] = [];
    for (const command of listedCommands(top.stdout)) {
      const help = await inProcess([command, '--help']);
      expect({ command, code: help.code, usage: help.stdout.includes(`Usage: radar ${command}`) }).toEqual({ command, code: 0, usage: true });
      // Subcommands (config check, config schema…) are listed by their parent's help.
      paths.push([command], ...listedCommands(help.stdout).map((sub) => [command, sub]));
    }
    const names = paths.map((path) => path.join(' '));
    expect(names).toEqual(expect.arrayContaining(['migrate', 'config', 'config check', 'config schema', 'score', 'alerts list', 'tasks list', 'worker', 'demo']));
    for (const path of paths.filter((candidate) => candidate.length === 2)) {
      const help = await inProcess([...path, '--help']);
      expect({ path: path.join(' '), code: help.code, usage: help.stdout.includes(`Usage: radar ${path.join(' ')}`) }).toEqual({ path: path.join(' '), code: 0, usage: true });
    }
  });

  it('prints the same help and the package version as a real process', async () => {
    const [help, version, configHelp] = await Promise.all([runRadar(['--help']), runRadar(['--version']), runRadar(['config', '--help'])]);
    expect(help).toEqual({ code: 0, stdout: (await inProcess(['--help'])).stdout, stderr: '' });
    const { version: shipped } = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(version).toEqual({ code: 0, stdout: `${shipped}\n`, stderr: '' });
    expect(configHelp.code).toBe(0);
    expect(configHelp.stdout).toContain('Usage: radar config');
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
  }, 4 * startupBudgetMs()); // two embedded-database starts

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

/** Runs radar on a pseudo-terminal (util-linux `script`), as a person at a terminal runs it; returns what the terminal shows. */
function onTerminal(args: readonly string[], environment: Record<string, string>): Promise<{ code: number; screen: string }> {
  const command = ['node', 'pipelines/radar.js', ...args].map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(' ');
  return new Promise((resolve, reject) => {
    execFile('script', ['-qec', command, '/dev/null'], { cwd: REPO_ROOT, env: radarEnvironment({ ...environment, CI: '' }), timeout: 2 * startupBudgetMs() }, (error, stdout) => {
      if (error && typeof error.code !== 'number') reject(error);
      else resolve({ code: error ? (error.code as number) : 0, screen: stdout.replaceAll('\r\n', '\n') });
    });
  });
}

describe('on a terminal', () => {
  const lines = (screen: string) => screen.split('\n').filter((line) => line !== '');

  it('shows human lines only: the error once for the reader, the log event as a human line, no JSON', async () => {
    const failed = await onTerminal(['migrate'], { DATABASE_URL: 'postgres://radar:Pa55-secret-word@127.0.0.1:1/radar' });
    expect(failed.code).toBe(1);
    expect(failed.screen).not.toContain('Pa55-secret-word');
    expect(lines(failed.screen)).toEqual([
      expect.stringMatching(/^radar: cannot open the Postgres server at DATABASE_URL: .*ECONNREFUSED/),
      expect.stringMatching(/^radar: error: command_failed code="database_unavailable" context=\{/),
    ]);
  }, 2 * startupBudgetMs());

  it('keeps info and debug logs off the terminal unless --verbose, which shows them as human lines', async () => {
    const sample = (verbose: boolean) =>
      onTerminal([...(verbose ? ['--verbose'] : []), 'sample', '--accounts', '5', '--years', '1', '--end', '2026-06-30', '--out', join(dataDir, `tty-sample-${verbose}`)], {});
    const [quiet, verbose] = [await sample(false), await sample(true)];
    expect([quiet.code, verbose.code]).toEqual([0, 0]);
    for (const run of [quiet, verbose]) expect(lines(run.screen).filter((line) => line.startsWith('{'))).toEqual([]);
    expect(quiet.screen).toContain('sample company written to');
    expect(lines(quiet.screen).filter((line) => line.startsWith('radar: '))).toEqual([]);
    expect(lines(verbose.screen)).toContainEqual(expect.stringMatching(/^radar: debug: sample_progress message="/));
  }, 4 * startupBudgetMs());
});
