// The weekly summary goes through the alerts outbox: once per week and recipient against the local
// Slack Web API stand-in (a re-run posts nothing), and to the outbox directory in a dry run.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sendWeeklySummary } from '../alerts/summary.ts';
import { parseConfig } from '../config/load.ts';
import { runOptions, slackFor } from './alerts-fixtures.ts';
import { describeEachBackend } from './support/database.ts';
import { startFakeSlack, type FakeSlack } from './support/slack-api.ts';

let fake: FakeSlack;
beforeAll(async () => {
  fake = await startFakeSlack();
});
afterAll(async () => {
  await fake.close();
});

const message = { text: 'Weekly retention report 2026-W47', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'GRR 91.0%' } }] };

describeEachBackend('weekly summary post', (context) => {
  it('posts to the leadership channel and every recipient once, however often it runs', async () => {
    const { db } = context();
    fake.reset();
    fake.channels.add('C0LEADERS');
    fake.channels.add('C0BOARD');
    const loaded = parseConfig({ report: { leadershipChannel: 'C0LEADERS', recipients: ['C0BOARD', 'C0LEADERS'] } });
    const options = { ...runOptions(loaded, '2026-11-22', slackFor(fake)), week: '2026-W47', message };
    const first = await sendWeeklySummary(db, options);
    expect(first).toMatchObject({ queued: 2, delivery: { sent: 2, failed: 0 } });
    const second = await sendWeeklySummary(db, options);
    expect(second).toMatchObject({ queued: 0, delivery: { sent: 0 } });
    expect(fake.posts('report:weekly:2026-W47:C0LEADERS')).toHaveLength(1);
    expect(fake.posts('report:weekly:2026-W47:C0BOARD')).toHaveLength(1);
  });

  it('writes the outbox in a dry run', async () => {
    const { db } = context();
    const loaded = parseConfig({ report: { leadershipChannel: 'C0DRY' } });
    const options = { ...runOptions(loaded, '2026-11-29', null), week: '2026-W48', message };
    const sent = await sendWeeklySummary(db, options);
    expect(sent).toMatchObject({ queued: 1, delivery: { dryRun: 1 } });
    expect(readdirSync(join(options.outboxDir, '2026-11-29'))).toEqual([expect.stringContaining('2026-W48')]);
    expect(options.recorder.printed.join('\n')).toContain('Weekly retention report 2026-W47');
  });
});
