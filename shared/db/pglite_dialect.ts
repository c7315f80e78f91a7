/**
 * A Kysely dialect over PGlite (Postgres compiled to WASM, in process).
 *
 * PGlite is one session, so the driver hands out its single connection to one caller at a
 * time: a transaction holds it until commit or rollback, and other queries wait their turn.
 *
 * @module
 */
import type { PGlite } from "@electric-sql/pglite";
import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from "kysely";

class PGliteConnection implements DatabaseConnection {
  constructor(private readonly db: PGlite) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.db.query<R>(query.sql, [...query.parameters]);
    return {
      rows: result.rows,
      numAffectedRows: result.affectedRows === undefined ? undefined : BigInt(result.affectedRows),
    };
  }

  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    // PGlite returns whole results; one chunk keeps the streaming contract.
    yield await this.executeQuery<R>(query);
  }
}

class PGliteDriver implements Driver {
  readonly #connection: PGliteConnection;
  #tail: Promise<void> = Promise.resolve();
  readonly #releases = new WeakMap<DatabaseConnection, () => void>();

  constructor(private readonly db: PGlite) {
    this.#connection = new PGliteConnection(db);
  }

  async init(): Promise<void> {
    await this.db.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise((resolve) => (release = resolve));
    await previous;
    // Each lease is its own object so that a release frees exactly the lease it was given.
    const lease: DatabaseConnection = {
      executeQuery: (query) => this.#connection.executeQuery(query),
      streamQuery: (query) => this.#connection.streamQuery(query),
    };
    this.#releases.set(lease, release);
    return lease;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings) {
    const level = settings.isolationLevel ? ` isolation level ${settings.isolationLevel}` : "";
    await connection.executeQuery(CompiledQuery.raw(`begin${level}`));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("commit"));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("rollback"));
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    this.#releases.get(connection)?.();
    this.#releases.delete(connection);
    return Promise.resolve();
  }

  async destroy(): Promise<void> {
    await this.db.close();
  }
}

/** A Kysely dialect that runs queries on one PGlite instance and closes it on destroy. */
export class PGliteDialect implements Dialect {
  /** Wraps `db`; Kysely's `destroy()` closes it. */
  constructor(private readonly db: PGlite) {}

  /** The driver that serialises access to the single PGlite session. */
  createDriver(): Driver {
    return new PGliteDriver(this.db);
  }

  /** Postgres SQL compilation. */
  createQueryCompiler(): PostgresQueryCompiler {
    return new PostgresQueryCompiler();
  }

  /** Postgres semantics (returning, transactional DDL). */
  createAdapter(): PostgresAdapter {
    return new PostgresAdapter();
  }

  /** Postgres catalogue introspection. */
  createIntrospector(db: Kysely<unknown>): PostgresIntrospector {
    return new PostgresIntrospector(db);
  }
}
