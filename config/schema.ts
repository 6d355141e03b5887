// The whole radar.yaml schema, composed from one section schema per area. Every key has a default
// and a description; unknown keys are errors, so a typo cannot silently fall back to a default.
import { z } from 'zod';
import { customIndicatorSchema, metricsOf, signalsOf } from '../indicators/custom/schema.ts';
import { indicatorRegistry } from '../indicators/registry.ts';
import { modelConfigSchema } from './model.ts';
import { playbooksConfigSchema, defaultPlaybooks } from './playbooks.ts';
import { reportConfigSchema } from './report.ts';
import { routingConfigSchema } from './routing.ts';
import { schedulesConfigSchema } from './schedules.ts';
import { serverConfigSchema } from './server.ts';
import { jobsConfigSchema } from './jobs.ts';
import { fedMetricNames, fedSignalNames, type FedNames, type SourceConfig } from './sources.ts';
import { sourcesConfigSchema } from './sources.ts';
import { subscriptionsConfigSchema } from './subscriptions.ts';
import { tuneConfigSchema } from './tune.ts';
import { forecastConfigSchema } from './forecast.ts';
import { calendarConfigSchema } from './calendar.ts';
import { webhooksConfigSchema } from './webhooks.ts';
import { retentionConfigSchema } from './retention.ts';

const indicatorsConfigSchema = z
  .object({
    ...Object.fromEntries(indicatorRegistry.map((indicator) => [indicator.id, indicator.configSchema.prefault({})])),
    coverageStart: z
      .enum(['contractStart', 'firstReportedDay'])
      .default('contractStart')
      .describe(
        "An account's first covered day, from which a day without a usage row counts as a day without usage: its contract start, or the first day it reported (per table: usage_daily, usage_metrics_daily). A window with no covered day gives no data.",
      ),
    custom: z.array(customIndicatorSchema).default([]).describe('Indicators declared in config (docs/custom-indicators.md): kinds level, change, trend, ratio, share, daysSince, latest, latestChange, average.'),
  })
  .strict()
  .describe('Per indicator: windows, warning and critical thresholds; custom indicators; where coverage starts.');

type Issue = { path: (string | number)[]; message: string };

/** A custom indicator must read metrics and signals some source feeds (unless a source is open), with an id no other indicator has. */
function customIndicatorIssues(custom: readonly z.output<typeof customIndicatorSchema>[], sources: Readonly<Record<string, SourceConfig>>): Issue[] {
  const issues: Issue[] = [];
  const metrics = fedMetricNames(sources);
  const signals = fedSignalNames(sources);
  const check = (fed: FedNames, what: string, name: string, path: (string | number)[]) => {
    if (fed.open || fed.names.has(name)) return;
    issues.push({ path, message: `no source feeds ${what} "${name}" (fed: ${[...fed.names].sort().join(', ') || 'none'})` });
  };
  const taken = new Map(indicatorRegistry.map((indicator) => [indicator.id.toLowerCase(), `built-in indicator ${indicator.id}`]));
  custom.forEach((spec, index) => {
    const path = ['indicators', 'custom', index];
    const clash = taken.get(spec.id.toLowerCase());
    if (clash) issues.push({ path: [...path, 'id'], message: `duplicate id "${spec.id}": already used by ${clash}` });
    taken.set(spec.id.toLowerCase(), `indicators.custom.${index}`);
    for (const name of metricsOf(spec)) check(metrics, 'metric', name, [...path, spec.kind === 'ratio' ? (name === spec.numerator ? 'numerator' : 'denominator') : 'metric']);
    for (const name of signalsOf(spec)) check(signals, 'signal', name, [...path, 'signal']);
  });
  return issues;
}

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
    tune: tuneConfigSchema.prefault({}).describe('`radar tune`: how thresholds are suggested from past renewals (docs/tuning.md).'),
    forecast: forecastConfigSchema.prefault({}).describe('The renewal forecast (docs/forecast.md).'),
    calendar: calendarConfigSchema.prefault({}).describe('The renewal calendar: milestone digests and playbooks for CSMs (docs/calendar.md).'),
    jobs: jobsConfigSchema.prefault({}).describe('How the daily run is split across workers; see docs/scaling.md.'),
    webhooks: webhooksConfigSchema.default([]).describe('Signed webhooks: endpoints, the events each receives, their secrets (by environment variable) and retries (docs/api.md#webhooks).'),
    retention: retentionConfigSchema.prefault({}).describe('How many months of partitioned history the daily run keeps; see docs/scaling.md.'),
  })
  .strict()
  .superRefine((config, ctx) => {
    for (const issue of customIndicatorIssues(config.indicators.custom, config.sources)) ctx.addIssue({ code: 'custom', ...issue });
    const known = new Set([...indicatorRegistry.map((indicator) => indicator.id), ...config.indicators.custom.map((spec) => spec.id)]);
    const features = config.model.features === 'auto' ? [] : config.model.features;
    features.forEach((feature, index) => {
      if (!known.has(feature)) ctx.addIssue({ code: 'custom', path: ['model', 'features', index], message: `unknown indicator "${feature}" (known: ${[...known].join(', ')})` });
    });
    for (const [name, playbook] of Object.entries(config.playbooks)) {
      playbook.drivers.forEach((driver, index) => {
        if (!known.has(driver)) ctx.addIssue({ code: 'custom', path: ['playbooks', name, 'drivers', index], message: `unknown indicator "${driver}"` });
      });
    }
  });

export type RadarConfig = z.infer<typeof radarConfigSchema>;
