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
