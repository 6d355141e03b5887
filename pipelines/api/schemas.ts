// The zod schemas of the REST API: they validate every request (query, path, body) and every
// response before it is sent, and the OpenAPI document is generated from them (openapi.ts).
import { z } from 'zod';
import { NOT_A_RISK_REASONS } from '../../alerts/view.ts';

export const SCOPES = ['read', 'tasks:write', 'alerts:write'] as const;
export type Scope = (typeof SCOPES)[number];

const TIERS = ['low', 'medium', 'high', 'critical'] as const;
const day = z.iso.date();
const instant = z.iso.datetime({ offset: true });

export const problemSchema = z
  .object({
    type: z.string().meta({ description: 'A URI naming the kind of problem, e.g. urn:radar:problem:invalid-request.' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().meta({ description: 'The request path.' }),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional().meta({ description: 'Each invalid field, for invalid-request problems.' }),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details (application/problem+json).' });

const driverSchema = z
  .looseObject({ indicator: z.string(), contribution: z.number(), sentence: z.string().optional() })
  .meta({ id: 'Driver', description: 'A reason behind a score: positive contributions raise the risk.' });

export const scoreSchema = z
  .object({ asOf: day, probability: z.number().min(0).max(1), tier: z.enum(TIERS), modelVersion: z.string(), drivers: z.array(driverSchema) })
  .meta({ id: 'Score' });

const indicatorValueSchema = z.object({ indicator: z.string(), value: z.number().nullable(), flag: z.string() }).meta({ id: 'IndicatorValue' });

export const accountSchema = z
  .object({
    id: z.string().meta({ description: "The account's external id (the CRM's)." }),
    name: z.string(),
    segment: z.string(),
    arrCents: z.number().int(),
    currency: z.string(),
    csmEmail: z.string().nullable(),
    renewalDate: day,
    status: z.string(),
    score: scoreSchema.nullable().meta({ description: 'The latest score on or before asOf; null when the account has none.' }),
    indicators: z.array(indicatorValueSchema).meta({ description: "Indicator values of the score's day." }),
  })
  .meta({ id: 'Account' });

export const historySchema = z
  .object({
    id: z.string(),
    scores: z.array(scoreSchema),
    indicators: z.array(indicatorValueSchema.extend({ asOf: day })),
  })
  .meta({ id: 'AccountHistory' });

export const alertSchema = z
  .object({
    id: z.number().int(),
    account: z.string(),
    asOf: day,
    tier: z.enum(TIERS).nullable(),
    probability: z.number().nullable(),
    modelVersion: z.string().nullable(),
    status: z.string(),
    recipient: z.string().nullable(),
    createdAt: instant,
    sentAt: instant.nullable(),
    snoozedUntil: day.nullable(),
    outcome: z.string().nullable(),
    notRisk: z.object({ reason: z.string(), note: z.string().nullable(), by: z.string(), at: instant }).nullable(),
  })
  .meta({ id: 'Alert' });

export const taskSchema = z
  .object({
    id: z.number().int(),
    alertId: z.number().int(),
    account: z.string(),
    tier: z.enum(TIERS).nullable(),
    playbook: z.string(),
    step: z.string(),
    ownerRole: z.string(),
    owner: z.string().nullable(),
    dueOn: day,
    status: z.enum(['open', 'done', 'snoozed', 'cancelled']),
    snoozedUntil: day.nullable(),
    note: z.string().nullable(),
    completedAt: instant.nullable(),
    completedBy: z.string().nullable(),
  })
  .meta({ id: 'Task' });

const page = <T extends z.ZodType>(item: T, id: string) =>
  z
    .object({
      items: z.array(item),
      nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
    })
    .meta({ id });

export const accountPageSchema = page(accountSchema, 'AccountPage');
export const alertPageSchema = page(alertSchema, 'AlertPage');
export const taskPageSchema = page(taskSchema, 'TaskPage');

const limit = z.coerce.number().int().min(1).optional().meta({ description: 'Page size (default 50, at most server.api.maxPageSize).' });
const cursor = z.string().max(200).optional().meta({ description: 'nextCursor of the previous page.' });
const csm = z.email().optional().meta({ description: "CSM's email." });
const tier = z.enum(TIERS).optional();

export const accountsQuery = z.object({ asOf: day.optional().meta({ description: 'Scores and indicators as known on this day (default: the latest).' }), csm, tier, limit, cursor }).strict();
export const accountQuery = z.object({ asOf: day.optional() }).strict();
export const historyQuery = z.object({ from: day.optional(), to: day.optional() }).strict();
export const alertsQuery = z.object({ csm, tier, status: z.enum(['pending', 'sending', 'sent', 'failed', 'queued', 'holdout', 'suppressed', 'dry_run']).optional(), limit, cursor }).strict();
export const tasksQuery = z.object({ csm: csm.meta({ description: "The task owner's email." }), tier, status: z.enum(['open', 'done', 'snoozed', 'cancelled']).optional(), limit, cursor }).strict();

export const accountParams = z.object({ id: z.string().min(1).max(200).meta({ description: "The account's external id." }) });
export const idParams = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

export const completeTaskBody = z.object({ note: z.string().max(1000).optional() }).strict().meta({ id: 'CompleteTask' });
export const notRiskBody = z
  .object({
    reason: z.enum(Object.keys(NOT_A_RISK_REASONS) as [keyof typeof NOT_A_RISK_REASONS, ...(keyof typeof NOT_A_RISK_REASONS)[]]),
    note: z.string().max(1000).optional(),
  })
  .strict()
  .meta({ id: 'NotARisk' });
export const emptyBody = z.object({}).strict().meta({ id: 'Empty' });

export const taskWriteSchema = z.object({ task: taskSchema, changed: z.boolean().meta({ description: 'false when the same write was made before: nothing changed.' }) }).meta({ id: 'TaskWrite' });
export const alertWriteSchema = z.object({ alert: alertSchema, changed: z.boolean() }).meta({ id: 'AlertWrite' });

export const healthSchema = z.object({ ok: z.boolean(), database: z.boolean(), migrations: z.object({ expected: z.number().int(), applied: z.number().int(), pending: z.array(z.string()) }) }).meta({ id: 'Readiness' });

// ---- Outcomes and save rates ------------------------------------------------------------------

const GROUPS = ['alerted', 'holdout'] as const;
const ALERT_OUTCOMES = ['saved', 'lost', 'downgraded'] as const;

export const outcomeSchema = z
  .object({
    renewalId: z.number().int(),
    account: z.string().meta({ description: "The account's external id." }),
    accountName: z.string(),
    segment: z.string(),
    csmEmail: z.string().nullable(),
    renewalDate: day,
    decidedAt: instant,
    renewalOutcome: z.enum(['renewed', 'churned', 'downgraded', 'expanded']),
    outcome: z.enum(ALERT_OUTCOMES).meta({ description: 'renewed or expanded = saved, churned = lost.' }),
    group: z.enum(GROUPS).meta({ description: 'alerted: at least one delivered risk alert; holdout: only holdout alerts (the control group).' }),
    tier: z.enum(TIERS).nullable().meta({ description: 'The highest tier among the linked alerts.' }),
    arrBeforeCents: z.number().int(),
    arrAfterCents: z.number().int(),
    alerts: z.number().int().meta({ description: 'Risk alerts linked to this renewal.' }),
    firstAlertOn: day,
    tasks: z.object({ total: z.number().int(), done: z.number().int() }),
  })
  .meta({ id: 'Outcome', description: 'The decided renewal of an alerted (or held-out) account.' });

export const outcomePageSchema = page(outcomeSchema, 'OutcomePage');

export const outcomesQuery = z
  .object({
    from: day.optional().meta({ description: 'Decided on or after this day (UTC).' }),
    to: day.optional().meta({ description: 'Decided on or before this day (UTC).' }),
    outcome: z.enum(ALERT_OUTCOMES).optional(),
    group: z.enum(GROUPS).optional(),
    tier,
    csm,
    limit,
    cursor,
  })
  .strict();

const rate = z.number().min(0).max(1).nullable();
const proportionSchema = z
  .object({
    decided: z.number().int(),
    saved: z.number().int(),
    downgraded: z.number().int(),
    lost: z.number().int(),
    rate: rate.meta({ description: 'saved ÷ decided; null when nothing was decided.' }),
    low: rate.meta({ description: '95 % Wilson interval, low end.' }),
    high: rate,
  })
  .meta({ id: 'SaveRate' });

export const saveRateRowSchema = z
  .object({
    period: z.object({ label: z.string().meta({ description: "'all', '2026-Q1' or '2026-01'." }), from: day.nullable(), to: day.nullable() }),
    tier: z.enum(TIERS).nullable().meta({ description: 'With byTier=true; else null.' }),
    alerted: proportionSchema,
    holdout: proportionSchema,
    lift: z
      .object({ estimate: z.number().nullable(), low: z.number().nullable(), high: z.number().nullable(), method: z.string() })
      .meta({ description: 'alerted − holdout save rate with its 95 % interval; null without decided accounts in both groups.' }),
    tasks: z.object({ total: z.number().int(), done: z.number().int(), savedWithTaskDone: z.number().int() }).meta({ description: 'Playbook tasks of the alerted group.' }),
  })
  .meta({ id: 'SaveRateRow' });

export const saveRatesSchema = z.object({ interval: z.enum(['all', 'quarter', 'month']), items: z.array(saveRateRowSchema) }).meta({ id: 'SaveRates' });

export const saveRateQuery = z
  .object({
    from: day.optional().meta({ description: 'Renewals decided on or after this day (UTC).' }),
    to: day.optional().meta({ description: 'Renewals decided on or before this day (UTC).' }),
    interval: z.enum(['all', 'quarter', 'month']).optional().meta({ description: 'One row per calendar quarter (default), month, or one for all.' }),
    byTier: z.enum(['true', 'false']).optional().meta({ description: 'Split each period by the highest alert tier.' }),
    csm,
  })
  .strict();

// ---- The weekly report ------------------------------------------------------------------------

const chartDatum = z.object({ label: z.string(), value: z.number().nullable().meta({ description: 'null = no data (a gap, never 0).' }), display: z.string() });
const chartSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('line'), id: z.string(), title: z.string(), points: z.array(chartDatum) }),
    z.object({ kind: z.literal('bars'), id: z.string(), title: z.string(), bars: z.array(chartDatum) }),
    z.object({
      kind: z.literal('calibration'),
      id: z.string(),
      title: z.string(),
      bins: z.array(z.object({ bin: z.number().int(), count: z.number().int(), minPredicted: z.number(), maxPredicted: z.number(), meanPredicted: z.number(), observedRate: z.number() })),
    }),
    z.object({
      kind: z.literal('intervals'),
      id: z.string(),
      title: z.string(),
      rows: z.array(z.object({ label: z.string(), low: z.number(), high: z.number(), expected: z.number(), actual: z.number().nullable(), display: z.string() })),
    }),
  ])
  .meta({ id: 'ReportChart' });

