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
  /** Descriptive fields given with the score (composer, genre, ...), as strings. */
  metadata: ColumnType<ScoreMetadata, ScoreMetadata | undefined, ScoreMetadata>;
  /** `pending` until its index job is done (its excerpts embedded), `failed` when it failed. */
  status: ColumnType<ScoreStatus, ScoreStatus | undefined, ScoreStatus>;
  /** How the bytes arrived: `upload` (POST /v1/scores) or `hook` (an object-created event). */
  source: ColumnType<ScoreSource, ScoreSource | undefined, ScoreSource>;
  /** What the bytes are; `null` only on rows older than the library. */
  format: ColumnType<ScoreFormat | null, ScoreFormat | null | undefined, ScoreFormat | null>;
  /** The store's entity tag of the indexed bytes. */
  etag: ColumnType<string | null, string | null | undefined, string | null>;
  /** The score as MEI, once parsed. */
  mei: ColumnType<string | null, string | null | undefined, string | null>;
  /** How many excerpts the score has. */
  excerpt_count: ColumnType<number, number | undefined, number>;
  /** Hex sha256 of the search model that embedded its excerpts; `null` until the embed step. */
  embedding_sha256: ColumnType<string | null, string | null | undefined, string | null>;
  /** When the row was written. */
  created_at: ColumnType<Date, never, never>;
  /** When the row last changed. */
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

/** Free-form descriptive fields of a score. */
export type ScoreMetadata = Readonly<Record<string, string>>;
/** Where a score is in indexing. */
export type ScoreStatus = "pending" | "indexed" | "failed";
/** How a score's bytes arrived. */
export type ScoreSource = "upload" | "hook";
/** The kinds of file the library reads. */
export type ScoreFormat = "musicxml" | "mxl" | "mei" | "abc" | "humdrum" | "image";

/** A run of measures of a score's first voice: what search matches. */
export interface ExcerptsTable {
  /** The score (deleting it deletes its excerpts). */
  score_id: string;
  /** 0-based order of the excerpt in the score. */
  position: number;
  /** 1-based index of its first measure in the voice. */
  first_measure: number;
  /** 1-based index of its last measure, inclusive. */
  last_measure: number;
  /** PrIMuS semantic tokens, starting with the clef, key and meter in force. */
  tokens: string[];
  /**
   * The search embedding (pgvector `vector(128)`, written as its text form `[0.1,...]`); `null`
   * until the embed step, or for an excerpt with no sounding note.
   */
  embedding: ColumnType<string | null, string | null | undefined, string | null>;
}

/** What a job does: index a score, or delete a deleted score's objects. */
export type JobKind = "index" | "delete";
/** Where a job is: `running` jobs whose heartbeat stopped are stale and may be run again. */
export type JobStatus = "pending" | "running" | "done" | "failed";

/** Durable work: a job row is written before its effects, so a crash leaves it to be rerun. */
export interface JobsTable {
  /** Random UUID given by the database. */
  id: Generated<string>;
  /** `index` or `delete`. */
  kind: JobKind;
  /** One job per key: `upload:<sha256>`, `s3:<bucket>/<key>@<etag>`, `delete:<score id>`. */
  idempotency_key: string;
  /** The score the job is about (no foreign key: the job outlives or precedes the row). */
  score_id: string;
  /** What the job's steps need (JSON object). */
  payload: ColumnType<JobPayload, JobPayload, JobPayload>;
  /** See {@linkcode JobStatus}. */
  status: ColumnType<JobStatus, JobStatus | undefined, JobStatus>;
  /** The last step whose rows are committed, `null` before the first. */
  step: ColumnType<string | null, string | null | undefined, string | null>;
  /** Claims so far; also the fencing token of the current claim. */
  attempts: ColumnType<number, number | undefined, number>;
  /** Why the last attempt failed. */
  error: ColumnType<string | null, string | null | undefined, string | null>;
  /** When the job was created. */
  created_at: ColumnType<Date, never, never>;
  /** The heartbeat: moved by every claim and step. */
  updated_at: ColumnType<Date, Date | undefined, Date>;
  /** When the job was done. */
  finished_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

/** A job's payload: a JSON object whose shape belongs to the job's kind. */
export type JobPayload = Readonly<Record<string, unknown>>;

/** One accepted webhook delivery, remembered to refuse its replay. */
export interface HookDeliveriesTable {
  /** The delivery's hex HMAC-SHA256 signature. */
  signature: string;
  /** The timestamp it was signed with. */
  signed_at: Date;
  /** When it arrived. */
  received_at: ColumnType<Date, never, never>;
}

/** What an API key may do: `admin` includes `write`, which includes `read`. */
export type ApiKeyScope = "read" | "write" | "admin";

/** A scoped API key; only the sha256 of its secret is stored. */
export interface ApiKeysTable {
  /** Random UUID given by the database; `deno task keys revoke` takes it. */
  id: Generated<string>;
  /** Who or what holds the key, 1 to 100 characters. */
  name: string;
  /** Hex sha256 of the secret; the secret itself is never stored. */
  secret_sha256: string;
  /** The scopes granted, at least one. */
  scopes: ApiKeyScope[];
  /** When the key was made. */
  created_at: ColumnType<Date, never, never>;
  /** When the key was revoked; `null` while it is admitted. */
  revoked_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** When the key was last admitted, to the minute. */
  last_used_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

/** All tables, keyed by name, as Kysely wants them. */
export interface Tables {
  stave_migrations: MigrationsTable;
  scores: ScoresTable;
  excerpts: ExcerptsTable;
  jobs: JobsTable;
  hook_deliveries: HookDeliveriesTable;
  api_keys: ApiKeysTable;
}

/** A score as read from the database. */
export type Score = Selectable<ScoresTable>;
/** A score as written to the database. */
export type NewScore = Insertable<ScoresTable>;
/** An excerpt as read from the database. */
export type Excerpt = Selectable<ExcerptsTable>;
/** A job as read from the database. */
export type Job = Selectable<JobsTable>;
