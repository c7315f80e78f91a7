/**
 * Applies the numbered SQL files of `migrations/` once each, in order, recording them in the
 * `stave_migrations` table. All pending files run in one transaction under an advisory lock, so
 * concurrent starts of several instances apply each migration exactly once.
 *
 * @module
 */
import { type Kysely, sql } from "kysely";
import type { Tables } from "./schema.ts";
import { sha256Hex } from "../sha256.ts";
import { splitSqlStatements } from "./sql_statements.ts";

/** One migration file. */
export interface Migration {
  /** The number in the file name. */
  readonly id: number;
  /** The file name without `.sql`. */
  readonly name: string;
  /** The SQL script. */
  readonly sql: string;
  /** Hex sha256 of the script. */
  readonly sha256: string;
}

/** The folder of the project's migrations. */
export const MIGRATIONS_DIR: URL = new URL("../../migrations/", import.meta.url);

const FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;
// An arbitrary constant shared by every Stave instance: the key of the migration lock.
const LOCK_KEY = 7_423_1;

/**
 * Reads the migrations in `dir`, sorted by number.
 *
 * @throws {SyntaxError} when a `.sql` file is misnamed or two files share a number.
 */
export async function readMigrations(dir: URL = MIGRATIONS_DIR): Promise<Migration[]> {
  const migrations: Migration[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile || !entry.name.endsWith(".sql")) continue;
    const match = FILE.exec(entry.name);
    if (match === null) {
      throw new SyntaxError(`Invalid migration file name "${entry.name}": expected 0001_name.sql`);
    }
    const text = await Deno.readTextFile(new URL(entry.name, dir));
    migrations.push({
      id: Number(match[1]),
      name: entry.name.slice(0, -4),
      sql: text,
      sha256: await sha256Hex(text),
    });
  }
  migrations.sort((a, b) => a.id - b.id);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.id === migrations[i - 1]!.id) {
      throw new SyntaxError(`Duplicate migration number ${migrations[i]!.id}`);
    }
  }
  return migrations;
}

/** A migration already applied whose file has changed since; the database is left untouched. */
export class MigrationChangedError extends Error {
  /** Creates the error for the migration `name`. */
  constructor(name: string) {
    super(`Migration "${name}" was changed after it was applied: add a new migration instead`);
    this.name = "MigrationChangedError";
  }
}

/**
 * Applies the pending migrations and returns the names it applied (empty when up to date).
 *
 * @throws {MigrationChangedError} when an applied migration's file was edited.
 */
export async function migrate(
  db: Kysely<Tables>,
  migrations: readonly Migration[],
): Promise<string[]> {
  return await db.transaction().execute(async (tx) => {
    await sql`select pg_advisory_xact_lock(${LOCK_KEY})`.execute(tx);
    await sql`create table if not exists stave_migrations (
      id integer primary key,
      name text not null,
      sha256 text not null,
      applied_at timestamptz not null default now()
    )`.execute(tx);
    const applied = new Map(
      (await tx.selectFrom("stave_migrations").select(["id", "sha256"]).execute())
        .map((row) => [row.id, row.sha256]),
    );
    const done: string[] = [];
    for (const migration of migrations) {
      const previous = applied.get(migration.id);
      if (previous !== undefined) {
        if (previous !== migration.sha256) throw new MigrationChangedError(migration.name);
        continue;
      }
      for (const statement of splitSqlStatements(migration.sql)) {
        await sql.raw(statement).execute(tx);
      }
      await tx.insertInto("stave_migrations")
        .values({ id: migration.id, name: migration.name, sha256: migration.sha256 })
        .execute();
      done.push(migration.name);
    }
    return done;
  });
}
