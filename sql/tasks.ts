// Database access for playbook tasks.
import type { Queryable } from './alerts.ts';
import { isAnyOf, parameterSlices } from './batches.ts';

export interface NewTask {
  readonly playbook: string;
  readonly step: string;
  readonly ownerRole: string;
  readonly owner: string | null;
  readonly dueOn: string;
}

export interface TaskRow {
  readonly taskId: number;
  readonly alertId: number;
  readonly accountId: number;
  /** External id and name of the account. */
  readonly account: string;
  readonly accountName: string;
  readonly playbook: string;
  readonly step: string;
  readonly ownerRole: string;
  readonly owner: string | null;
  readonly dueOn: string;
  readonly status: string;
  readonly snoozedUntil: string | null;
  readonly note: string | null;
  readonly completedAt: Date | null;
  readonly escalatedAt: Date | null;
}

export interface InsertedTask {
  readonly taskId: number;
  readonly playbook: string;
  readonly step: string;
  readonly ownerRole: string;
  readonly dueOn: string;
  readonly status: string;
}

/** Inserts an alert's tasks (idempotent on alert, playbook and step); returns them in order. */
export async function insertTasks(db: Queryable, alertId: number, accountId: number, tasks: readonly NewTask[]): Promise<InsertedTask[]> {
  return (await insertTasksOfAlerts(db, [{ alertId, accountId, tasks }])).get(alertId) ?? [];
}

/** insertTasks for many alerts in a few statements; returns each alert's tasks in order (alerts without tasks are absent). */
export async function insertTasksOfAlerts(
  db: Queryable,
  alerts: ReadonlyArray<{ readonly alertId: number; readonly accountId: number; readonly tasks: readonly NewTask[] }>,
): Promise<Map<number, InsertedTask[]>> {
  const values = alerts.flatMap(({ alertId, accountId, tasks }) =>
    tasks.map((task) => ({ alert_id: alertId, account_id: accountId, playbook: task.playbook, step: task.step, owner_role: task.ownerRole, owner: task.owner, due_on: task.dueOn })),
  );
  const byAlert = new Map<number, InsertedTask[]>();
  if (values.length === 0) return byAlert;
  for (const slice of parameterSlices(values, 7)) {
    await db.insertInto('tasks').values(slice).onConflict((oc) => oc.columns(['alert_id', 'playbook', 'step']).doNothing()).execute();
  }
  const alertIds = [...new Set(values.map((value) => value.alert_id))];
  const rows = await db.selectFrom('tasks').select(['alert_id', 'task_id', 'playbook', 'step', 'owner_role', 'due_on', 'status']).where(isAnyOf('alert_id', alertIds)).orderBy('task_id').execute();
  for (const row of rows) {
    const list = byAlert.get(row.alert_id) ?? [];
    list.push({ taskId: row.task_id, playbook: row.playbook, step: row.step, ownerRole: row.owner_role, dueOn: row.due_on, status: row.status });
    byAlert.set(row.alert_id, list);
  }
  return byAlert;
}

function baseQuery(db: Queryable) {
  return db
    .selectFrom('tasks')
    .innerJoin('accounts', 'accounts.account_id', 'tasks.account_id')
    .select([
      'tasks.task_id', 'tasks.alert_id', 'tasks.account_id', 'accounts.external_id', 'accounts.name', 'tasks.playbook', 'tasks.step', 'tasks.owner_role', 'tasks.owner',
      'tasks.due_on', 'tasks.status', 'tasks.snoozed_until', 'tasks.note', 'tasks.completed_at', 'tasks.escalated_at',
    ]);
}

type BaseRow = Awaited<ReturnType<ReturnType<typeof baseQuery>['execute']>>[number];

function mapTask(row: BaseRow): TaskRow {
  return {
    taskId: row.task_id,
    alertId: row.alert_id,
    accountId: row.account_id,
    account: row.external_id,
    accountName: row.name,
    playbook: row.playbook,
    step: row.step,
    ownerRole: row.owner_role,
    owner: row.owner,
    dueOn: row.due_on,
    status: row.status,
    snoozedUntil: row.snoozed_until,
    note: row.note,
    completedAt: row.completed_at,
    escalatedAt: row.escalated_at,
  };
}

/** Open and snoozed tasks (all with `includeClosed`), by due day; `owner` filters on the owner's email. */
export async function listTasks(db: Queryable, options: { owner?: string; includeClosed?: boolean } = {}): Promise<TaskRow[]> {
  const rows = await baseQuery(db)
    .$if(!options.includeClosed, (qb) => qb.where('tasks.status', 'in', ['open', 'snoozed']))
    .$if(Boolean(options.owner), (qb) => qb.where('tasks.owner', '=', options.owner!.trim().toLowerCase()))
    .orderBy('tasks.due_on')
    .orderBy('tasks.task_id')
    .execute();
  return rows.map(mapTask);
}

export async function getTask(db: Queryable, taskId: number): Promise<TaskRow | undefined> {
  const row = await baseQuery(db).where('tasks.task_id', '=', taskId).executeTakeFirst();
  return row ? mapTask(row) : undefined;
}

/** Marks a task done; returns false when it does not exist. A done task stays done (first completion wins). */
export async function completeTask(db: Queryable, taskId: number, input: { note: string | null; by: string; now: Date }): Promise<boolean> {
  const result = await db
    .updateTable('tasks')
    .set({ status: 'done', note: input.note, completed_at: input.now, completed_by: input.by })
    .where('task_id', '=', taskId)
    .where('status', '<>', 'done')
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) > 0) return true;
  return (await getTask(db, taskId)) !== undefined;
}

export async function snoozeTask(db: Queryable, taskId: number, until: string): Promise<boolean> {
  const result = await db
    .updateTable('tasks')
    .set({ status: 'snoozed', snoozed_until: until })
    .where('task_id', '=', taskId)
    .where('status', 'in', ['open', 'snoozed'])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export interface EscalationCandidate extends TaskRow {
  readonly segment: string;
  readonly accountName: string;
  readonly csmEmail: string | null;
  readonly csmSlackId: string | null;
}

/** Open or snoozed, never escalated tasks due before `dueBefore` (the pure rule decides the rest). */
export async function escalationCandidates(db: Queryable, dueBefore: string): Promise<EscalationCandidate[]> {
  const rows = await baseQuery(db)
    .select(['accounts.segment', 'accounts.name', 'accounts.csm_email', 'accounts.csm_slack_id'])
    .where('tasks.status', 'in', ['open', 'snoozed'])
    .where('tasks.escalated_at', 'is', null)
    .where((eb) => eb.or([eb('tasks.due_on', '<', dueBefore), eb('tasks.snoozed_until', '<', dueBefore)]))
    .orderBy('tasks.task_id')
    .execute();
  return rows.map((row) => ({ ...mapTask(row), segment: row.segment, accountName: row.name, csmEmail: row.csm_email, csmSlackId: row.csm_slack_id }));
}

export async function markEscalated(db: Queryable, taskId: number, now: Date): Promise<void> {
  await db.updateTable('tasks').set({ escalated_at: now }).where('task_id', '=', taskId).where('escalated_at', 'is', null).execute();
}
