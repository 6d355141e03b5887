import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.ts';
import { JOB_NAMES, jobs, plannedSchedules } from './catalog.ts';
import { handlers, missingHandlers } from './handlers.ts';
import { parseQueueList } from './queues.ts';
import { tickOf } from './worker.ts';

const at = Date.parse('2026-11-21T06:00:00Z');

describe('job catalog', () => {
  it('has a handler for every declared job, and no other', () => {
    expect(missingHandlers(JOB_NAMES)).toEqual([]);
    expect(Object.keys(handlers).sort()).toEqual([...JOB_NAMES].sort());
    expect(missingHandlers([...JOB_NAMES, 'reindex'])).toEqual(['reindex']);
  });

  it('gives deterministic ids BullMQ accepts (no ":" — it reserves them for repeat:<scheduler>:<millis>)', () => {
    expect(jobs.daily.jobId({ asOf: '2026-11-21' }, at, 'UTC')).toBe('daily/2026-11-21');
    expect(jobs.daily.jobId({}, at, 'America/Los_Angeles')).toBe('daily/2026-11-20');
    expect(jobs.ingest.jobId({ source: 'billing' }, at, 'UTC')).toBe('ingest/billing/2026-11-21T06.00');
    expect(jobs.escalations.jobId({ asOf: '2026-11-21' }, at, 'UTC')).toBe('escalations/2026-11-21');
    expect(jobs['weekly-report'].jobId({ week: '2026-W47' }, at, 'UTC')).toBe('weekly-report/2026-W47');
    expect(jobs['daily-shard'].jobId({ asOf: '2026-11-21', shard: 0, shards: 4 }, at, 'UTC')).toBe('daily/2026-11-21/shard-1-of-4');
    for (const name of JOB_NAMES) expect(jobs[name].jobId({ source: 'billing' } as never, at, 'UTC')).not.toContain(':');
  });

  it('rejects bad payloads by schema', () => {
    expect(jobs.daily.payload.safeParse({ asOf: '2026-02-30' }).success).toBe(false);
    expect(jobs.daily.payload.safeParse({ asOf: '2026-11-21', extra: 1 }).success).toBe(false);
    expect(jobs.ingest.payload.safeParse({}).success).toBe(false);
    expect(jobs['weekly-report'].payload.safeParse({ week: '2026-W54' }).success).toBe(false);
    expect(jobs.daily.payload.parse({})).toEqual({});
    expect(jobs['daily-shard'].payload.safeParse({ asOf: '2026-11-21', shard: 4, shards: 4 }).success).toBe(false);
    expect(jobs['daily-shard'].payload.safeParse({ asOf: '2026-11-21', shard: 3, shards: 4 }).success).toBe(true);
  });

  it('retries with exponential backoff', () => {
    for (const name of JOB_NAMES) {
      expect(jobs[name].retry.attempts).toBeGreaterThan(1);
      expect(jobs[name].retry.backoff.type).toBe('exponential');
    }
  });

  it('plans one scheduler per job, plus one per source with its own schedule', () => {
    const { config } = parseConfig({
      sources: {
        billing: { kind: 'file', entity: 'invoices', path: 'billing.csv', schedule: '*/30 * * * *' },
        crm: { kind: 'file', entity: 'accounts', path: 'crm.csv' },
      },
      schedules: { daily: '15 5 * * *' },
    });
    expect(plannedSchedules(config).map(({ job, schedulerId, cron, data }) => [job, schedulerId, cron, data])).toEqual([
      ['ingest', 'ingest/billing', '*/30 * * * *', { source: 'billing' }],
      ['daily', 'daily', '15 5 * * *', {}],
      ['escalations', 'escalations', '0 */4 * * *', {}],
      ['weekly-report', 'weekly-report', '0 7 * * 1', {}],
    ]);
  });

  it('takes a scheduled job’s instant from its repeat id, else from when it was added', () => {
    expect(tickOf({ id: 'repeat:daily:1795068000000', timestamp: 1, opts: {} })).toBe(1795068000000);
    expect(tickOf({ id: 'repeat:ingest/billing:1795068000000', timestamp: 1, opts: {} })).toBe(1795068000000);
    expect(tickOf({ id: 'daily/2026-11-21', timestamp: 42, opts: {} })).toBe(42);
  });

  it('parses --queues and names the known ones on a typo', () => {
    expect(parseQueueList(undefined)).toEqual(JOB_NAMES);
    expect(parseQueueList('daily, ingest,daily')).toEqual(['daily', 'ingest']);
    expect(() => parseQueueList('daily,reports')).toThrow(/unknown queue reports \(known: ingest, daily, daily-shard, escalations, weekly-report, webhooks\)/);
  });
});
