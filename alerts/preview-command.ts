// `radar alerts preview ID [--html FILE] [--stored]`: an alert's Slack message as a reader sees it,
// printed as lines or written as a Slack-like HTML card to review templates in a browser. By default
// the stored view is rendered again through the current templates (routing.templatesDir), so an
// edited template can be reviewed on real alerts before the next run posts it; `--stored` shows the
// message exactly as it was posted. The shell: database and file; the drawing is in preview.ts.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../pipelines/cli/context.ts';
import { RadarError } from '../pipelines/errors.ts';
import { alertForAction } from '../sql/interactions.ts';
import { renderAlertPreviewHtml, renderAlertPreviewText } from './preview.ts';
import type { Renderer, SlackMessage } from './render.ts';
import { rendererFor } from './run.ts';
import type { AlertView, DigestView, EscalationView, RiskReducedView } from './view.ts';

type StoredPayload = { view?: unknown; message?: SlackMessage } | null;

/** The message of a stored alert payload, rendered again with `renderer` when its kind has a template. */
export function previewMessage(kind: string, payload: StoredPayload, renderer: Renderer | null): SlackMessage | undefined {
  const view = payload?.view;
  if (renderer && view) {
    // The view stored with the alert is the one its kind's builder made (run.ts, escalate.ts).
    if (kind === 'risk') return renderer.alert(view as AlertView);
    if (kind === 'risk_reduced') return renderer.riskReduced(view as RiskReducedView);
    if (kind === 'escalation') return renderer.escalation(view as EscalationView);
    if (kind === 'digest') return renderer.digest(view as DigestView);
  }
  return payload?.message;
}

export function registerAlertPreview(alerts: Command, context: CliContext): void {
  alerts
    .command('preview')
    .description("Show an alert's Slack message as Slack shows it; --html writes a Slack-like card to open in a browser")
    .argument('<id>', 'alert id (see `radar alerts list`)')
    .option('--html <file>', 'write the card as a self-contained HTML page')
    .option('--stored', 'the message as it was posted, not rendered again through the current templates')
    .action(async (id: string, options: { html?: string; stored?: boolean }) => {
      if (!/^[1-9][0-9]{0,15}$/.test(id)) throw new RadarError('usage', `alert ID must be a positive integer, got "${id}"`);
      const db = await context.database();
      const alert = await alertForAction(db, Number(id));
      if (!alert) throw new RadarError('not_found', `no alert ${id}`);
      const loaded = options.stored ? null : context.config();
      const message = previewMessage(alert.kind, alert.payload as StoredPayload, loaded && rendererFor(loaded.config, loaded.baseDir));
      if (!message) throw new RadarError('not_found', `alert ${id} (${alert.kind}, ${alert.status}) has no rendered message`);
      if (options.html) {
        const file = resolve(options.html);
        writeFileSync(file, renderAlertPreviewHtml(message, { title: `Renewal Radar alert #${id} (${alert.kind})` }));
        context.out.data({ alertId: alert.alertId, file }, () => context.out.line(`alert #${id} (${alert.kind}) preview written to ${file}`));
        return;
      }
      context.out.data({ alertId: alert.alertId, message }, () => {
        for (const line of renderAlertPreviewText(message)) context.out.line(line);
      });
    });
}
