/**
 * Recovery: runs every job a crash or a failure left unfinished (pending, failed, or running with
 * a stale heartbeat), oldest first, each from the step after its last committed one.
 *
 * @module
 */
import type { Job } from "../db/schema.ts";
import { type LibraryServices, unfinishedJobIds } from "./jobs.ts";
import { runJob, type RunJobOptions } from "./run_job.ts";

/**
 * Runs the unfinished jobs one after another and returns them as they ended (jobs deleted
 * meanwhile are left out). `staleSeconds` defaults to the config's `jobStaleSeconds`.
 *
 * @example
 * ```ts ignore
 * const jobs = await reindex(services);
 * console.log(jobs.filter((job) => job.status === "failed").length, "failed");
 * ```
 */
export async function reindex(
  services: LibraryServices,
  options: Pick<RunJobOptions, "staleSeconds" | "afterStep"> = {},
): Promise<Job[]> {
  const staleSeconds = options.staleSeconds ?? services.config.library.jobStaleSeconds;
  const ids = await unfinishedJobIds(services.database.db, staleSeconds);
  const jobs: Job[] = [];
  for (const id of ids) {
    const job = await runJob(services, id, { ...options, staleSeconds });
    if (job !== undefined) jobs.push(job);
  }
  return jobs;
}
