/**
 * Typed table interfaces for Kysely: the shape of every table the migrations create.
 *
 * @module
 */
import type { ColumnType, Generated, Insertable, Selectable } from "kysely";

/** A migration that has been applied (written by the migrator only). */
export interface MigrationsTable {
  /** The number in the file name, e.g. 2 for `0002_scores.sql`. */
  id: number;
  /** The file name without extension. */
  name: string;
  /** Hex sha256 of the file when it was applied; a later edit is refused. */
  sha256: string;
  /** When it was applied. */
  applied_at: ColumnType<Date, never, never>;
}

/** One stored score of the library. */
export interface ScoresTable {
  /** Random UUID given by the database. */
  id: Generated<string>;
  /** Human title, 1 to 500 characters. */
  title: string;
  /** Key of the score's bytes in the object store. */
  object_key: string;
  /** MIME type of the stored bytes. */
  content_type: string;
  /** Hex sha256 of the stored bytes. */
  sha256: string;
  /** Size of the stored bytes (bigint in SQL, read as a number by both drivers). */
  bytes: number;
  /** When the row was written. */
  created_at: ColumnType<Date, never, never>;
}

/** All tables, keyed by name, as Kysely wants them. */
export interface Tables {
  stave_migrations: MigrationsTable;
  scores: ScoresTable;
}

/** A score as read from the database. */
export type Score = Selectable<ScoresTable>;
/** A score as written to the database. */
export type NewScore = Insertable<ScoresTable>;
