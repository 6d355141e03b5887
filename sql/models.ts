// Database access for the scoring model: decided renewals (training labels and backtest outcomes), the
// model registry (`models`) and the scores (`risk_scores`). Rows are mapped to camelCase here, once.
import { sql, type Kysely } from 'kysely';
import { RadarError } from '../pipelines/errors.ts';
import { triggersOffAllowed, withTriggersOff } from './ingest.ts';
import type { DB, Json } from './schema.ts';
import { isAnyOf } from './batches.ts';

export type RenewalOutcome = 'renewed' | 'churned' | 'downgraded' | 'expanded';

export interface DecidedRenewal {
  readonly renewalId: number;
  readonly accountId: number;
  /** 'YYYY-MM-DD'. */
  readonly renewalDate: string;
  readonly outcome: RenewalOutcome;
  readonly arrBeforeCents: number;
  readonly arrAfterCents: number;
  /** ISO timestamp (UTC). */
  readonly decidedAt: string;
}

interface RenewalRow {
  renewal_id: number;
  account_id: number;
  renewal_date: string;
  outcome: string;
  arr_before_cents: number;
  arr_after_cents: number;
  decided_at: Date;
}

const toRenewal = (row: RenewalRow): DecidedRenewal => ({
  renewalId: row.renewal_id,
  accountId: row.account_id,
  renewalDate: row.renewal_date,
  outcome: row.outcome as RenewalOutcome,
  arrBeforeCents: row.arr_before_cents,
  arrAfterCents: row.arr_after_cents,
  decidedAt: new Date(row.decided_at).toISOString(),
});

/**
 * Renewals with a known outcome: decided before midnight UTC starting `decidedBefore` (when given),
 * with a renewal date in [renewalFrom, renewalTo] (when given). Ordered by renewal date, then account.
 */
export async function listDecidedRenewals(
  db: Kysely<DB>,
  filter: { decidedBefore?: string | undefined; renewalFrom?: string | undefined; renewalTo?: string | undefined; accountIds?: readonly number[] | undefined } = {},
): Promise<DecidedRenewal[]> {
  let query = db
    .selectFrom('renewals')
    .select(['renewal_id', 'account_id', 'renewal_date', 'outcome', 'arr_before_cents', 'arr_after_cents', 'decided_at'])
    .orderBy('renewal_date')
    .orderBy('account_id');
  if (filter.decidedBefore !== undefined) query = query.where(sql<boolean>`decided_at < ${filter.decidedBefore}::date::timestamp AT TIME ZONE 'UTC'`);
  if (filter.renewalFrom !== undefined) query = query.where('renewal_date', '>=', filter.renewalFrom);
  if (filter.renewalTo !== undefined) query = query.where('renewal_date', '<=', filter.renewalTo);
  if (filter.accountIds) {
    if (filter.accountIds.length === 0) return [];
    query = query.where(isAnyOf('account_id', filter.accountIds));
  }
  const rows = await query.execute();
  return rows.map((row) => toRenewal(row as unknown as RenewalRow));
}

/** Each account's contract_start ('YYYY-MM-DD'), for the given accounts. */
export async function contractStarts(db: Kysely<DB>, accountIds: readonly number[]): Promise<Map<number, string>> {
  if (accountIds.length === 0) return new Map();
  const rows = await db.selectFrom('accounts').select(['account_id', 'contract_start']).where(isAnyOf('account_id', accountIds)).execute();
  return new Map(rows.map((row) => [Number(row.account_id), String(row.contract_start)]));
}

export interface AccountOwner {
  readonly accountId: number;
  readonly externalId: string;
  readonly csmEmail: string | null;
}

/** Who owns each account (for alerts-per-CSM figures). */
export async function listAccountOwners(db: Kysely<DB>): Promise<AccountOwner[]> {
  const rows = await db.selectFrom('accounts').select(['account_id', 'external_id', 'csm_email']).orderBy('account_id').execute();
  return rows.map((row) => ({ accountId: row.account_id, externalId: row.external_id, csmEmail: row.csm_email }));
}

// ---- models ---------------------------------------------------------------------------------

export interface StoredModelRow {
  readonly version: string;
  readonly createdAt: Date;
  readonly engine: string;
  readonly features: Json;
  readonly coefficients: Json;
  readonly intercept: number;
  readonly scaling: Json;
  readonly leadDays: number;
  readonly trainingFrom: string;
  readonly trainingTo: string;
  readonly classBalance: Json;
  readonly metrics: Json;
  readonly configHash: string;
  readonly isPromoted: boolean;
  readonly promotedAt: Date | null;
}

export type NewModelRow = Omit<StoredModelRow, 'createdAt' | 'isPromoted' | 'promotedAt'>;

const MODEL_COLUMNS = [
  'version',
  'created_at',
  'engine',
  'features',
  'coefficients',
  'intercept',
  'scaling',
  'lead_days',
  'training_from',
  'training_to',
  'class_balance',
  'metrics',
  'config_hash',
  'is_promoted',
  'promoted_at',
] as const;

