// Headless Chromium (Debian `chromium`) driven through its own command line: a screenshot, the DOM
// after load, a PDF through the print CSS, and the console messages, which `--enable-logging=stderr
// --v=0` prints to stderr as `INFO:CONSOLE…` lines. The report has no script, so any console line at
// all means something went wrong (an error, a blocked resource); the tests count them all.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

export const CHROMIUM = '/usr/bin/chromium';
export const IN_CI = process.env.CI === 'true';
/** Why the Chromium tests cannot run here, if they cannot. */
export const chromiumUnavailable = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is absent (install it: apt-get install -y chromium)`;

const run = promisify(execFile);

export interface ChromiumResult {
  readonly stdout: string;
  /** `INFO:CONSOLE` lines from stderr. */
  readonly console: string[];
}

export async function chromium(file: string, action: string[], windowSize = '1280,2400'): Promise<ChromiumResult> {
  const profile = mkdtempSync(join(tmpdir(), 'radar-chromium-'));
  try {
    const { stdout, stderr } = await run(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--hide-scrollbars',
        '--enable-logging=stderr',
        '--v=0',
        `--user-data-dir=${profile}`,
        `--window-size=${windowSize}`,
        ...action,
        pathToFileURL(file).href,
      ],
      { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
    );
    return { stdout, console: stderr.split('\n').filter((line) => line.includes(':CONSOLE')) };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

export const SCREENSHOTS = fileURLToPath(new URL('./__screenshots__/', import.meta.url));

export interface Screenshot extends ChromiumResult {
  readonly path: string;
  /** Whether the file starts with the PNG signature, its width from the IHDR chunk, its size in bytes. */
  readonly isPng: boolean;
  readonly width: number;
  readonly bytes: number;
}

/** Screenshots `file` into test/__screenshots__/`name` (committed, for review and the docs). */
export async function screenshot(file: string, name: string, windowSize: string): Promise<Screenshot> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, name);
  const result = await chromium(file, [`--screenshot=${path}`], windowSize);
  const png = readFileSync(path);
  return { ...result, path, isPng: png.subarray(1, 4).toString('latin1') === 'PNG', width: png.readUInt32BE(16), bytes: png.length };
}
