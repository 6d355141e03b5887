// Structured logs: one JSON line per event on stderr (stdout is for human or --json output).
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

export function createLogger(options: { level?: string; secrets?: readonly string[]; destination?: NodeJS.WritableStream } = {}): Logger {
  const secrets = (options.secrets ?? []).filter((s) => s.length >= 4);
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
    (options.destination ?? process.stderr) as DestinationStream,
  );
}

/** A logger that discards everything, for tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });
