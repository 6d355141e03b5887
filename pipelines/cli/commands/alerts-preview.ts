// `radar alerts preview ID [--html FILE] [--stored]`: an alert's Slack message as a reader sees it,
// printed as lines or written as a Slack-like HTML card to review templates in a browser. By default
// the stored view is rendered again through the current templates (routing.templatesDir), so an
// edited template can be reviewed on real alerts before the next run posts it; `--stored` shows the
// message exactly as it was posted. The shell: database and file; the drawing is in alerts/preview.ts.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { RadarError } from '../../errors.ts';
import type { CliContext } from '../context.ts';

export function registerAlertPreview(alerts: Command, context: CliContext): void {
  alerts
    .command('preview')
    .description("Show an alert's Slack message as Slack shows it; --html writes a Slack-like card to open in a browser")
    .argument('<id>', 'alert id (see `radar alerts list`)')
    .option('--html <file>', 'write the card as a self-contained HTML page')
    .option('--stored', 'the message as it was posted, not rendered again through the current templates')
    .action(async (id: string, options: { html?: string; stored?: boolean }) => {
      if (!/^[1-9][0-9]{0,15}$/.test(id)) throw new RadarError('usage', `alert ID must be a positive integer, got "${id}"`);
      const [{ alertForAction }, { previewMessage, renderAlertPreviewHtml, renderAlertPreviewText }, { rendererFor }] = await Promise.all([
        import('../../../sql/interactions.ts'),
        import('../../../alerts/preview.ts'),
        import('../../../alerts/run.ts'),
      ]);
      const db = await context.database();
      const alert = await alertForAction(db, Number(id));
      if (!alert) throw new RadarError('not_found', `no alert ${id}`);
      const loaded = options.stored ? null : context.config();
      const message = previewMessage(alert.kind, alert.payload as Parameters<typeof previewMessage>[1], loaded && rendererFor(loaded.config, loaded.baseDir));
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