interface ModelDbRow {
  version: string;
  created_at: Date;
  engine: string;
  features: Json;
  coefficients: Json;
  intercept: number;
  scaling: Json;
  lead_days: number;
  training_from: string;
  training_to: string;
  class_balance: Json;
  metrics: Json;
  config_hash: string;
  is_promoted: boolean;
  promoted_at: Date | null;
}

const toModel = (row: ModelDbRow): StoredModelRow => ({
  version: row.version,
  createdAt: row.created_at,
  engine: row.engine,
  features: row.features,
  coefficients: row.coefficients,
  intercept: row.intercept,
  scaling: row.scaling,
  leadDays: row.lead_days,
  trainingFrom: row.training_from,
  trainingTo: row.training_to,
  classBalance: row.class_balance,
  metrics: row.metrics,
  configHash: row.config_hash,
  isPromoted: row.is_promoted,
  promotedAt: row.promoted_at,
});

/** Stores a model; a second insert of the same version (same data, same config) changes nothing. Returns whether it was new. */
export async function insertModel(db: Kysely<DB>, model: NewModelRow): Promise<boolean> {
  const inserted = await db
    .insertInto('models')
    .values({
      version: model.version,
      engine: model.engine,
      features: JSON.stringify(model.features),
      coefficients: JSON.stringify(model.coefficients),
      intercept: model.intercept,
      scaling: JSON.stringify(model.scaling),
      lead_days: model.leadDays,
      training_from: model.trainingFrom,
      training_to: model.trainingTo,
      class_balance: JSON.stringify(model.classBalance),
      metrics: JSON.stringify(model.metrics),
      config_hash: model.configHash,
    })
    .onConflict((conflict) => conflict.column('version').doNothing())
    .returning('version')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** Every model, newest first. */
export async function listModels(db: Kysely<DB>): Promise<StoredModelRow[]> {
  const rows = await db.selectFrom('models').select(MODEL_COLUMNS).orderBy('created_at', 'desc').orderBy('version', 'desc').execute();
  return rows.map((row) => toModel(row as unknown as ModelDbRow));
}

export async function findModel(db: Kysely<DB>, version: string): Promise<StoredModelRow | undefined> {
  const row = await db.selectFrom('models').select(MODEL_COLUMNS).where('version', '=', version).executeTakeFirst();
  return row ? toModel(row as unknown as ModelDbRow) : undefined;
}

/** The promoted model, else the newest (with `promoted: false` so the caller can warn), else undefined. */
export async function currentModel(db: Kysely<DB>): Promise<{ model: StoredModelRow; promoted: boolean } | undefined> {
  const promoted = await db.selectFrom('models').select(MODEL_COLUMNS).where('is_promoted', '=', true).executeTakeFirst();
  if (promoted) return { model: toModel(promoted as unknown as ModelDbRow), promoted: true };
  const newest = (await listModels(db))[0];
  return newest ? { model: newest, promoted: false } : undefined;
}

/** Makes `version` the one promoted model, in one transaction (the partial unique index allows only one). */
export async function promoteModel(db: Kysely<DB>, version: string, promotedAt: Date | string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const exists = await trx.selectFrom('models').select('version').where('version', '=', version).forUpdate().executeTakeFirst();
    if (!exists) throw new RadarError('not_found', `no model ${JSON.stringify(version)} (see radar model list)`);
    await trx.updateTable('models').set({ is_promoted: false, promoted_at: null }).where('is_promoted', '=', true).where('version', '<>', version).execute();
    await trx
      .updateTable('models')
      .set({ is_promoted: true, promoted_at: promotedAt })
      .where('version', '=', version)
      .where('is_promoted', '=', false)
      .execute();
  });
}

// ---- risk_scores ------------------------------------------------------------------------------

export interface RiskScoreRow {
  readonly accountId: number;
  readonly asOf: string;
  readonly modelVersion: string;
  readonly probability: number;
  readonly tier: 'low' | 'medium' | 'high' | 'critical';
  readonly drivers: Json;
  readonly missingIndicators: Json;
  /** The rule scorecard's probability for the same account and day (null on rows scored before it was stored). */
  readonly scorecardProbability: number | null;
}

export interface StoredRiskScore extends RiskScoreRow {
  readonly scoredAt: Date;
}

/**
 * Upserts scores keyed by (account, as of, model). A row is only rewritten when its probability, tier,
 * drivers or missing indicators changed, so a re-run writes nothing. Returns the rows written.
 * One statement for all rows: the rows travel as one JSON document expanded in the server
 * (json_to_recordset), so 22,000 scores are one round trip and one parameter. It replaces eight parallel
 * array parameters (unnest), whose 11 MB of driver JSON the driver quoted into an array literal and the
 * server parsed back out of it (docs/scaling.md, "Scoring vs indicators").
 */
export async function upsertRiskScores(db: Kysely<DB>, rows: readonly RiskScoreRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  // Short keys: the document is parsed once in the server; as of and model version are usually one value for all rows.
  const document = JSON.stringify(
    rows.map((r) => ({ a: r.accountId, d: r.asOf, v: r.modelVersion, p: r.probability, t: r.tier, r: r.drivers, m: r.missingIndicators, s: r.scorecardProbability })),
  );
  const upsert = () => sql<{ written: number }>`
    WITH upserted AS (
      INSERT INTO risk_scores (account_id, as_of, model_version, probability, tier, drivers, missing_indicators, scorecard_probability)
      SELECT a, d, v, p, t, r::jsonb, m::jsonb, s
      FROM json_to_recordset(${document}::json) AS x (a bigint, d date, v text, p float8, t text, r json, m json, s float8)
      ON CONFLICT (account_id, as_of, model_version) DO UPDATE SET
        probability = excluded.probability,
        tier = excluded.tier,
        drivers = excluded.drivers,
        missing_indicators = excluded.missing_indicators,
        scorecard_probability = excluded.scorecard_probability,
        scored_at = now()
      WHERE (risk_scores.probability, risk_scores.tier, risk_scores.drivers, risk_scores.missing_indicators, risk_scores.scorecard_probability)
            IS DISTINCT FROM (excluded.probability, excluded.tier, excluded.drivers, excluded.missing_indicators, excluded.scorecard_probability)
      RETURNING 1
    )
    SELECT count(*)::int AS written FROM upserted`.execute(db);
  // The two foreign keys' per-row checks were a third of the statement (300 of 836 ms for 6,647 rows): done
  // once instead, as the indicator write does, when the table and the role allow it.
  if (!(await canCheckScoreReferencesOnce(db))) return (await upsert()).rows[0]?.written ?? 0;
  await lockScoreReferences(db, rows);
  return (await withTriggersOff(db, upsert)).rows[0]?.written ?? 0;
}

/**
 * Whether risk_scores' only triggers are its two foreign keys' (account_id → accounts, model_version →
 * models) and the role may switch triggers off for a statement (sql/ingest.ts canCheckReferencesOnce, for
 * this table's two keys).
 */
async function canCheckScoreReferencesOnce(db: Kysely<DB>): Promise<boolean> {
  const allowed = await triggersOffAllowed(db);
  const result = await sql<{ other_triggers: number; keys: string | null; allowed: boolean }>`
    SELECT (SELECT count(*) FROM pg_trigger t
            WHERE t.tgrelid = to_regclass('risk_scores')
              AND NOT (t.tgisinternal AND t.tgconstraint IN (SELECT c.oid FROM pg_constraint c WHERE c.conrelid = to_regclass('risk_scores') AND c.contype = 'f')))::int AS other_triggers,
           (SELECT string_agg(a.attname || '>' || c.confrelid::regclass::text, ',' ORDER BY a.attname)
            FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)
            WHERE c.conrelid = to_regclass('risk_scores') AND c.contype = 'f') AS keys,
           ${allowed} AS allowed`.execute(db);
  const row = result.rows[0];
  return !!row && row.other_triggers === 0 && row.keys === 'account_id>accounts,model_version>models' && row.allowed;
}

/**
 * The foreign keys' own check, once for all rows: every scored account and the model must exist, and each
 * is locked FOR KEY SHARE (what the per-row check does) so no concurrent delete can orphan the new scores.
 */
async function lockScoreReferences(db: Kysely<DB>, rows: readonly RiskScoreRow[]): Promise<void> {
  const accounts = [...new Set(rows.map((row) => row.accountId))];
  const versions = [...new Set(rows.map((row) => row.modelVersion))];
  const result = await sql<{ accounts: number; models: number }>`
    WITH a AS (SELECT account_id FROM accounts WHERE account_id = ANY(${accounts}::bigint[]) FOR KEY SHARE),
         m AS (SELECT version FROM models WHERE version = ANY(${versions}::text[]) FOR KEY SHARE)
    SELECT (SELECT count(*) FROM a)::int AS accounts, (SELECT count(*) FROM m)::int AS models`.execute(db);
  const row = result.rows[0];
  if (row?.accounts !== accounts.length || row.models !== versions.length) {
    throw new RadarError('not_found', `a scored account or model does not exist (deleted while scoring?): ${row?.accounts ?? 0} of ${accounts.length} accounts, ${row?.models ?? 0} of ${versions.length} models found; no score was written`);
  }
}

/** Stored scores as of a day (optionally of one model), highest probability first. */
export async function readRiskScores(db: Kysely<DB>, asOf: string, modelVersion?: string): Promise<StoredRiskScore[]> {
  let query = db
    .selectFrom('risk_scores')
    .select(['account_id', 'as_of', 'model_version', 'probability', 'tier', 'drivers', 'missing_indicators', 'scorecard_probability', 'scored_at'])
    .where('as_of', '=', asOf)
    .orderBy('probability', 'desc')
    .orderBy('account_id');
  if (modelVersion !== undefined) query = query.where('model_version', '=', modelVersion);
  const rows = await query.execute();
  return rows.map((row) => ({
    accountId: row.account_id,
    asOf: row.as_of,
    modelVersion: row.model_version,
    probability: row.probability,
    tier: row.tier as RiskScoreRow['tier'],
    drivers: row.drivers as Json,
    missingIndicators: row.missing_indicators as Json,
    scorecardProbability: row.scorecard_probability,
    scoredAt: row.scored_at as unknown as Date,
  }));
}
