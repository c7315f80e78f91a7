/**
 * Recovery of abandoned uploads: what a crash during an upload leaves that no job can finish.
 *
 * An upload writes its job, then its object, then runs the job (see `upload.ts`). A process killed
 * between the first two leaves an index job whose object never comes: its `record` step fails on
 * every run. An object under `scores/` that no score row and no job names (written by a version
 * that put the object first, or copied in by hand) would stay in the store forever. Both are
 * removed once older than a grace period, so an upload still in flight in another process is never
 * touched.
 *
 * @module
 */
import { sql } from "kysely";
import type { LibraryServices } from "./jobs.ts";
import { UPLOAD_PREFIX } from "./upload.ts";

/** What {@linkcode sweepUploads} removed. */
export interface SweepResult {
  /** Ids of the upload jobs dropped: pending or failed, no score row, no object. */
  readonly droppedJobs: readonly string[];
  /** Keys under `scores/` removed: no score row, no job names them. */
  readonly removedObjects: readonly string[];
}

/** Options of {@linkcode sweepUploads}. */
export interface SweepOptions {
  /** Only jobs created, and objects last modified, more than this many seconds ago are swept. */
  readonly graceSeconds: number;
}

/**
 * Drops the upload jobs whose object never landed and removes the upload objects nothing names,
 * both older than `graceSeconds`. A job that has a score row, or whose object exists, is left to
 * `reindex`; an object a delete job names is left to that job.
 *
 * @example
 * ```ts ignore
 * const { droppedJobs, removedObjects } = await sweepUploads(services, { graceSeconds: 600 });
 * ```
 */
export async function sweepUploads(
  services: LibraryServices,
  options: SweepOptions,
): Promise<SweepResult> {
  const db = services.database.db;
  const cutoff = sql<Date>`now() - make_interval(secs => ${options.graceSeconds})`;
  const candidates = await db.selectFrom("jobs").select(["id", "score_id", "payload"])
    .where("kind", "=", "index")
    .where("status", "in", ["pending", "failed"])
    .where(sql<boolean>`payload->>'source' = 'upload'`)
    .where("created_at", "<", cutoff)
    .where((eb) =>
      eb.not(eb.exists(eb.selectFrom("scores").select("id").whereRef("scores.id", "=", "score_id")))
    )
    .orderBy("created_at").execute();
  const droppedJobs: string[] = [];
  for (const job of candidates) {
    const key = (job.payload as { objectKey?: unknown }).objectKey;
    if (typeof key !== "string" || await services.store.head(key) !== null) continue;
    // The status guard keeps a job that a runner claimed meanwhile.
    const dropped = await db.deleteFrom("jobs").where("id", "=", job.id)
      .where("status", "in", ["pending", "failed"]).returning("id").executeTakeFirst();
    if (dropped !== undefined) droppedJobs.push(dropped.id);
  }

  const graceMs = options.graceSeconds * 1000;
  const removedObjects: string[] = [];
  for await (const info of services.store.list({ prefix: UPLOAD_PREFIX })) {
    if (Date.now() - info.lastModified.getTime() <= graceMs) continue;
    const named = await sql<{ one: number }>`
      select 1 as one from scores where object_key = ${info.key}
      union all
      select 1 from jobs
      where payload->>'objectKey' = ${info.key} or payload->'objectKeys' ? ${info.key}
      limit 1`.execute(db);
    if (named.rows.length > 0) continue;
    await services.store.delete(info.key);
    removedObjects.push(info.key);
  }
  return { droppedJobs, removedObjects };
}