const tableSchema = z
  .object({
    id: z.string(),
    caption: z.string(),
    columns: z.array(z.string()),
    rows: z.array(z.object({ key: z.string().meta({ description: "Stable id of the row, e.g. 'renewals.grr'." }), cells: z.array(z.string()), flagged: z.boolean().optional() })),
    empty: z.string().optional().meta({ description: 'Shown instead of the table when it has no rows.' }),
  })
  .meta({ id: 'ReportTable' });

export const reportViewSchema = z
  .object({
    title: z.string(),
    subtitle: z.string(),
    headline: z.array(z.object({ label: z.string(), value: z.string() })),
    sections: z.array(z.object({ id: z.string(), title: z.string(), definitions: z.array(z.string()), tables: z.array(tableSchema), charts: z.array(chartSchema) })),
  })
  .meta({ id: 'ReportView', description: 'The view-model the HTML report renders: every figure formatted, in tables and charts.' });

export const weeklyReportSchema = z
  .object({
    week: z.string(),
    from: day,
    to: day,
    generatedAt: instant,
    view: reportViewSchema,
    figures: z.record(z.string(), z.unknown()).meta({ description: 'The raw figures behind the view, as `radar report weekly --format json` writes them (money in integer cents, rates 0–1).' }),
  })
  .meta({ id: 'WeeklyReport' });

export const weekParams = z.object({
  week: z
    .string()
    .regex(/^(latest|\d{4}-W\d{2})$/)
    .meta({ description: "'latest' (the last complete ISO week) or an ISO week such as 2026-W02." }),
});
