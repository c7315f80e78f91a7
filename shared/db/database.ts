/**
 * Opens the database behind one factory: embedded PGlite (with pgvector) persisted to a folder,
 * or a Postgres server by URL. Both are Kysely instances over the same typed tables.
 *
 * @module
 */
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import type { DatabaseConfig } from "../config.ts";
import { PGliteDialect } from "./pglite_dialect.ts";
import type { Tables } from "./schema.ts";

// bigint (oid 20) as a number, as PGlite does, so both drivers give rows of one shape.
const getTypeParser: typeof pg.types.getTypeParser =
  ((oid: number, format?: "text" | "binary") =>
    oid === 20 && format !== "binary"
      ? Number
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser;

/** An open database. */
export interface Database {
  /** `pglite` or `postgres`, for health reports. */
  readonly kind: DatabaseConfig["kind"];
  /** The typed query builder. */
  readonly db: Kysely<Tables>;
  /** Runs a trivial query; throws when the database cannot answer. */
  ping(signal?: AbortSignal): Promise<void>;
  /** Closes connections (and the PGlite instance). */
  close(): Promise<void>;
}

/**
 * Opens the database that `config` names; an embedded PGlite folder is created when missing.
 *
 * @example
 * ```ts
 * import { openDatabase } from "./database.ts";
 * const database = await openDatabase({ kind: "pglite", dir: "memory://" });
 * await database.ping();
 * await database.close();
 * ```
 */
export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  let dialect;
  if (config.kind === "pglite") {
    if (!config.dir.includes("://")) await Deno.mkdir(config.dir, { recursive: true });
    const pglite = await PGlite.create(config.dir, { extensions: { vector } });
    dialect = new PGliteDialect(pglite);
  } else {
    const pool = new pg.Pool({ connectionString: config.url, max: 10, types: { getTypeParser } });
    dialect = new PostgresDialect({ pool });
  }
  const db = new Kysely<Tables>({ dialect });
  return {
    kind: config.kind,
    db,
    async ping(signal?: AbortSignal) {
      signal?.throwIfAborted();
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}
