/**
 * Deletes a score: its rows at once, its objects through a delete job.
 *
 * One transaction removes the score (its excerpts go by cascade), drops its index jobs (so the
 * same file may be stored again) and writes the delete job naming the objects; the job then
 * removes them. A crash before the job ran leaves it pending for `reindex`: no row points at a
 * missing object, and no object outlives its rows for longer than that.
 *
 * @module
 */
import { createJob, type LibraryServices } from "./jobs.ts";
import { runJob } from "./run_job.ts";

/**
 * Deletes the score `id` and its objects; `false` when there is no such score.
 *
 * @example
 * ```ts ignore
 * if (!await deleteScore(services, id)) console.log("no such score");
 * ```
 */
export async function deleteScore(services: LibraryServices, id: string): Promise<boolean> {
  const job = await services.database.db.transaction().execute(async (tx) => {
    const score = await tx.selectFrom("scores").select("object_key").where("id", "=", id)
      .forUpdate().executeTakeFirst();
    if (score === undefined) return undefined;
    await tx.deleteFrom("jobs").where("score_id", "=", id).where("kind", "=", "index").execute();
    await tx.deleteFrom("scores").where("id", "=", id).execute();
    const made = await createJob(tx, {
      kind: "delete",
      idempotencyKey: `delete:${id}`,
      scoreId: id,
      payload: { objectKeys: [score.object_key] },
    });
    return made.job;
  });
  if (job === undefined) return false;
  await runJob(services, job.id);
  return true;
}
