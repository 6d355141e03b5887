// The two Web API calls interactivity needs (chat.update, views.open), behind a small interface,
// with the real @slack/web-api WebClient. chat.update is idempotent (same text, same blocks), so the
// client may retry it; views.open is not retried (its trigger_id is single-use and expires in 3 s).
import { LogLevel, WebClient } from '@slack/web-api';
import type { SlackMessage } from '../render.ts';

export interface InteractivityApi {
  updateMessage(request: { channel: string; ts: string; message: SlackMessage }): Promise<void>;
  openView(request: { triggerId: string; view: Record<string, unknown> }): Promise<void>;
}

export function createInteractivityApi(options: { token: string; slackApiUrl?: string | undefined }): InteractivityApi {
  const common = {
    ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl.endsWith('/') ? options.slackApiUrl : `${options.slackApiUrl}/` } : {}),
    logLevel: LogLevel.ERROR,
  };
  const updates = new WebClient(options.token, { ...common, retryConfig: { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5000 } });
  const views = new WebClient(options.token, { ...common, retryConfig: { retries: 0 } });
  return {
    async updateMessage(request) {
      await updates.chat.update({ channel: request.channel, ts: request.ts, text: request.message.text, blocks: request.message.blocks as never });
    },
    async openView(request) {
      await views.views.open({ trigger_id: request.triggerId, view: request.view as never });
    },
  };
}
