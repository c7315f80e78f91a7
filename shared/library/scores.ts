/**
 * Reading the library: one score with its index job, and the scores newest first, a page at a
 * time (keyset pagination on creation time and id, so pages neither skip nor repeat rows while
 * others are added).
 *
 * @module
 */
import { type Kysely, sql } from "kysely";
import type {
  JobStatus,
  Score,
  ScoreFormat,
  ScoreMetadata,
  ScoreSource,
  ScoreStatus,
  Tables,
} from "../db/schema.ts";
import { Problem } from "../problem.ts";

/** A score as the API shows it. */
export interface ScoreView {
  /** Its id. */
  readonly id: string;
  /** Its title. */
  readonly title: string;
  /** Its descriptive fields. */
  readonly metadata: ScoreMetadata;
  /** Where indexing is. */
  readonly status: ScoreStatus;
  /** How it arrived. */
  readonly source: ScoreSource;
  /** What the file is. */
  readonly format: ScoreFormat | null;
  /** The file's media type. */
  readonly contentType: string;
  /** The file's size. */
  readonly bytes: number;
  /** The file's hex sha256. */
  readonly sha256: string;
  /** The file's key in the object store. */
  readonly objectKey: string;
  /** How many excerpts are indexed. */
  readonly excerptCount: number;
  /** When it was stored (ISO 8601). */
  readonly createdAt: string;
  /** When it last changed (ISO 8601). */
  readonly updatedAt: string;
}

/** A score's latest index job. */
export interface JobView {
  /** The job's id. */
  readonly id: string;
  /** Where it is. */
  readonly status: JobStatus;
  /** The last committed step. */
  readonly step: string | null;
  /** Claims so far. */
  readonly attempts: number;
  /** Why the last attempt failed. */
  readonly error: string | null;
}

const COLUMNS = [
  "id",
  "title",
  "metadata",
  "status",
  "source",
  "format",
  "content_type",
  "sha256",
  "bytes",
  "object_key",
  "excerpt_count",
  "created_at",
  "updated_at",
] as const;

type Row = Pick<Score, typeof COLUMNS[number]>;

function view(row: Row): ScoreView {
  return {
    id: row.id,
    title: row.title,
    metadata: row.metadata,
    status: row.status,
    source: row.source,
    format: row.format,
    contentType: row.content_type,
    bytes: row.bytes,
    sha256: row.sha256,
    objectKey: row.object_key,
    excerptCount: row.excerpt_count,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/**
 * The score `id` with its latest index job, or `undefined` when there is none.
 *
 * @example
 * ```ts ignore
 * const score = await getScore(db, id);
 * console.log(score?.status, score?.job?.error);
 * ```
 */
export async function getScore(
  db: Kysely<Tables>,
  id: string,
): Promise<(ScoreView & { readonly job: JobView | null }) | undefined> {
  const row = await db.selectFrom("scores").select(COLUMNS).where("id", "=", id)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  const job = await db.selectFrom("jobs")
    .select(["id", "status", "step", "attempts", "error"])
    .where("score_id", "=", id).where("kind", "=", "index")
    .orderBy("created_at", "desc").orderBy("id", "desc")
    .executeTakeFirst();
  return { ...view(row), job: job ?? null };
}

/** One page of scores. */
export interface ScorePage {
  /** Newest first. */
  readonly scores: readonly ScoreView[];
  /** Pass as `cursor` for the next page; `null` on the last. */
  readonly nextCursor: string | null;
}

const CURSOR = /^(\d{1,17})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** The cursor's creation time (microseconds since the epoch) and id. */
function readCursor(cursor: string): [number, string] {
  let decoded = "";
  try {
    decoded = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
  } catch {
    // Falls through to the shape check below.
  }
  const match = CURSOR.exec(decoded);
  if (match === null) {
    throw new Problem(400, "Invalid cursor: pass nextCursor from a previous page", {
      slug: "invalid-cursor",
    });
  }
  return [Number(match[1]), match[2]!];
}

const writeCursor = (micros: number, id: string) =>
  btoa(`${micros}.${id}`).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/**
 * Up to `limit` scores after `cursor` (from the start when absent), newest first.
 *
 * @example
 * ```ts ignore
 * const first = await listScores(db, { limit: 20 });
 * const second = await listScores(db, { limit: 20, cursor: first.nextCursor ?? undefined });
 * ```
 * @throws {Problem} 400 for a cursor this function did not make.
 */
export async function listScores(
  db: Kysely<Tables>,
  options: { readonly limit: number; readonly cursor?: string },
): Promise<ScorePage> {
  let query = db.selectFrom("scores").select(COLUMNS)
    // Microseconds: a Date would round created_at to milliseconds and break ties.
    .select(sql<number>`(extract(epoch from created_at) * 1000000)::bigint`.as("micros"))
    .orderBy("created_at", "desc").orderBy("id", "desc")
    .limit(options.limit + 1);
  if (options.cursor !== undefined) {
    const [micros, id] = readCursor(options.cursor);
    query = query.where(
      sql<
        boolean
      >`(created_at, id) < (timestamptz 'epoch' + ${micros}::bigint * interval '1 microsecond', ${id}::uuid)`,
    );
  }
  const rows = await query.execute();
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return {
    scores: page.map(view),
    nextCursor: rows.length > options.limit && last !== undefined
      ? writeCursor(Number(last.micros), last.id)
      : null,
  };
}
