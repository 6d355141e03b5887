// Which logs a person or a machine gets, and how a log line reads on a terminal.
import { describe, expect, it } from 'vitest';
import { chooseLogging, createLogger, humanLogLine } from './log.ts';

describe('chooseLogging', () => {
  it('keeps a terminal quiet (warn, human lines) and machines informed (info, JSON lines)', () => {
    expect(chooseLogging({ terminal: true })).toEqual({ level: 'warn', format: 'human' });
    expect(chooseLogging({ terminal: false })).toEqual({ level: 'info', format: 'json' });
  });

  it('lets --verbose and LOG_LEVEL raise the level, LOG_LEVEL winning; never changes the format', () => {
    expect(chooseLogging({ terminal: true, verbose: true })).toEqual({ level: 'debug', format: 'human' });
    expect(chooseLogging({ terminal: false, verbose: true })).toEqual({ level: 'debug', format: 'json' });
    expect(chooseLogging({ terminal: true, verbose: true, level: 'error' })).toEqual({ level: 'error', format: 'human' });
    expect(chooseLogging({ terminal: false, level: 'trace' })).toEqual({ level: 'trace', format: 'json' });
  });
});

describe('human log lines', () => {
  it('reads as level, message, event and fields, without the timestamp', () => {
    const line = '{"level":40,"time":"2026-11-28T09:00:00.000Z","event":"score_warning","warning":"3 accounts have no usage","count":3}\n';
    expect(humanLogLine(line)).toBe('radar: warn: score_warning warning="3 accounts have no usage" count=3\n');
    expect(humanLogLine('{"level":50,"msg":"boom","event":"command_failed","context":{"file":"x.yaml"}}')).toBe('radar: error: boom command_failed context={"file":"x.yaml"}\n');
  });

  it('is what a human-format logger writes, secrets scrubbed as in JSON', () => {
    let written = '';
    const destination = { write: (text: string) => ((written += text), true) } as unknown as NodeJS.WritableStream;
    const logger = createLogger({ level: 'warn', format: 'human', destination, secrets: ['xoxb-secret-token'] });
    logger.info({ event: 'hidden' });
    logger.warn({ event: 'slack_failed', token: 'xoxb-secret-token' }, 'posting with xoxb-secret-token failed');
    expect(written).toBe('radar: warn: posting with [redacted] failed slack_failed token="[redacted]"\n');
  });
});
