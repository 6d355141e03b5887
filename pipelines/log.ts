// Structured logs on stderr (stdout is for human or --json output). Without a terminal (CI, workers,
// pipes) one JSON line per event at `info`, for machines; on a terminal only warnings and errors, as
// short human lines, so a person sees the command's own output (docs/cli.md "Logs and output").
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

export type LogFormat = 'json' | 'human';

/**
 * The level and format of a command's logs. LOG_LEVEL wins, then --verbose (debug); otherwise `warn`
 * on a terminal and `info` elsewhere. The format follows the terminal alone: JSON is for machines.
 */
export function chooseLogging(options: { level?: string | undefined; verbose?: boolean; terminal: boolean }): { level: string; format: LogFormat } {
  return {
    level: options.level ?? (options.verbose ? 'debug' : options.terminal ? 'warn' : 'info'),
    format: options.terminal ? 'human' : 'json',
  };
}

const LEVEL_NAMES: Readonly<Record<number, string>> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** One pino JSON line as a person reads it: `radar: warn: score_warning warning="…"`. */
export function humanLogLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const { level, time: _time, msg, event, ...fields } = entry;
  const head = [msg, event].filter((part) => typeof part === 'string' && part !== '').join(' ');
  const rest = Object.entries(fields).map(([key, value]) => `${key}=${typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value ?? null)}`);
  return `radar: ${LEVEL_NAMES[level as number] ?? String(level)}: ${[head, ...rest].filter(Boolean).join(' ')}\n`;
}

function humanDestination(destination: NodeJS.WritableStream): DestinationStream {
  return { write: (line: string) => void destination.write(humanLogLine(line)) };
}

export function createLogger(
  options: { level?: string; secrets?: readonly string[]; destination?: NodeJS.WritableStream; format?: LogFormat } = {},
): Logger {
  const secrets = (options.secrets ?? []).filter((s) => s.length >= 4);
  const destination = options.destination ?? process.stderr;
  return pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['token', '*.token', 'authorization', '*.authorization', 'headers.authorization'], censor: '[redacted]' },
      ...(secrets.length
        ? { hooks: {
            // Belt and braces: scrub any secret value that slipped into a message string.
            logMethod(args, method) {
              const scrubbed = args.map((arg) => (typeof arg === 'string' ? secrets.reduce((text, s) => text.split(s).join('[redacted]'), arg) : arg));
              method.apply(this, scrubbed as Parameters<typeof method>);
            },
          } }
        : {}),
    },
    options.format === 'human' ? humanDestination(destination) : (destination as DestinationStream),
  );
}

/** A logger that discards everything, for tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });
