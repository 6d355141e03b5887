// One way to open the database. With a DATABASE_URL: a `pg` pool on a Postgres server. Without:
// PGlite, real Postgres compiled to WASM, persisted in a directory (or in memory for tests).
// Both sit behind the same Kysely<DB>, so every query in sql/ runs unchanged on either.
//
// Two things plain Kysely cannot express travel through it as marked parameters, so that they also
// work inside a transaction (the caller's connection is pinned there):
//   - runScript: a multi-statement SQL script (migrations);
//   - copyRows:  COPY … FROM STDIN of CSV text, the bulk-load fast path (pg-copy-streams on the
//                server, PGlite's '/dev/blob' device in WASM).
import { mkdirSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PGlite } from '@electric-sql/pglite';
import {
  CompiledQuery,
  Kysely,
  PostgresAdapter,
  PostgresDialect,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type PostgresPool,
  type PostgresPoolClient,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { RadarError } from '../pipelines/errors.ts';
import type { DB } from './schema.ts';

export type Database = Kysely<DB>;
/** A database or an open transaction: query functions take either, so the caller owns the transaction. */
export type Queryable = Kysely<DB>;

export interface DatabaseOptions {
  /** postgres://… — when absent, PGlite is used. */
  readonly databaseUrl?: string | undefined;
  /** PGlite's directory; ignored with databaseUrl. */
  readonly dataDir?: string | undefined;
  /** PGlite in memory (tests). */
  readonly inMemory?: boolean;
  /** Postgres schema to work in (tests isolate themselves this way); default `public`. */
  readonly schema?: string | undefined;
  readonly poolSize?: number;
}

export type Backend = 'pglite' | 'postgres';

const INT8_OID = 20;
const DATE_OID = 1082;

/** int8 as a JS number: ids and cents are far below 2^53, and a silent precision loss must not pass. */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RadarError('database_unavailable', `bigint ${text} exceeds the safe integer range`);
  return value;
}
const keepDateText = (text: string): string => text;

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

class ScriptMarker {}
const SCRIPT = new ScriptMarker();

class CopyPayload {
  constructor(readonly csv: string | Uint8Array) {}
}

/** Anything that can execute a compiled query: a Kysely database, transaction or pinned connection. */
export interface QueryExecutor {
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
}

/** Runs a multi-statement SQL script (no parameters) on a database or inside a transaction. */
export async function runScript(db: QueryExecutor, script: string): Promise<void> {
  await db.executeQuery(CompiledQuery.raw(script, [SCRIPT]));
}

/**
 * Bulk-loads CSV text (no header, Postgres CSV quoting) into `table (columns…)` with COPY.
 * The CSV is a string or its UTF-8 bytes. Table and column names are checked against a strict identifier
 * pattern: they come from code, never input.
 */
export async function copyCsv(db: QueryExecutor, table: string, columns: readonly string[], csv: string | Uint8Array): Promise<void> {
  for (const name of [table, ...columns]) {
    if (!SCHEMA_NAME.test(name)) throw new RadarError('usage', `not a safe SQL identifier: ${name}`);
  }
  const statement = `COPY ${table} (${columns.join(', ')}) FROM STDIN WITH (FORMAT csv)`;
  await db.executeQuery(CompiledQuery.raw(statement, [new CopyPayload(csv)]));
}

// ---- Postgres server ------------------------------------------------------------------------

/**
 * SQLSTATEs and driver messages that mean the connection itself is gone (server restart,
 * `pg_terminate_backend`, network drop), as opposed to a failed statement on a live connection.
 */
const CONNECTION_LOST_CODES = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004']);
const CONNECTION_LOST_MESSAGE = /Connection terminated|connection error and is not queryable|Client was closed|ECONNRESET|ECONNREFUSED|EPIPE|socket hang up/i;

export function isConnectionLoss(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (typeof code === 'string' && CONNECTION_LOST_CODES.has(code)) || (typeof message === 'string' && CONNECTION_LOST_MESSAGE.test(message));
}

/** A lost connection as a typed error with one readable line; other errors pass unchanged. */
function asConnectionLoss(error: unknown): unknown {
  if (!isConnectionLoss(error) || error instanceof RadarError) return error;
  const { code, message } = error as { code?: string; message: string };
  return new RadarError(
    'database_unavailable',
    `lost the connection to the Postgres server (${message}${code ? `, SQLSTATE ${code}` : ''}); the step failed and can be retried`,
    { sqlstate: code },
    { cause: error },
  );
}

/** Clients with an `error` listener already (pg's pool hands the same client out again). */
const listening = new WeakSet<pg.PoolClient>();
/** The error a checked-out client reported between queries; such a client is destroyed on release. */
const broken = new WeakMap<pg.PoolClient, Error>();

