// The whole radar.yaml schema, composed from one section schema per area. Every key has a default
// and a description; unknown keys are errors, so a typo cannot silently fall back to a default.
import { z } from 'zod';
import { indicatorRegistry } from '../indicators/registry.ts';
import { modelConfigSchema } from './model.ts';
import { playbooksConfigSchema, defaultPlaybooks } from './playbooks.ts';
import { reportConfigSchema } from './report.ts';
import { routingConfigSchema } from './routing.ts';
import { schedulesConfigSchema } from './schedules.ts';
import { serverConfigSchema } from './server.ts';
import { sourcesConfigSchema } from './sources.ts';
import { subscriptionsConfigSchema } from './subscriptions.ts';

const indicatorsConfigSchema = z
  .object(Object.fromEntries(indicatorRegistry.map((indicator) => [indicator.id, indicator.configSchema.prefault({})])))
  .strict()
  .describe('Per indicator: windows, warning and critical thresholds.');

export const radarConfigSchema = z
  .object({
    horizonDays: z.number().int().min(7).max(365).default(90).describe('Accounts renewing within this many days are in scope.'),
    leadDays: z.number().int().min(1).max(365).default(90).describe('Training rows are built this many days before each past renewal.'),
    sources: sourcesConfigSchema.default({}).describe('Where data comes from; see README "Sources".'),
    subscriptions: subscriptionsConfigSchema.prefault({}).describe('How renewals are derived from subscription periods; see docs/subscriptions.md.'),
    indicators: indicatorsConfigSchema.prefault({}),
    model: modelConfigSchema.prefault({}).describe('The logistic scoring model.'),
    routing: routingConfigSchema.prefault({}).describe('Who gets which alert, and how often.'),
    playbooks: playbooksConfigSchema.prefault(defaultPlaybooks).describe('Driver → tasks.'),
    schedules: schedulesConfigSchema.prefault({}).describe('Cron expressions of the scheduled jobs.'),
    report: reportConfigSchema.prefault({}).describe('The weekly leadership report.'),
    server: serverConfigSchema.prefault({}).describe('`radar serve`: the Slack interactivity and slash command endpoint.'),
  })
  .strict()
  .superRefine((config, ctx) => {
    const known = new Set(indicatorRegistry.map((indicator) => indicator.id));
    config.model.features.forEach((feature, index) => {
      if (!known.has(feature)) ctx.addIssue({ code: 'custom', path: ['model', 'features', index], message: `unknown indicator "${feature}" (known: ${[...known].join(', ')})` });
    });
    for (const [name, playbook] of Object.entries(config.playbooks)) {
      playbook.drivers.forEach((driver, index) => {
        if (!known.has(driver)) ctx.addIssue({ code: 'custom', path: ['playbooks', name, 'drivers', index], message: `unknown indicator "${driver}"` });
      });
    }
  });

export type RadarConfig = z.infer<typeof radarConfigSchema>;
