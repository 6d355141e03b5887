import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.ts';
import { escalationTarget, isSlackUserId, knownSlackId, meetsThreshold, routeAccount } from './routing.ts';
import { addDays, daysBetween, isDay, weekStart } from './dates.ts';

const routing = parseConfig({
  routing: {
    minimumTier: 'high',
    minimumArrCents: 1_000_000,
    fallbackChannels: { smb: 'CSMB' },
    defaultChannel: 'CALL',
    csmSlackIds: { 'Kim@Vendor.example': 'UKIM' },
    managers: { 'dana@vendor.example': 'UBOSS' },
  },
}).config.routing;

const account = (over: Partial<Parameters<typeof routeAccount>[0]> = {}) => ({ segment: 'smb', arrCents: 5_000_000, csmEmail: 'dana@vendor.example', csmSlackId: null, ...over });

describe('routing', () => {
  it('alerts from the minimum tier and ARR up', () => {
    expect(meetsThreshold('high', 1_000_000, routing)).toBe(true);
    expect(meetsThreshold('critical', 999_999, routing)).toBe(false);
    expect(meetsThreshold('medium', 9_000_000, routing)).toBe(false);
  });

  it('prefers the account Slack id, then config, then the lookup cache, then the segment channel', () => {
    expect(routeAccount(account({ csmSlackId: 'UROW' }), routing, new Map())).toMatchObject({ kind: 'user', slackUserId: 'UROW', recipient: 'dana@vendor.example' });
    expect(routeAccount(account({ csmEmail: 'kim@vendor.example' }), routing, new Map())).toMatchObject({ kind: 'user', slackUserId: 'UKIM' });
    expect(routeAccount(account(), routing, new Map([['dana@vendor.example', 'UDANA']]))).toMatchObject({ kind: 'user', slackUserId: 'UDANA' });
    expect(routeAccount(account(), routing, new Map([['dana@vendor.example', null]]))).toMatchObject({ kind: 'channel', channel: 'CSMB', reason: 'CSM has no Slack account' });
    expect(routeAccount(account({ csmEmail: null, segment: 'enterprise' }), routing, new Map())).toMatchObject({ kind: 'channel', channel: 'CALL', recipient: 'CALL', reason: 'account has no CSM' });
    expect(knownSlackId(account({ csmEmail: 'new@vendor.example' }), routing, new Map())).toBeUndefined();
  });

  it('escalates to the manager, else the escalation channel, else the fallback', () => {
    expect(escalationTarget('Dana@vendor.example', 'smb', routing)).toBe('UBOSS');
    expect(escalationTarget('kim@vendor.example', 'smb', routing)).toBe('CSMB');
    expect(escalationTarget(null, 'smb', { ...routing, escalationChannel: 'CESC' })).toBe('CESC');
    expect(isSlackUserId('UBOSS')).toBe(true);
    expect(isSlackUserId('CSMB')).toBe(false);
  });
});

describe('dates', () => {
  it('adds days across month and leap-year ends, and finds the ISO week start', () => {
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(daysBetween('2026-01-15', '2026-03-01')).toBe(45);
    expect(weekStart('2026-01-15')).toBe('2026-01-12'); // Thursday → Monday
    expect(weekStart('2026-01-18')).toBe('2026-01-12'); // Sunday belongs to the week before
    expect(weekStart('2026-01-19')).toBe('2026-01-19');
    expect(isDay('2026-02-30')).toBe(false);
  });
});