function wrapPgClient(client: pg.PoolClient): PostgresPoolClient {
  // pg's pool listens for errors only while a client is idle. A checked-out client whose backend is
  // terminated emits 'error' with no listener — an uncaught exception that kills the process (a
  // worker mid-job). Here the error is kept; the next query on the client rejects with it.
  if (!listening.has(client)) {
    listening.add(client);
    client.on('error', (error) => broken.set(client, error));
  }
  const run = <T>(promise: Promise<T>): Promise<T> => promise.catch((error: unknown) => Promise.reject(asConnectionLoss(error)));
  return {
    release: () => client.release(broken.get(client)),
    query: ((sqlOrCursor: unknown, parameters?: readonly unknown[]) => {
      const first = parameters?.[0];
      if (first instanceof ScriptMarker) return run(client.query(sqlOrCursor as string));
      if (first instanceof CopyPayload) {
        const stream = client.query(copyStreams.from(sqlOrCursor as string));
        return run(pipeline(Readable.from([first.csv]), stream).then(() => ({ command: 'COPY', rowCount: stream.rowCount ?? 0, rows: [] })));
      }
      return run(client.query(sqlOrCursor as string, parameters as unknown[]));
    }) as PostgresPoolClient['query'],
  };
}

function openPostgres(options: DatabaseOptions): Kysely<DB> {
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.poolSize ?? 10,
    // A server that never answers (firewall drop) must fail in bounded time, not hang until TCP gives up.
    connectionTimeoutMillis: 10_000,
    options: options.schema ? `-c search_path=${options.schema}` : undefined,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
        if (oid === INT8_OID) return parseInt8;
        if (oid === DATE_OID) return keepDateText;
        return pg.types.getTypeParser(oid, format);
      }) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client error (server restart) must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  const wrappedPool: PostgresPool = {
    connect: async () => wrapPgClient(await pool.connect().catch((error: unknown) => Promise.reject(asConnectionLoss(error)))),
    end: () => pool.end(),
  };
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool: wrappedPool }) });
}

// ---- PGlite (embedded) ----------------------------------------------------------------------

class PgliteConnection implements DatabaseConnection {
  constructor(private readonly client: PGlite) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const first = compiledQuery.parameters[0];
    if (first instanceof ScriptMarker) {
      await this.client.exec(compiledQuery.sql);
      return { rows: [] };
    }
    if (first instanceof CopyPayload) {
      const sqlText = compiledQuery.sql.replace('FROM STDIN', "FROM '/dev/blob'");
      await this.client.query(sqlText, [], { blob: new Blob([first.csv]) });
      return { rows: [] };
    }
    const result = await this.client.query<R>(compiledQuery.sql, [...compiledQuery.parameters]);
    return { rows: result.rows, numAffectedRows: result.affectedRows === undefined ? undefined : BigInt(result.affectedRows) };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new RadarError('usage', 'streaming queries are not supported on PGlite');
  }
}

/** PGlite has one connection: callers queue for it, which also serialises transactions. */
class PgliteDriver implements Driver {
  private readonly connection: PgliteConnection;
  private queue: Promise<void> = Promise.resolve();
  private release: (() => void) | undefined;

  constructor(private readonly client: PGlite) {
    this.connection = new PgliteConnection(client);
  }

  async init(): Promise<void> {
    await this.client.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.queue;
    let release!: () => void;
    this.queue = new Promise<void>((resolve) => (release = resolve));
    await previous;
    this.release = release;
    return this.connection;
  }

  async releaseConnection(): Promise<void> {
    const release = this.release;
    this.release = undefined;
    release?.();
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const isolation = settings.isolationLevel ? ` ISOLATION LEVEL ${settings.isolationLevel.toUpperCase()}` : '';
    await connection.executeQuery(CompiledQuery.raw(`BEGIN${isolation}`));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('COMMIT'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('ROLLBACK'));
  }

  async destroy(): Promise<void> {
    await this.client.close();
  }
}

class PgliteDialect implements Dialect {
  constructor(private readonly client: PGlite) {}
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver() {
    return new PgliteDriver(this.client);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
  createIntrospector(db: Kysely<unknown>) {
    return new PostgresIntrospector(db);
  }
}

function openPglite(options: DatabaseOptions): Kysely<DB> {
  let dataDir: string | undefined;
  if (!options.inMemory) {
    dataDir = options.dataDir ?? '.radar/pgdata';
    mkdirSync(dataDir, { recursive: true });
  }
  // The options-object form: PGlite ignores the options argument when dataDir is undefined.
  const client = new PGlite({ dataDir, parsers: { [INT8_OID]: parseInt8, [DATE_OID]: keepDateText } });
  return new Kysely<DB>({ dialect: new PgliteDialect(client) });
}

/** Opens the database the options describe. Schema-scoped connections create the schema on first use. */
export async function openDatabase(options: DatabaseOptions): Promise<Kysely<DB>> {
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
    throw new RadarError('usage', `schema name ${JSON.stringify(options.schema)} must match ${SCHEMA_NAME}`);
  }
  const db = options.databaseUrl ? openPostgres(options) : openPglite(options);
  try {
    if (options.schema) {
      await runScript(db, `CREATE SCHEMA IF NOT EXISTS ${options.schema}; SET search_path TO ${options.schema};`);
    } else {
      await runScript(db, 'SELECT 1');
    }
  } catch (error) {
    await db.destroy().catch(() => undefined);
    const where = options.databaseUrl ? 'the Postgres server at DATABASE_URL' : 'the embedded PGlite database';
    throw new RadarError('database_unavailable', `cannot open ${where}: ${(error as Error).message}`, {}, { cause: error });
  }
  return db;
}

export function backendOf(options: DatabaseOptions): Backend {
  return options.databaseUrl ? 'postgres' : 'pglite';
}
